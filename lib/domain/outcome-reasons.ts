/**
 * Why machine-generated mail was taken for such (see `classifyAutomatic`): the outcome is `automatic`
 * and the mail is never answered.
 */
export type AutomaticReason =
  /** A `multipart/report` (or a lone report part) of a delivery status notification: a bounce. */
  | 'delivery-status-report'
  /** A `multipart/report` (or a lone report part) of an abuse feedback report: a complaint. */
  | 'feedback-report'
  /** A `multipart/report` (or a lone report part) of a read receipt. */
  | 'disposition-notification'
  /** A `multipart/report` of a report type we do not know: machine-generated all the same. */
  | 'report'
  /** Sent from (or returned to) `MAILER-DAEMON`, `postmaster` or another MTA's own local part. */
  | 'mailer-daemon'
  /** A non-delivery report's subject ("Undelivered Mail Returned to Sender", …). */
  | 'bounce-subject'
  /** Hotmail's complaint subject ("complaint about message from …"). */
  | 'complaint-subject'
  /** An SMTP transcript or an MTA's report sentence at the top of the body. */
  | 'bounce-body'
  /** `Auto-Submitted` other than `no` (RFC 3834). */
  | 'auto-submitted'
  /** `X-Autoreply` or `X-Autorespond`. */
  | 'x-autoreply'
  /** An auto-responder's subject prefix ("Automatic reply:", "Out of office:", …). */
  | 'auto-reply-subject'
  /** A null return path (`<>`) without an auto-reply subject: a bounce. */
  | 'null-return-path'
  /** `Precedence: bulk`. */
  | 'precedence-bulk'
  /** `Precedence: junk`. */
  | 'precedence-junk'
  /** `Precedence: list`. */
  | 'precedence-list'
  /** Exchange's `X-Auto-Response-Suppress` naming `All`, `OOF` or `AutoReply`. */
  | 'auto-response-suppress'
  /** A mailing-list header (`List-Id`, `List-Unsubscribe`, …). */
  | 'list'
  /** An SES/SNS e-mail subscription (`X-Amz-Sns-Message-Id`). */
  | 'sns-notification'
  /** A `noreply`/`do-not-reply` sender. */
  | 'no-reply-sender';

/**
 * Why an inbound message ended as it did: `InboundOutcome.reason`, recorded with the outcome's status
 * (named after each reason below). An outcome relayed as usual carries no reason.
 */
