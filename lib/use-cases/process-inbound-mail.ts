import { MailRejectedError, PermanentFailureError } from '../domain/errors.js';
import type { InboundOutcome } from '../domain/types.js';
import { parseMail } from '../mail/parse-mail.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { relayCustomerMail } from './relay-customer-mail.js';
import { relayOversizeMail } from './relay-oversize-mail.js';
import { relayOwnerReply } from './relay-owner-reply.js';
import { quarantineByVerdict, routeNotice } from './route-notice.js';
import { reportOwnerSideRefusal, screenRate, screenResend } from './screen-inbound.js';

/** The outcome of one call, and whether an earlier delivery had already finished the message. */
export interface ProcessResult {
  outcome: InboundOutcome;
  duplicate: boolean;
}

async function decide(
  deps: InboundDeps,
  notice: InboundNotice,
  rawRead: Promise<Buffer>,
): Promise<InboundOutcome> {
  const raw = await rawRead;
  if (raw.length > deps.config.limits.maxMessageBytes) return relayOversizeMail(deps, notice, raw);
  const mail = await parseMail(raw, { maxBytes: deps.config.limits.maxMessageBytes });
  const route = routeNotice(deps, notice, mail);
  switch (route.kind) {
    case 'automatic':
      return { status: 'automatic', reason: route.reason, detail: `${route.automaticKind}; never answered` };
    case 'rejected':
      return { status: 'rejected', reason: route.reason, detail: route.detail };
    case 'owner-side': {
      const outcome =
        (await screenResend(deps, notice, mail, route.senderAddress)) ??
        (await relayOwnerReply(deps, notice, mail, route.claim, route.senderAddress, notice.verdicts));
      await reportOwnerSideRefusal(deps, notice, mail, outcome);
      return outcome;
    }
    case 'customer': {
      const quarantined = quarantineByVerdict(notice, route.customerEmail);
      if (quarantined) return quarantined;
      // Independent single-item writes, so one round trip; a resend also takes a place in the hour, as
      // a flood of resends is a flood.
      const [resent, limited] = await Promise.all([
        screenResend(deps, notice, mail, route.customerEmail),
        screenRate(deps, notice, route.customerEmail),
      ]);
      return (
        resent ?? limited ?? relayCustomerMail(deps, notice, mail, route.customerEmail, route.customerName)
      );
    }
  }
}

/**
 * Processes one received mail end to end and records its outcome. Safe to call any number of times for
 * the same notice: a finished message is reported as a duplicate, an unfinished one resumes, and every
 * step on the way is idempotent. Transient failures are thrown so the queue retries; permanent ones
 * become a recorded `failed` outcome. The raw mail is never deleted.
 */
export async function processInboundMail(deps: InboundDeps, notice: InboundNotice): Promise<ProcessResult> {
  // Mail that arrived inside the notification is put where S3-action mail already is, so it is kept too.
  if (notice.inlineRaw) await deps.rawMail.putRaw(notice.rawKey, notice.inlineRaw);
  // The raw mail is read while the claim is written: the two are independent, so one round trip instead
  // of two. A duplicate delivery wastes that read (one S3 GET), which is rare. Its failure is handled
  // where it is awaited, inside the try below; the no-op catch only keeps an early claim failure from
  // leaving the read's rejection unhandled.
  const rawRead = notice.inlineRaw ? Promise.resolve(notice.inlineRaw) : deps.rawMail.getRaw(notice.rawKey);
  rawRead.catch(() => undefined);
  const claim = await deps.store.claimInbound(notice.inboundId, notice.rawKey, deps.now().toISOString());
  if (claim.outcome) return { outcome: claim.outcome, duplicate: true };
  let outcome: InboundOutcome;
  try {
    outcome = await decide(deps, { ...notice, firstAttempt: claim.attempts === 1 }, rawRead);
  } catch (error) {
    if (!(error instanceof PermanentFailureError)) throw error;
    // Mail refused by a parser limit is kept and held like suspect mail; anything else is a failure.
    const status = error instanceof MailRejectedError ? 'quarantined' : 'failed';
    outcome = { status, reason: error.reason, detail: `${error.message}; kept at ${notice.rawKey}` };
  }
  await deps.store.recordOutcome(notice.inboundId, outcome);
  return { outcome, duplicate: false };
}
