import type { Customer, Owner, OwnerAway } from '../domain/types.js';
import { type ConversationWithMessages, renderConversationHistory } from './conversation-history.js';
import type { ComposeInput } from './mail-types.js';

/** Everything the digest on an owner's return needs. */
export interface AwayDigestInput {
  owner: Owner;
  away: OwnerAway;
  backupName: string;
  /** The day the owner really came back (`YYYY-MM-DD`), which may be before the planned `away.until`. */
  returnedOn?: string;
  /** Conversations with activity during the absence, each with only the messages of that period. */
  activity: Array<ConversationWithMessages & { customer: Customer }>;
  supportName: string;
  supportAddress: string;
  messageId: string;
}

/** What happened with the owner's customers while they were away, conversation by conversation. */
export function buildAwayDigest(input: AwayDigestInput): ComposeInput {
  const period = `${input.away.since.slice(0, 10)} to ${input.returnedOn ?? input.away.until}`;
  const header =
    input.activity.length === 0
      ? `Welcome back. Nothing happened with your customers while you were away (${period}).`
      : `Welcome back. While you were away (${period}), ${input.backupName} covered for you. ${input.activity.length} conversation${input.activity.length === 1 ? '' : 's'} had activity:`;
  const sections = input.activity.map(
    (item) =>
      `${item.customer.name ? `${item.customer.name} <${item.customer.email}>` : item.customer.email}\n${renderConversationHistory(item, { excerptChars: 600 })}`,
  );
  const text = [
    header,
    ...sections.flatMap((section) => ['', section]),
    '',
    'Your customers are yours again from now on.',
    '',
  ].join('\n');
  return {
    from: { address: input.supportAddress, name: input.supportName },
    to: [{ address: input.owner.email, name: input.owner.name }],
    subject: `While you were away: ${input.activity.length} conversation${input.activity.length === 1 ? '' : 's'}`,
    text,
    messageId: input.messageId,
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
  };
}