export type OutcomeReason =
  | AutomaticReason
  // Routing (`routeInbound`).
  /** `rejected`: mail to the reply domain whose address holds no readable reply token. */
  | 'token-malformed'
  /** `rejected`: the mail has no From. */
  | 'no-sender'
  /** `rejected`: mail claiming to come from the support address or the reply domain. */
  | 'own-address'
  // Owner-side gate (`checkOwnerReply`) and the owner's answer.
  /** `rejected`: the reply token's signature does not verify (forged, or signed with a retired key). */
  | 'token-invalid'
  /** `rejected`: the reply token names no stored conversation. */
  | 'conversation-unknown'
  /** `rejected`: the mail has several From fields or From addresses, so it names no one. */
  | 'sender-ambiguous'
  /** `rejected`: the sender is not the conversation's owner nor their current backup. */
  | 'sender-not-owner'
  /** `rejected`: the owner's address did not authenticate (DMARC, or aligned SPF or DKIM). */
  | 'sender-unauthenticated'
  /** `quarantined`: SES marked the mail as spam (owner-side or customer-side). */
  | 'spam'
  /** `quarantined`: SES marked the mail as carrying a virus (owner-side or customer-side). */
  | 'virus'
  /** `rejected`: a former owner or former backup answered; they are told who owns the customer now. */
  | 'no-longer-owner'
  /** `rejected`: the conversation's owner (or the covering backup) is no longer an owner. */
  | 'owner-unknown'
  /** `rejected`: mail to a consult address, until asking colleagues is carried out. */
  | 'consult-not-wired'
  /** `rejected`: mail to a consult address from someone other than the colleague it was given to. */
  | 'sender-not-colleague'
  /** `relayed-to-owner`: a colleague's answer to an owner's question, stored as an internal note. */
  | 'consult-answer'
  /** `rejected`: the owner typed (part of) the answer inside the context block; writer told. */
  | 'answer-in-context'
  /** `rejected`: a context marker line is left in the owner's own text; writer told. */
  | 'context-damaged'
  /** `rejected`: nothing was left of the answer once quote and context block were removed; writer told. */
  | 'empty-reply'
  /** `quarantined`: the answer still held something internal (address, token, note); writer told. */
  | 'internal-trace'
  // Owner commands (`runOwnerCommand`).
  /** `noted`: `#note`, stored on the conversation and sent to nobody. */
  | 'note'
  /** `noted`: `#close` without an answer under it. */
  | 'closed'
  /** `noted`: `#handoff`, the customer moved to another owner. */
  | 'handoff'
  /** `noted`: `#uncc` without an answer under it. */
  | 'uncc'
  /** `noted`: `#away`, the owner's absence set. */
  | 'away'
  /** `noted`: `#ask`, a question sent to colleagues behind the scenes; the customer receives nothing. */
  | 'ask'
  /** `rejected`: a command that cannot run as written; the owner gets the list of commands. */
  | 'command-invalid'
  // Customer side.
  /** `quarantined`: the sender failed authentication (see `customerTrust`); their owner is told. */
  | 'forged-sender'
  /** `rejected`: an owner's own mail to the support address (an auto-reply to one of our notices). */
  | 'sender-is-owner'
  /** `quarantined`: a new sender beyond `limits.maxNewCustomersPerHour`. */
  | 'new-customer-cap'
  /** `rejected`: customer-side mail in a conversation ended as a loop, within its hold. */
  | 'loop-ended'
  /** `rejected`: a sender's mail beyond `limits.maxMailsPerSenderPerHour`; their owner is told once. */
  | 'rate-limited'
  /** `duplicate`: a client resent a mail already received (same Message-ID, same sender). */
  | 'resent-message-id'
  // Size, parser limits and processing.
  /**
   * Over `limits.maxMessageBytes`: `relayed-to-owner` as a notice of where it is (customer mail),
   * `rejected` (an owner's answer), or `quarantined` when a parser found it too large.
   */
  | 'too-large'
  /** `quarantined`: the header block (or a MIME part's header) is over the parser's limit. */
  | 'header-too-large'
  /** `quarantined`: more MIME parts than the parser's limit. */
  | 'too-many-parts'
  /** `quarantined`: MIME nesting deeper than the parser's limit. */
  | 'too-deep'
  /** `quarantined`: the mail could not be parsed. */
  | 'unparseable'
  /** `quarantined`: reading and deciding the mail took over `limits.processingBudgetMs`. */
  | 'processing-budget'
  /** `quarantined`: `limits.maxProcessingAttempts` attempts crashed or timed out; not read again. */
  | 'repeated-failure'
  // Permanent failures (`PermanentFailureError` and its subclasses): `failed`.
  /** `failed`: the raw mail is gone or unreadable. */
  | 'raw-mail-missing'
  /** `failed`: a new customer wrote and no owner is active to take them. */
  | 'no-active-owner'
  /** `failed`: the stored message is over DynamoDB's item size limit. */
  | 'message-too-large'
  /** `failed`: SES refused the send for a reason a retry cannot fix. */
  | 'send-rejected'
  /** `failed`: the SMTP relay took the mail for some recipients only (a retry would send twice). */
  | 'recipients-rejected'
  /** `failed`: a handoff named no stored customer (the `#handoff` command records `command-invalid`). */
  | 'customer-unknown'
  /** `failed`: a handoff to an inactive owner (the `#handoff` command records `command-invalid`). */
  | 'owner-inactive'
  /** `failed`: an absence that cannot be set (the `#away` command records `command-invalid`). */
  | 'away-refused';

/** Every {@link OutcomeReason}, in the order above: to check recorded or documented reasons against. */
export const OUTCOME_REASONS = [
  'delivery-status-report',
  'feedback-report',
  'disposition-notification',
  'report',
  'mailer-daemon',
  'bounce-subject',
  'complaint-subject',
  'bounce-body',
  'auto-submitted',
  'x-autoreply',
  'auto-reply-subject',
  'null-return-path',
  'precedence-bulk',
  'precedence-junk',
  'precedence-list',
  'auto-response-suppress',
  'list',
  'sns-notification',
  'no-reply-sender',
  'token-malformed',
  'no-sender',
  'own-address',
  'token-invalid',
  'conversation-unknown',
  'sender-ambiguous',
  'sender-not-owner',
  'sender-unauthenticated',
  'spam',
  'virus',
  'no-longer-owner',
  'owner-unknown',
  'consult-not-wired',
  'sender-not-colleague',
  'consult-answer',
  'answer-in-context',
  'context-damaged',
  'empty-reply',
  'internal-trace',
  'note',
  'closed',
  'handoff',
  'uncc',
  'away',
  'ask',
  'command-invalid',
  'forged-sender',
  'sender-is-owner',
  'new-customer-cap',
  'loop-ended',
  'rate-limited',
  'resent-message-id',
  'too-large',
  'header-too-large',
  'too-many-parts',
  'too-deep',
  'unparseable',
  'processing-budget',
  'repeated-failure',
  'raw-mail-missing',
  'no-active-owner',
  'message-too-large',
  'send-rejected',
  'recipients-rejected',
  'customer-unknown',
  'owner-inactive',
  'away-refused',
] as const satisfies readonly OutcomeReason[];

/** Whether a string (a stored or documented reason) is an {@link OutcomeReason}. */
export function isOutcomeReason(value: string): value is OutcomeReason {
  return (OUTCOME_REASONS as readonly string[]).includes(value);
}
