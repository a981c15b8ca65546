import { awaitAll } from '../delivery/await-all.js';
import { deliverInbound } from '../delivery/deliver-inbound.js';
import { type InboundPlan, outcomeOnly } from '../delivery/delivery-plan.js';
import {
  claimed,
  type InboundClaim,
  releaseClaim,
  settleInbound,
  startClaim,
} from '../delivery/inbound-claim.js';
import { MailRejectedError, PermanentFailureError } from '../domain/errors.js';
import type { InboundRoute } from '../domain/route-inbound.js';
import type { InboundOutcome } from '../domain/types.js';
import { mailFromHeaderFields } from '../mail/header-fields.js';
import type { ParsedMail } from '../mail/mail-types.js';
import { parseMail } from '../mail/parse-mail.js';
import type { InboundRecord, SenderCount } from '../ports/support-store.js';
import { holdForgedMail } from './hold-forged-mail.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { readOwnerNotice } from './notify-owner.js';
import { repeatedFailureOutcome, withinBudget } from './processing-budget.js';
import { decideConsultAnswer, decideConsultAutomatic } from './relay-consult-answer.js';
import { decideCustomerMail, lookUpMail, type MailLookups, referencedIds } from './relay-customer-mail.js';
import { decideOversizeMail } from './relay-oversize-mail.js';
import { decideOwnerAnswer } from './relay-owner-reply.js';
import { FORGED_SENDER, quarantineByVerdict, routeNotice } from './route-notice.js';
import { countCustomerMail, ownerSideRefusalNotice, screenResend } from './screen-inbound.js';

/** A notice without an inbound id: nothing could be claimed or recorded for it. */
export class EmptyInboundIdError extends Error {
  override readonly name = 'EmptyInboundIdError';
}

/** The outcome of one call, and whether an earlier delivery had already finished the message. */
export interface ProcessResult {
  outcome: InboundOutcome;
  duplicate: boolean;
}

/**
 * What reading and routing a mail decided: an outcome at once, or work that may send, whose `decide`
 * reads the rest (with the claim's answer) and returns the plan the delivery module carries out.
 */
type Plan =
  | { kind: 'settle'; outcome: InboundOutcome }
  | {
      kind: 'work';
      decide: (claim: Promise<InboundRecord>) => Promise<InboundPlan>;
      /** The claim, when it was started before the raw mail had been read. */
      claim?: InboundClaim;
    };

/** A customer mail's claim, count and lookups, started from the notification's header fields. */
interface LookAhead {
  claim: InboundClaim;
  count: Promise<SenderCount>;
  looked: Promise<MailLookups>;
  customerEmail: string;
  key: string;
}

function automaticOutcome(route: Extract<InboundRoute, { kind: 'automatic' }>): InboundOutcome {
  return { status: 'automatic', reason: route.reason, detail: `${route.automaticKind}; never answered` };
}

/**
 * Automatic mail ends without an answer; one that came back to a consult address (a colleague's
 * out-of-office, a bounce of a question) tells the owner once, in one line.
 */
function automaticPlan(
  deps: InboundDeps,
  notice: InboundNotice,
  route: Extract<InboundRoute, { kind: 'automatic' }>,
): Plan {
  const { consult } = route;
  if (!consult) return { kind: 'settle', outcome: automaticOutcome(route) };
  return {
    kind: 'work',
    decide: async (claim) => {
      await claim;
      return decideConsultAutomatic(deps, notice, { ...route, consult });
    },
  };
}

/** The mail as the notification's header fields describe it; `undefined` without them (the raw mail decides). */
function notifiedHead(notice: InboundNotice): ParsedMail | undefined {
  return notice.headers ? mailFromHeaderFields(notice.headers, notice.headerSubject) : undefined;
}

/** What a customer mail's lookups depend on: a look-ahead is used only when the parsed mail agrees. */
function lookupKey(mail: ParsedMail, customerEmail: string): string {
  return JSON.stringify([customerEmail, referencedIds(mail)]);
}

