import { boundColleague, type ClaimedConsultToken, readConsultAddress } from './consult-token.js';
import { isOwnAddress } from './customer-trust.js';
import type { AutomaticReason, OutcomeReason } from './outcome-reasons.js';
import type { ReceiptVerdicts } from './receipt-verdicts.js';
import {
  type ClaimedReplyToken,
  isOnReplyDomain,
  type ReplyTokenWindow,
  readReplyAddress,
  verifyReplyToken,
} from './reply-token.js';
import { judgeSender, type SenderEvidence } from './sender-alignment.js';
import type { Conversation } from './types.js';

export type { ReceiptVerdicts, VerdictStatus } from './receipt-verdicts.js';

/** Which path an inbound mail takes. */
export type InboundRoute =
  | {
      kind: 'automatic';
      reason: AutomaticReason;
      automaticKind: string;
      /** Set when it went to a consult address: a colleague's out-of-office or bounce, for the owner. */
      consult?: ClaimedConsultToken;
    }
  | { kind: 'owner-side'; claim: ClaimedReplyToken; senderAddress: string }
  /** Mail to a consult address: a colleague answering an owner's question; it leads to the owner only. */
  | { kind: 'consult-answer'; claim: ClaimedConsultToken; senderAddress: string }
  | { kind: 'customer'; customerEmail: string; customerName: string }
  | { kind: 'rejected'; reason: 'token-malformed' | 'no-sender' | 'own-address'; detail: string };

/** What routing looks at: envelope recipients, the header sender and the automatic-mail verdict. */
export interface RouteInput {
  recipients: string[];
  fromAddress?: string;
  fromName?: string;
  automatic: { automatic: false } | { automatic: true; kind: string; reason: AutomaticReason };
  replyDomain: string;
  /** The configured owners' addresses, lower-cased: who may write to a reply address and to support at once. */
  ownerEmails?: ReadonlySet<string>;
  /** The support address: mail claiming to come from it (or the reply domain) is never a customer. */
  supportAddress?: string;
}

/**
 * First routing decision (rule 1 of the design): automatic mail is recognised before anything else, so
 * an owner's out-of-office answering a relay can never reach a customer; then mail to the reply domain
 * is owner-side: a colleague's answer when it names a consult address (which wins over a reply address
 * beside it), else an owner's reply; everything else is a customer writing.
 *
 * A mail whose envelope names the support address beside a reply address was written to support with
 * the reply address on Cc (one SMTP transaction carries both): it is a customer's mail, relayed to the
 * owner, unless a configured owner wrote it. Routed as an owner reply it would be refused (the sender
 * owns no conversation) and never reach the owner.
 */
