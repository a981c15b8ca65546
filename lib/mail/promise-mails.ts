import { trimReferences } from '../domain/thread-conversation.js';
import type { ConversationMessage } from '../domain/types.js';
import { CONTEXT_MARKERS, neutraliseMarkers } from './context-block.js';
import {
  type ConversationWithMessages,
  indent,
  minute,
  renderConversationHistory,
} from './conversation-history.js';
import { displayText, MAX_NAME_LENGTH } from './display-text.js';
import type { ComposeInput, MailAddress } from './mail-types.js';
import type { OwnerNoticeInput } from './owner-notice.js';

/** How much of the waiting customer mail a nudge quotes. */
const EXCERPT_CHARS = 600;

/** `2 days 3 hours`, `3 hours 5 minutes`, `45 minutes`: how long a customer has waited, on the clock. */
export function formatWaited(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const unit = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`;
  if (days > 0) return [unit(days, 'day'), ...(hours > 0 ? [unit(hours, 'hour')] : [])].join(' ');
  if (hours > 0) return [unit(hours, 'hour'), ...(rest > 0 ? [unit(rest, 'minute')] : [])].join(' ');
  return unit(rest, 'minute');
}

/** What a mail about a waiting conversation says of it: who waits, since when, on what. */
export interface WaitingConversation {
  conversationId: string;
  subject: string;
  customer: MailAddress;
  /** ISO time the customer has waited since. */
  waitingSince: string;
  /** ISO time the promise falls due. */
  dueAt: string;
  /** The conversation's signed reply address: answering there answers the customer. */
  replyAddress: string;
  /** The owner-side thread so far, oldest first, so the mail threads with the relays. */
  ownerThread: string[];
}

/** Everything a nudge or a `#wait` reminder needs. */
export interface PromiseReminderInput {
  kind: 'nudge' | 'wait-day';
  waiting: WaitingConversation;
  /** Who is reminded: the owner, or their cover while they are away. */
  to: MailAddress;
  /** The newest customer message, quoted so the reader sees what waits. */
  latest?: ConversationMessage | undefined;
  /** The `#wait` day, for a reminder. */
  waitUntil?: string;
  /** For a nudge: the line naming the colleagues the owner still waits on, if any. */
  waitingOn?: string | undefined;
  now: Date;
  supportName: string;
  messageId: string;
}

function customerName(customer: MailAddress): string {
  return displayText(customer.name || customer.address, MAX_NAME_LENGTH / 2);
}

function fromConversation(waiting: WaitingConversation, supportName: string): MailAddress {
  return { address: waiting.replyAddress, name: `${customerName(waiting.customer)} via ${supportName}` };
}

function threaded(waiting: WaitingConversation): Pick<ComposeInput, 'inReplyTo' | 'references'> {
  const previous = waiting.ownerThread.at(-1);
  return previous === undefined
    ? {}
    : { inReplyTo: previous, references: trimReferences(waiting.ownerThread) };
}

const automatic = (conversationId: string) => ({
  'Auto-Submitted': 'auto-generated',
  'X-Auto-Response-Suppress': 'All',
  'X-Spoc-Conversation': conversationId,
});

/**
 * One short mail in the conversation's owner-side thread: the customer has waited since a time and the
 * promise falls due at another (a nudge), or a `#wait` day has come and the promise runs again (a
 * reminder). It comes from the conversation's reply address, so answering it answers the customer; all
 * of it sits between the context markers, so a quote of it is cut from the answer.
 */
export function buildPromiseReminder(input: PromiseReminderInput): ComposeInput {
  const { waiting } = input;
  const name = customerName(waiting.customer);
  const waited = formatWaited(input.now.getTime() - Date.parse(waiting.waitingSince));
  const lines =
    input.kind === 'nudge'
      ? [
          `${name} <${displayText(waiting.customer.address, 320)}> has been waiting for an answer since ${minute(waiting.waitingSince)} (${waited}).`,
          `The promise to answer falls due at ${minute(waiting.dueAt)}; after that the conversation goes to your backup.`,
          ...(input.waitingOn ? [input.waitingOn] : []),
        ]
      : [
          `You paused this conversation with #wait until ${input.waitUntil ?? 'today'}. That day has come.`,
          `${name} <${displayText(waiting.customer.address, 320)}> is waiting for an answer again; it is due at ${minute(waiting.dueAt)}.`,
        ];
  const latest = input.latest;
  const quote = latest
    ? ['', `Their latest mail, ${minute(latest.at)}:`, indent(neutraliseMarkers(excerpt(latest.text)))]
    : [];
  const text = [
    CONTEXT_MARKERS.start,
    ...lines,
    ...quote,
    '',
    `Reply above this block to answer ${name}, as with any mail of this conversation.`,
    CONTEXT_MARKERS.end,
    '',
  ].join('\n');
  const from = fromConversation(waiting, input.supportName);
  return {
    from,
    to: [input.to],
    replyTo: from,
    subject: waiting.subject.trim() === '' ? '(no subject)' : waiting.subject,
    text,
    messageId: input.messageId,
    ...threaded(waiting),
    headers: automatic(waiting.conversationId),
  };
}

function excerpt(text: string): string {
  const trimmed = text.trim() || '(no text)';
  return trimmed.length > EXCERPT_CHARS ? `${trimmed.slice(0, EXCERPT_CHARS).trimEnd()}…` : trimmed;
}

/** Everything the backup's mail needs when a promise falls due. */
export interface EscalationHandoverInput {
  waiting: WaitingConversation;
  history: ConversationWithMessages;
  backup: MailAddress;
  /** The owner who stays the customer's owner. */
  ownerName: string;
  /** The owner whose silence this is, when it is not the owner (their cover during an absence). */
  silentName?: string | undefined;
  now: Date;
  supportName: string;
  supportAddress: string;
  messageId: string;
}

/**
 * The conversation, with its history, to the backup at the promise's due time — as a cover receives it:
 * from the conversation's reply address, so the backup's answer reaches the customer signed as covering
 * for the owner, who keeps the customer. The whole body sits between the context markers.
 */
export function buildEscalationHandover(input: EscalationHandoverInput): ComposeInput {
  const { waiting } = input;
  const name = customerName(waiting.customer);
  const owner = displayText(input.ownerName, MAX_NAME_LENGTH);
  const silent = input.silentName ? displayText(input.silentName, MAX_NAME_LENGTH) : owner;
  const waited = formatWaited(input.now.getTime() - Date.parse(waiting.waitingSince));
  const intro = [
    `${name} <${displayText(waiting.customer.address, 320)}> has waited since ${minute(waiting.waitingSince)} (${waited}) and ${silent} has not answered in time.`,
    `You are the backup: please answer. Your answer goes out from "${owner}" <${input.supportAddress}> with a line saying you cover for ${owner}; ${owner} stays the customer's owner.`,
  ];
  const text = [
    CONTEXT_MARKERS.start,
    ...intro,
    '',
    renderConversationHistory(input.history, { replyAddress: waiting.replyAddress }),
    CONTEXT_MARKERS.end,
    '',
  ].join('\n');
  const from = fromConversation(waiting, input.supportName);
  return {
    from,
    to: [input.backup],
    replyTo: from,
    subject: `Please answer for ${owner}: ${waiting.subject.trim() || '(no subject)'}`,
    text,
    messageId: input.messageId,
    headers: automatic(waiting.conversationId),
  };
}

/** The notice text of {@link buildOwnerNotice}: subject and paragraphs. */
export type NoticeText = Pick<OwnerNoticeInput, 'subject' | 'paragraphs'>;

/** The owner (or their cover) is told, once, that the conversation went to the backup. */
export function escalatedNotice(input: {
  waiting: WaitingConversation;
  backupName: string | undefined;
  problem?: string | undefined;
  now: Date;
}): NoticeText {
  const { waiting } = input;
  const name = customerName(waiting.customer);
  const waited = formatWaited(input.now.getTime() - Date.parse(waiting.waitingSince));
  const subject = `Not answered in time: ${name} (${waiting.subject.trim() || 'no subject'})`;
  const head = `${name} has waited since ${minute(waiting.waitingSince)} (${waited}); the promise fell due at ${minute(waiting.dueAt)}.`;
  const paragraphs = input.backupName
    ? [
        head,
        `The conversation went to your backup, ${displayText(input.backupName, MAX_NAME_LENGTH)}, who may answer for you. You stay the customer's owner and can still answer yourself.`,
      ]
    : [
        head,
        `Nobody could take it over (${input.problem ?? 'no backup'}): please answer, or name a backup with spoc owner backup.`,
      ];
  return { subject, paragraphs: [...paragraphs, `Conversation ${waiting.conversationId}.`] };
}

/**
 * `escalation.leadAddress` is told, once, that the backup stayed silent too. The lead may be anyone the
 * config names, so owners are named by their names only: no owner's mailbox, no reply address.
 */
export function leadNotice(input: {
  waiting: WaitingConversation;
  ownerName: string;
  backupName: string | undefined;
  now: Date;
}): NoticeText {
  const { waiting } = input;
  const name = customerName(waiting.customer);
  const waited = formatWaited(input.now.getTime() - Date.parse(waiting.waitingSince));
  const owner = displayText(input.ownerName, MAX_NAME_LENGTH);
  const backup = input.backupName ? displayText(input.backupName, MAX_NAME_LENGTH) : undefined;
  return {
    subject: `Customer waiting ${waited}: ${name}`,
    paragraphs: [
      `${name} <${displayText(waiting.customer.address, 320)}> has waited ${waited} for an answer, since ${minute(waiting.waitingSince)}.`,
      `Owner: ${owner}. ${backup ? `Backup: ${backup}, who was given the conversation and has not answered either.` : 'No backup could take it over.'}`,
      `Conversation ${waiting.conversationId} ("${displayText(waiting.subject || '(no subject)', 200)}"). This is the only mail about it.`,
    ],
  };
}