async function plan(deps: InboundDeps, notice: InboundNotice, signal: AbortSignal): Promise<Plan> {
  // SES lists the header fields in its notification: they route automatic mail (which then ends without
  // its raw mail being read), and start a customer mail's claim and lookups while the raw mail is read.
  const head = notifiedHead(notice);
  const early = head ? routeNotice(deps, notice, head) : undefined;
  // Only an automatic verdict is final from the header fields (the raw mail cannot make it human); a
  // refusal is left to the raw mail, which may be missing or unreadable and must say so.
  if (early?.kind === 'automatic') return automaticPlan(deps, notice, early);
  let ahead: LookAhead | undefined;
  if (head && early?.kind === 'customer' && !quarantineByVerdict(notice, early.customerEmail)) {
    const { customerEmail } = early;
    ahead = {
      claim: startClaim(deps, notice),
      count: countCustomerMail(deps, notice, head, customerEmail),
      looked: lookUpMail(deps, head, customerEmail),
      customerEmail,
      key: lookupKey(head, customerEmail),
    };
    ahead.count.catch(() => undefined);
    ahead.looked.catch(() => undefined);
  }
  if (!ahead) return decide(deps, notice, undefined, signal);
  const started = ahead;
  // Whatever the parsed mail decides, the calls started ahead are waited for: none is left in flight.
  const drained = () => Promise.allSettled([started.count, started.looked]);
  let decided: Plan;
  try {
    decided = await decide(deps, notice, started, signal);
  } catch (error) {
    await drained();
    await releaseClaim(deps, started.claim);
    throw error;
  }
  // The claim was taken ahead: whatever was decided ends through it.
  const work = decided.kind === 'settle' ? endThroughClaim(decided.outcome) : decided.decide;
  return {
    kind: 'work',
    claim: started.claim,
    decide: async (claim) => {
      try {
        return await work(claim);
      } finally {
        await drained();
      }
    },
  };
}

/** A received mail once read: parsed, or over the size limit and kept as raw bytes (never parsed). */
type ReadMail = { mail: ParsedMail } | { oversize: Buffer };

async function readMail(deps: InboundDeps, notice: InboundNotice, signal: AbortSignal): Promise<ReadMail> {
  const raw = notice.inlineRaw ?? (await deps.rawMail.getRaw(notice.rawKey, { signal }));
  if (raw.length > deps.config.limits.maxMessageBytes) return { oversize: raw };
  return { mail: await parseMail(raw, { maxBytes: deps.config.limits.maxMessageBytes }) };
}

function oversizePlan(deps: InboundDeps, notice: InboundNotice, raw: Buffer): Plan {
  return { kind: 'work', decide: (claim) => decideOversizeMail(deps, notice, raw, claim) };
}

/**
 * The raw mail (up to 40 MB) is read and parsed in `readMail` and never held here: closures created in
 * one function share its scope, so a `run` that relays the parsed mail would otherwise keep the raw bytes
 * alive until the relay is sent.
 */
async function decide(
  deps: InboundDeps,
  notice: InboundNotice,
  ahead: LookAhead | undefined,
  /** Aborted when the processing budget is spent: nothing more is started once the mail is read. */
  signal: AbortSignal,
): Promise<Plan> {
  const read = await readMail(deps, notice, signal);
  signal.throwIfAborted();
  if ('oversize' in read) return oversizePlan(deps, notice, read.oversize);
  const { mail } = read;
  const route = routeNotice(deps, notice, mail);
  switch (route.kind) {
    case 'automatic':
      return automaticPlan(deps, notice, route);
    case 'rejected':
      return { kind: 'settle', outcome: { status: 'rejected', reason: route.reason, detail: route.detail } };
    case 'consult-answer':
      // A colleague's answer leads to the conversation's owner only, never to the customer.
      return {
        kind: 'work',
        decide: async (claim) => {
          const [, resent] = await awaitAll([claim, screenResend(deps, notice, mail, route.senderAddress)]);
          if (resent) return outcomeOnly(resent);
          return decideConsultAnswer(deps, notice, mail, route.claim, route.senderAddress);
        },
      };
    case 'owner-side':
      return {
        kind: 'work',
        decide: async (claim) => {
          // The resend claim is idempotent, so it goes out with the message's claim.
          const [, resent] = await awaitAll([claim, screenResend(deps, notice, mail, route.senderAddress)]);
          if (resent) return outcomeOnly(resent);
          const planned = await decideOwnerAnswer(deps, notice, mail, route.claim, route.senderAddress);
          if (planned.relay) return planned;
          // A refusal may be reported to the conversation's true owner, after what the plan does.
          const report = ownerSideRefusalNotice(notice, mail, planned.outcome());
          const told = report ? await readOwnerNotice(deps, report) : undefined;
          return told ? { ...planned, followUps: [...(planned.followUps ?? []), told] } : planned;
        },
      };
    case 'customer': {
      const quarantined = quarantineByVerdict(notice, route.customerEmail);
      if (quarantined?.reason === FORGED_SENDER) {
        const held = quarantined;
        return {
          kind: 'work',
          decide: async (claim) => {
            await claim;
            return holdForgedMail(deps, notice, mail, held);
          },
        };
      }
      if (quarantined) return { kind: 'settle', outcome: quarantined };
      const agreed = ahead?.key === lookupKey(mail, route.customerEmail) ? ahead : undefined;
      return {
        kind: 'work',
        decide: (claim) =>
          decideCustomerMail(deps, notice, mail, route.customerEmail, route.customerName, claim, {
            // The resend claim and the hourly count are one write, made while the claim and the
            // lookups are in flight; nothing is written or sent before all three have answered.
            screen:
              ahead?.customerEmail === route.customerEmail
                ? ahead.count
                : countCustomerMail(deps, notice, mail, route.customerEmail),
            ...(agreed ? { looked: agreed.looked } : {}),
          }),
      };
    }
  }
}

