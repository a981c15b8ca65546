import { displayNameOr } from '../domain/mail-address.js';
import { replySubject, trimReferences } from '../domain/thread-conversation.js';
import type { Customer, Owner } from '../domain/types.js';
import { CONTEXT_MARKERS, neutraliseMarkers } from './context-block.js';
import { type ConversationWithMessages, renderConversationHistory } from './conversation-history.js';
import type { ComposeInput } from './mail-types.js';

/** Everything the new owner's history mail needs. */
export interface HandoffHistoryInput {
  customer: Customer;
  newOwner: Owner;
  /** Display name of the owner the customer came from ('' when unknown). */
  formerOwnerName: string;
  /** Open conversations, newest first, each with the signed reply address of that conversation. */
  open: Array<ConversationWithMessages & { replyAddress: string }>;
  /** Text the former owner wrote with `#handoff`, if any. */
  note?: string;
  supportName: string;
  supportAddress: string;
  messageId: string;
}

/**
 * The one mail a new owner receives on a handoff: every open conversation with who said what and when,
 * attachments listed. It comes from the newest conversation's reply address, so answering it reaches
 * the customer; the history sits between the context markers so it is cut from any answer.
 */
export function buildHandoffHistory(input: HandoffHistoryInput): ComposeInput {
  const customerName = displayNameOr(input.customer.name, input.customer.email);
  const newest = input.open[0];
  const from = newest
    ? { address: newest.replyAddress, name: `${customerName} via ${input.supportName}` }
    : { address: input.supportAddress, name: input.supportName };
  const intro = [
    `${customerName} <${input.customer.email}> is now your customer${input.formerOwnerName ? `, handed over by ${input.formerOwnerName}` : ''}.`,
    `Customer since ${input.customer.since.slice(0, 10)}; ${input.open.length} open conversation${input.open.length === 1 ? '' : 's'} below.`,
    `They have been told, once, that you are their contact from now on. Answers go out from "${input.newOwner.name}" <${input.supportAddress}>.`,
  ];
  if (input.note)
    intro.push(
      '',
      `Note from ${input.formerOwnerName || 'the former owner'}:`,
      neutraliseMarkers(input.note.trim()),
    );
  const histories = input.open.map((item) =>
    renderConversationHistory(item, { replyAddress: item.replyAddress }),
  );
  const text = [
    CONTEXT_MARKERS.start,
    ...intro,
    ...histories.flatMap((history) => ['', history]),
    CONTEXT_MARKERS.end,
    '',
  ].join('\n');
  return {
    from,
    to: [{ address: input.newOwner.email, name: input.newOwner.name }],
    ...(newest ? { replyTo: from } : {}),
    subject: `Handed over to you: ${customerName}${newest ? ` (${newest.conversation.subject || 'no subject'})` : ''}`,
    text,
    messageId: input.messageId,
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      ...(newest ? { 'X-Spoc-Conversation': newest.conversation.id } : {}),
    },
  };
}

/** Everything the customer's introduction needs; nothing in it may name an owner's mailbox or a token. */
export interface CustomerIntroductionInput {
  customer: Customer;
  newOwner: Owner;
  formerOwnerName: string;
  supportName: string;
  supportAddress: string;
  /** The newest open conversation, to thread the introduction into it. */
  thread?: { subject: string; customerThread: string[] };
  messageId: string;
}

/** The one short mail a customer receives on a handoff, from the new owner's name at the support address. */
export function buildCustomerIntroduction(input: CustomerIntroductionInput): ComposeInput {
  const greeting = input.customer.name ? `Hello ${input.customer.name.split(/\s+/)[0]},` : 'Hello,';
  const takeover = input.formerOwnerName ? `, taking over from ${input.formerOwnerName}` : '';
  const text = [
    greeting,
    '',
    // One line per paragraph, wrapped by the reader's client (see first-contact.ts).
    `I am ${input.newOwner.name}, and from now on I am your contact at ${input.supportName}${takeover}. ` +
      'I have read our conversations so far, so there is no need to repeat anything: just reply to this ' +
      'mail, or write to us as before, whenever you need something.',
    '',
    'Best regards,',
    input.newOwner.name,
    '',
  ].join('\n');
  const answered = input.thread?.customerThread.at(-1);
  return {
    from: { address: input.supportAddress, name: input.newOwner.name },
    to: [{ address: input.customer.email, name: input.customer.name ?? '' }],
    subject: input.thread ? replySubject(input.thread.subject) : `Your contact at ${input.supportName}`,
    text,
    messageId: input.messageId,
    ...(input.thread && answered !== undefined
      ? { inReplyTo: answered, references: trimReferences(input.thread.customerThread) }
      : {}),
  };
}
