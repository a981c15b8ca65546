import {
  type ClaimedReplyToken,
  isOnReplyDomain,
  type ReplyTokenWindow,
  readReplyAddress,
  verifyReplyToken,
} from './reply-token.js';
import type { Conversation } from './types.js';

/** SES verdict values (`receipt.*Verdict.status`). */
export type VerdictStatus = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED' | 'DISABLED' | 'NOT_AVAILABLE';

/** The checks SES ran on receipt. */
export interface ReceiptVerdicts {
  spf: VerdictStatus;
  dkim: VerdictStatus;
  dmarc: VerdictStatus;
  spam: VerdictStatus;
  virus: VerdictStatus;
}

/** Which path an inbound mail takes. */
export type InboundRoute =
  | { kind: 'automatic'; reason: string; automaticKind: string }
  | { kind: 'owner-side'; claim: ClaimedReplyToken; senderAddress: string }
  | { kind: 'customer'; customerEmail: string; customerName: string }
  | { kind: 'rejected'; reason: string; detail: string };

/** What routing looks at: envelope recipients, the header sender and the automatic-mail verdict. */
export interface RouteInput {
  recipients: string[];
  fromAddress?: string;
  fromName?: string;
  automatic: { automatic: false } | { automatic: true; kind: string; reason: string };
  replyDomain: string;
}

/**
 * First routing decision (rule 1 of the design): automatic mail is recognised before anything else, so
 * an owner's out-of-office answering a relay can never reach a customer; then mail to the reply domain
 * is owner-side; everything else is a customer writing.
 */
export function routeInbound(input: RouteInput): InboundRoute {
  if (input.automatic.automatic) {
    return { kind: 'automatic', reason: input.automatic.reason, automaticKind: input.automatic.kind };
  }
  const replyRecipients = input.recipients.filter((r) => isOnReplyDomain(r, input.replyDomain));
  if (replyRecipients.length > 0) {
    const claim = replyRecipients
      .map((r) => readReplyAddress(r, input.replyDomain))
      .find((c): c is ClaimedReplyToken => c !== undefined);
    if (!claim) {
      return {
        kind: 'rejected',
        reason: 'token-malformed',
        detail: `no valid reply token in ${replyRecipients.join(', ')}`,
      };
    }
    if (!input.fromAddress) return { kind: 'rejected', reason: 'no-sender', detail: 'the mail has no From' };
    return { kind: 'owner-side', claim, senderAddress: input.fromAddress };
  }
  if (!input.fromAddress) return { kind: 'rejected', reason: 'no-sender', detail: 'the mail has no From' };
  return { kind: 'customer', customerEmail: input.fromAddress, customerName: input.fromName ?? '' };
}

/** Result of checking that an owner-side mail really comes from the conversation's owner. */
export type OwnerReplyCheck =
  | { accepted: true; conversation: Conversation; asCover?: boolean }
  | { accepted: false; status: 'rejected' | 'quarantined'; reason: string; detail: string };

/** True when SES saw SPF or DKIM pass and DMARC did not fail. */
export function senderAuthenticated(verdicts: ReceiptVerdicts): boolean {
  return (verdicts.spf === 'PASS' || verdicts.dkim === 'PASS') && verdicts.dmarc !== 'FAIL';
}

/**
 * Rule 3's gate: a valid signature, a known conversation, the owner (or their current backup) as sender, an authenticated sender,
 * and clean spam and virus verdicts.
 */
export function checkOwnerReply(input: {
  claim: ClaimedReplyToken;
  secret: string;
  /** When the previous reply-token key still counts (see {@link verifyReplyToken}). */
  keyWindow?: ReplyTokenWindow;
  conversation: Conversation | undefined;
  senderAddress: string;
  verdicts: ReceiptVerdicts;
  /** The backup covering for the conversation's owner right now, whose replies are accepted too. */
  coverEmail?: string;
}): OwnerReplyCheck {
  if (!verifyReplyToken(input.claim, input.secret, input.keyWindow)) {
    return {
      accepted: false,
      status: 'rejected',
      reason: 'token-invalid',
      detail: 'reply token signature mismatch',
    };
  }
  const { conversation } = input;
  if (!conversation) {
    return {
      accepted: false,
      status: 'rejected',
      reason: 'conversation-unknown',
      detail: `no conversation ${input.claim.conversationId}`,
    };
  }
  const asCover = input.coverEmail !== undefined && input.senderAddress === input.coverEmail;
  if (input.senderAddress !== conversation.ownerEmail && !asCover) {
    return {
      accepted: false,
      status: 'rejected',
      reason: 'sender-not-owner',
      detail: `${input.senderAddress} does not own conversation ${conversation.id}`,
    };
  }
  if (!senderAuthenticated(input.verdicts)) {
    const { spf, dkim, dmarc } = input.verdicts;
    return {
      accepted: false,
      status: 'rejected',
      reason: 'sender-unauthenticated',
      detail: `spf=${spf} dkim=${dkim} dmarc=${dmarc}`,
    };
  }
  if (input.verdicts.spam === 'FAIL' || input.verdicts.virus === 'FAIL') {
    return {
      accepted: false,
      status: 'quarantined',
      reason: input.verdicts.virus === 'FAIL' ? 'virus' : 'spam',
      detail: `spam=${input.verdicts.spam} virus=${input.verdicts.virus}`,
    };
  }
  return { accepted: true, conversation, ...(asCover ? { asCover } : {}) };
}