export function routeInbound(input: RouteInput): InboundRoute {
  const replyRecipients = input.recipients.filter((r) => isOnReplyDomain(r, input.replyDomain));
  const consult = replyRecipients
    .map((r) => readConsultAddress(r, input.replyDomain))
    .find((c): c is ClaimedConsultToken => c !== undefined);
  if (input.automatic.automatic) {
    return {
      kind: 'automatic',
      reason: input.automatic.reason,
      automaticKind: input.automatic.kind,
      ...(consult ? { consult } : {}),
    };
  }
  const toSupport = replyRecipients.length < input.recipients.length;
  const byOwner = input.fromAddress !== undefined && input.ownerEmails?.has(input.fromAddress) === true;
  if (replyRecipients.length > 0 && (!toSupport || byOwner)) {
    // A consult address wins over a reply address beside it: it leads only to the owner.
    if (consult) {
      if (!input.fromAddress)
        return { kind: 'rejected', reason: 'no-sender', detail: 'the mail has no From' };
      return { kind: 'consult-answer', claim: consult, senderAddress: input.fromAddress };
    }
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
  if (
    input.supportAddress !== undefined &&
    isOwnAddress(input.fromAddress, input.supportAddress, input.replyDomain)
  ) {
    return {
      kind: 'rejected',
      reason: 'own-address',
      detail: `${input.fromAddress} is this inbox's own address; never a customer`,
    };
  }
  return { kind: 'customer', customerEmail: input.fromAddress, customerName: input.fromName ?? '' };
}

/** Result of checking that an owner-side mail really comes from the conversation's owner. */
export type OwnerReplyCheck =
  | { accepted: true; conversation: Conversation; asCover?: boolean }
  | { accepted: false; status: 'rejected' | 'quarantined'; reason: OutcomeReason; detail: string };

/**
 * True when the mail provably comes from its From domain: DMARC passing, or SPF or DKIM passing aligned
 * with the From domain (see {@link judgeSender}); without `evidence` only DMARC counts.
 */
export function senderAuthenticated(verdicts: ReceiptVerdicts, evidence?: SenderEvidence): boolean {
  return judgeSender(verdicts, evidence).authenticated;
}

/**
 * Rule 3's gate: a valid signature, a known conversation, one sender, the owner (or their current backup)
 * as that sender, authenticated for the From domain (DMARC, or aligned SPF or DKIM), and clean spam and
 * virus verdicts.
 */
export function checkOwnerReply(input: {
  claim: ClaimedReplyToken;
  secret: string;
  /** When the previous reply-token key still counts (see {@link verifyReplyToken}). */
  keyWindow?: ReplyTokenWindow;
  conversation: Conversation | undefined;
  senderAddress: string;
  verdicts: ReceiptVerdicts;
  /** From fields, envelope sender and SES's `Authentication-Results`; without it only DMARC authenticates. */
  sender?: SenderEvidence;
  /**
   * The backup covering for the conversation's owner right now, whose replies are accepted too (as are
   * those of the backup an escalated promise went to).
   */
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
  const judged = judgeSender(input.verdicts, input.sender);
  // Several senders name no one: refused before asking whose the conversation is.
  if (!judged.authenticated && judged.reason === 'sender-ambiguous') {
    return { accepted: false, status: 'rejected', reason: judged.reason, detail: judged.detail };
  }
  // The backup a silent owner's promise went to answers as a cover does, while the promise is theirs.
  const escalatedTo =
    conversation.promise?.state === 'escalated' ? conversation.promise.escalatedTo : undefined;
  const asCover =
    (input.coverEmail !== undefined && input.senderAddress === input.coverEmail) ||
    (escalatedTo !== undefined && input.senderAddress === escalatedTo);
  if (input.senderAddress !== conversation.ownerEmail && !asCover) {
    return {
      accepted: false,
      status: 'rejected',
      reason: 'sender-not-owner',
      detail: `${input.senderAddress} does not own conversation ${conversation.id}`,
    };
  }
  if (!judged.authenticated) {
    return { accepted: false, status: 'rejected', reason: judged.reason, detail: judged.detail };
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

/** Result of checking that a mail to a consult address really is the consulted colleague's answer. */
export type ConsultAnswerCheck =
  | { accepted: true; conversation: Conversation; colleague: string }
  | {
      accepted: false;
      status: 'rejected' | 'quarantined';
      reason: OutcomeReason;
      detail: string;
      /**
       * Whether the conversation's owner is to be told (once, without the mail's text): the token is
       * genuine, so someone other than the colleague, or a mail that cannot be trusted, wrote to it. A
       * forged or unknown token names no conversation anyone should hear about.
       */
      tellOwner: boolean;
    };

/**
 * The gate of a consult address, as strict as {@link checkOwnerReply}'s: a known conversation, a token
 * handed to one of the colleagues asked in it, one sender, that very colleague as the sender,
 * authenticated for the From domain (DMARC, or aligned SPF or DKIM), and clean spam and virus verdicts.
 * Anyone else (the customer, another colleague, an owner) is refused; the answer leads to the
 * conversation's current owner only.
 */
export function checkConsultAnswer(input: {
  claim: ClaimedConsultToken;
  secret: string;
  /** When the previous reply-token key still counts (consult tokens are signed with the same keys). */
  keyWindow?: ReplyTokenWindow;
  conversation: Conversation | undefined;
  /** The colleagues asked in this conversation (any case): whose token the claim may be. */
  colleagues: readonly string[];
  senderAddress: string;
  verdicts: ReceiptVerdicts;
  /** From fields, envelope sender and SES's `Authentication-Results`; without it only DMARC authenticates. */
  sender?: SenderEvidence;
}): ConsultAnswerCheck {
  const { conversation } = input;
  if (!conversation) {
    return {
      accepted: false,
      status: 'rejected',
      reason: 'conversation-unknown',
      detail: `no conversation ${input.claim.conversationId}`,
      tellOwner: false,
    };
  }
  const colleague = boundColleague(input.claim, input.colleagues, input.secret, input.keyWindow);
  if (colleague === undefined) {
    return {
      accepted: false,
      status: 'rejected',
      reason: 'token-invalid',
      detail: `consult token of conversation ${conversation.id} handed to none of its colleagues`,
      tellOwner: false,
    };
  }
  const refused = (reason: OutcomeReason, detail: string): ConsultAnswerCheck => ({
    accepted: false,
    status: 'rejected',
    reason,
    detail,
    tellOwner: true,
  });
  const judged = judgeSender(input.verdicts, input.sender);
  if (!judged.authenticated && judged.reason === 'sender-ambiguous')
    return refused(judged.reason, judged.detail);
  const sender = input.senderAddress.trim().toLowerCase();
  if (sender !== colleague) {
    return refused(
      'sender-not-colleague',
      `${sender} wrote to the consult address of ${colleague} in conversation ${conversation.id}`,
    );
  }
  if (!judged.authenticated) return refused(judged.reason, judged.detail);
  if (input.verdicts.spam === 'FAIL' || input.verdicts.virus === 'FAIL') {
    return {
      accepted: false,
      status: 'quarantined',
      reason: input.verdicts.virus === 'FAIL' ? 'virus' : 'spam',
      detail: `spam=${input.verdicts.spam} virus=${input.verdicts.virus}`,
      tellOwner: true,
    };
  }
  return { accepted: true, conversation, colleague };
}
