import { describeConsultAllowed } from '../domain/consult-colleagues.js';
import type { ComposeInput, MailAddress } from './mail-types.js';

/** Everything the answer to a refused `#ask` needs. */
export interface ConsultRefusalInput {
  owner: MailAddress;
  /** The conversation's reply address: answering with a corrected `#ask` just works. */
  replyAddress: string;
  supportName: string;
  /** What was wrong: a malformed line, or every address that may not be asked and why. */
  problem: string;
  /** The domains colleagues may be asked at (`consultAllowedDomains`). */
  allowedDomains: readonly string[];
  subject: string;
  messageId: string;
  inReplyTo?: string;
}

/**
 * Tells an owner their `#ask` was malformed or named someone who may not be asked: nothing was sent to
 * anyone, how to write it, and the domains colleagues may be at.
 */
export function buildConsultRefusal(input: ConsultRefusalInput): ComposeInput {
  const from = { address: input.replyAddress, name: `${input.supportName} commands` };
  return {
    from,
    to: [input.owner],
    replyTo: from,
    subject: `Nobody was asked: ${input.subject || 'your reply'}`,
    text: describeConsultAllowed(input.problem, input.allowedDomains),
    messageId: input.messageId,
    ...(input.inReplyTo ? { inReplyTo: input.inReplyTo, references: [input.inReplyTo] } : {}),
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
  };
}
