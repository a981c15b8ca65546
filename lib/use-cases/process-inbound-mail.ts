import { MailRejectedError, PermanentFailureError } from '../domain/errors.js';
import type { InboundOutcome } from '../domain/types.js';
import { parseMail } from '../mail/parse-mail.js';
import { AlreadyEndedError, claimed, type InboundAttempt, startAttempt } from './inbound-attempt.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { type RelayResult, relayCustomerMail } from './relay-customer-mail.js';
import { relayOversizeMail } from './relay-oversize-mail.js';
import { relayOwnerReply } from './relay-owner-reply.js';
import { quarantineByVerdict, routeNotice } from './route-notice.js';
import { countCustomerMail, reportOwnerSideRefusal, screenResend } from './screen-inbound.js';

/** The outcome of one call, and whether an earlier delivery had already finished the message. */
export interface ProcessResult {
  outcome: InboundOutcome;
  duplicate: boolean;
}

/** What reading and routing a mail decided: an outcome at once, or work that may send. */
type Plan =
  | { kind: 'settle'; outcome: InboundOutcome }
  | { kind: 'work'; run: (attempt: InboundAttempt) => Promise<RelayResult> };

async function plan(deps: InboundDeps, notice: InboundNotice): Promise<Plan> {
  const raw = notice.inlineRaw ?? (await deps.rawMail.getRaw(notice.rawKey));
  if (raw.length > deps.config.limits.maxMessageBytes) {
    return { kind: 'work', run: (attempt) => relayOversizeMail(deps, notice, raw, attempt) };
  }
  const mail = await parseMail(raw, { maxBytes: deps.config.limits.maxMessageBytes });
  const route = routeNotice(deps, notice, mail);
  switch (route.kind) {
    case 'automatic':
      return {
        kind: 'settle',
        outcome: {
          status: 'automatic',
          reason: route.reason,
          detail: `${route.automaticKind}; never answered`,
        },
      };
    case 'rejected':
      return { kind: 'settle', outcome: { status: 'rejected', reason: route.reason, detail: route.detail } };
    case 'owner-side':
      return {
        kind: 'work',
        run: async (attempt) => {
          const record = await claimed(attempt);
          const screened = { ...notice, firstAttempt: record.attempts === 1 };
          const resent = await screenResend(deps, screened, mail, route.senderAddress);
          const result: RelayResult = resent
            ? { outcome: resent, recorded: false }
            : await relayOwnerReply(deps, screened, mail, route.claim, route.senderAddress, attempt);
          await reportOwnerSideRefusal(deps, screened, mail, result.outcome);
          return result;
        },
      };
    case 'customer': {
      const quarantined = quarantineByVerdict(notice, route.customerEmail);
      if (quarantined) return { kind: 'settle', outcome: quarantined };
      return {
        kind: 'work',
        run: (attempt) =>
          relayCustomerMail(deps, notice, mail, route.customerEmail, route.customerName, attempt, {
            // The resend claim and the hourly count are one write, made while the claim and the
            // lookups are in flight; nothing is written or sent before all three have answered.
            screen: countCustomerMail(deps, notice, mail, route.customerEmail),
          }),
      };
    }
  }
}

/** A mail refused by a parser limit is kept and held like suspect mail; anything else is a failure. */
function permanentOutcome(error: PermanentFailureError, notice: InboundNotice): InboundOutcome {
  const status = error instanceof MailRejectedError ? 'quarantined' : 'failed';
  return { status, reason: error.reason, detail: `${error.message}; kept at ${notice.rawKey}` };
}

/** Claims and ends the message in one write; a message an earlier delivery ended stays as it was. */
async function settle(
  deps: InboundDeps,
  notice: InboundNotice,
  outcome: InboundOutcome,
): Promise<ProcessResult> {
  const at = deps.now().toISOString();
  const { record, settled } = await deps.store.settleInbound(notice.inboundId, notice.rawKey, at, outcome);
  return settled ? { outcome, duplicate: false } : { outcome: record.outcome ?? outcome, duplicate: true };
}

/**
 * Processes one received mail end to end and records its outcome. Safe to call any number of times for
 * the same notice: a finished message is reported as a duplicate, an unfinished one resumes, and every
 * step on the way is idempotent. Transient failures are thrown so the queue retries; permanent ones
 * become a recorded `failed` outcome. The raw mail is never deleted.
 *
 * Mail that ends without sending anything (automatic mail, refusals, unreadable mail) is claimed and
 * ended in one write after parsing. Mail that may send is claimed with a lease, while its lookups run.
 */
export async function processInboundMail(deps: InboundDeps, notice: InboundNotice): Promise<ProcessResult> {
  // Mail that arrived inside the notification is put where S3-action mail already is, so it is kept too.
  if (notice.inlineRaw) await deps.rawMail.putRaw(notice.rawKey, notice.inlineRaw);
  let planned: Plan;
  try {
    planned = await plan(deps, notice);
  } catch (error) {
    if (!(error instanceof PermanentFailureError)) throw error;
    return settle(deps, notice, permanentOutcome(error, notice));
  }
  if (planned.kind === 'settle') return settle(deps, notice, planned.outcome);

  const attempt = startAttempt(deps, notice);
  let result: RelayResult;
  try {
    result = await planned.run(attempt);
  } catch (error) {
    if (error instanceof AlreadyEndedError) return { outcome: error.outcome, duplicate: true };
    if (error instanceof PermanentFailureError) {
      result = { outcome: permanentOutcome(error, notice), recorded: false };
    } else {
      // Unless the relay may have gone out unrecorded, a failure frees the message for a retry at once.
      if (
        !attempt.relayUnrecorded &&
        (await attempt.claim.then(
          () => true,
          () => false,
        ))
      ) {
        await deps.store.releaseInboundLease(notice.inboundId, attempt.holder).catch(() => undefined);
      }
      throw error;
    }
  }
  if (!result.recorded) await deps.store.recordOutcome(notice.inboundId, result.outcome);
  return { outcome: result.outcome, duplicate: false };
}
