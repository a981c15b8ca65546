import type { ComposeInput } from './mail-types.js';

/** Everything the notice to a former owner needs. */
export interface HandoffNoticeInput {
  formerOwner: { address: string; name: string };
  currentOwner: { address: string; name: string };
  customerLabel: string;
  subject: string;
  supportName: string;
  /**
   * The conversation's reply address: a former owner answering the notice lands on the owner path again
   * (and gets the same notice), never on the customer path as a new customer.
   */
  replyAddress: string;
  messageId: string;
  /** The former owner's mail this answers. */
  inReplyTo?: string;
}

/**
 * The answer to a former owner (or a former backup) who replied on a conversation that is no longer
 * theirs: nothing reached the customer, and this is who owns the customer now.
 */
export function buildHandoffNotice(input: HandoffNoticeInput): ComposeInput {
  const text = [
    `Your reply was not sent to ${input.customerLabel}.`,
    '',
    `You no longer answer for this customer: ${input.currentOwner.name} <${input.currentOwner.address}> owns them now.`,
    `If something still needs saying, forward your reply to ${input.currentOwner.name}.`,
    '',
  ].join('\n');
  return {
    from: { address: input.replyAddress, name: input.supportName },
    to: [input.formerOwner],
    subject: `Not sent: ${input.subject || 'your reply'}`,
    text,
    messageId: input.messageId,
    ...(input.inReplyTo ? { inReplyTo: input.inReplyTo, references: [input.inReplyTo] } : {}),
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
  };
}