/** Work that only records `outcome`, once the claim taken ahead has answered. */
function endThroughClaim(outcome: InboundOutcome): (claim: Promise<InboundRecord>) => Promise<InboundPlan> {
  return async (claim) => {
    await claim;
    return outcomeOnly(outcome);
  };
}

/** A mail refused by a parser limit is kept and held like suspect mail; anything else is a failure. */
function permanentOutcome(error: PermanentFailureError, notice: InboundNotice): InboundOutcome {
  const status = error instanceof MailRejectedError ? 'quarantined' : 'failed';
  return { status, reason: error.reason, detail: `${error.message}; kept at ${notice.rawKey}` };
}

/**
 * Processes one received mail end to end and records its outcome. Safe to call any number of times for
 * the same notice: a finished message is reported as a duplicate, an unfinished one resumes, and every
 * step on the way is idempotent. Transient failures are thrown so the queue retries; permanent ones
 * become a recorded `failed` outcome. The raw mail is never deleted.
 *
 * Read → decide → deliver: mail that ends without sending anything (automatic mail, refusals,
 * unreadable mail) is claimed and ended in one write after parsing. Mail that may send is claimed with
 * a lease while its lookups run; its use case reads and returns a plan, and the delivery module
 * (`deliverInbound`) carries it out, records the outcome and recovers from a failure.
 *
 * Reading and deciding a mail has `limits.processingBudgetMs`; past it the mail ends `quarantined`
 * (`processing-budget`). Once `limits.maxProcessingAttempts` deliveries ended without a trace (crashed
 * or timed out), the next ends it `quarantined` (`repeated-failure`) without reading it; attempts that
 * failed on a transient error are noted (see {@link noteTransientFailure}) and do not count. Either way
 * its raw mail is kept.
 */
export async function processInboundMail(
  deps: InboundDeps,
  notice: InboundNotice,
  /** How many times the queue has delivered this notification, this delivery included (1 when unknown). */
  receiveCount = 1,
): Promise<ProcessResult> {
  // An empty id would claim, record and resume every such mail as one (a crashed local marker named one).
  if (notice.inboundId.trim() === '')
    throw new EmptyInboundIdError(`refusing the empty inbound id (${notice.rawKey})`);
  // Mail that arrived inside the notification is put where S3-action mail already is, so it is kept too.
  if (notice.inlineRaw) await deps.rawMail.putRaw(notice.rawKey, notice.inlineRaw);
  const { maxProcessingAttempts, processingBudgetMs } = deps.config.limits;
  // Only a mail delivered often enough to be held costs the read of its record.
  const record =
    receiveCount > maxProcessingAttempts ? await deps.store.getInbound(notice.inboundId) : undefined;
  if (record?.outcome) return { outcome: record.outcome, duplicate: true };
  const given = repeatedFailureOutcome(
    receiveCount,
    maxProcessingAttempts,
    notice.rawKey,
    record?.transientFailures,
  );
  if (given) return settleInbound(deps, notice, given);
  let planned: Plan;
  try {
    planned = await withinBudget((signal) => plan(deps, notice, signal), processingBudgetMs);
  } catch (error) {
    if (!(error instanceof PermanentFailureError)) throw error;
    return settleInbound(deps, notice, permanentOutcome(error, notice));
  }
  if (planned.kind === 'settle') return settleInbound(deps, notice, planned.outcome);
  const claim = planned.claim ?? startClaim(deps, notice);
  const { decide } = planned;
  return deliverInbound(
    deps,
    claim,
    () => {
      const record = claimed(claim);
      // Every plan awaits it before it writes; one that ends without it must not leave it unhandled.
      record.catch(() => undefined);
      return decide(record);
    },
    (error) => permanentOutcome(error, notice),
  );
}

/**
 * Notes that an attempt at `notice` failed cleanly on a transient error, so the queue's redeliveries of a
 * sound mail in a bad minute are not taken for a mail that crashes its function. Best effort: a note
 * that cannot be written leaves the attempt counted as untraced.
 */
export async function noteTransientFailure(deps: InboundDeps, notice: InboundNotice): Promise<void> {
  await deps.store
    .noteTransientFailure(notice.inboundId, notice.rawKey, deps.now().toISOString())
    .catch(() => undefined);
}
