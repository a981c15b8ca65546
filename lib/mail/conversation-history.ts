import { type ConsultQuestion, consultRoundLines } from '../domain/consult-round.js';
import type { AttachmentSummary, Conversation, ConversationMessage } from '../domain/types.js';
import { neutraliseMarkers } from './context-block.js';

/** A conversation with its stored messages, oldest first. */
export interface ConversationWithMessages {
  conversation: Conversation;
  messages: ConversationMessage[];
  /** Its consult rounds (questions to colleagues), when read: listed after the messages. */
  questions?: ConsultQuestion[];
}

/** An ISO time to the minute, as the history shows it. */
export function minute(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** Text indented by two spaces a line, as the history quotes it. */
export function indent(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/** `receipt.pdf (application/pdf, 21 bytes)`, comma-separated. */
export function describeAttachments(attachments: readonly AttachmentSummary[]): string {
  return attachments.map((a) => `${a.filename} (${a.contentType}, ${a.size} bytes)`).join(', ');
}

/** Who wrote a stored message, as a history line shows it. */
export function authorOf(message: ConversationMessage): string {
  const who = message.fromName || message.fromAddress;
  switch (message.direction) {
    case 'from-customer':
      return `${who} (customer)`;
    case 'to-customer':
      return `${who} (to the customer)`;
    case 'note':
      return `note by ${who} (internal)`;
  }
}

/**
 * One conversation as plain text for an owner: a heading (subject, id, opened, status), then every
 * message with who, when, the text and the attachments listed, so the reader never has to ask the
 * customer again.
 */
export function renderConversationHistory(
  item: ConversationWithMessages,
  options: { replyAddress?: string; excerptChars?: number } = {},
): string {
  const { conversation, messages } = item;
  const lines = [
    `== "${conversation.subject || '(no subject)'}" (conversation ${conversation.id}, opened ${conversation.createdAt.slice(0, 10)}, ${conversation.status})`,
  ];
  if (options.replyAddress) lines.push(`   To answer in this conversation, write to ${options.replyAddress}`);
  if (messages.length === 0) lines.push('  (no stored messages)');
  for (const message of messages) {
    let text = message.text.trim() || '(no text)';
    if (options.excerptChars !== undefined && text.length > options.excerptChars) {
      text = `${text.slice(0, options.excerptChars).trimEnd()}…`;
    }
    // A history sits between our markers: a marker line someone typed must not close it early.
    lines.push('', `[${minute(message.at)}] ${authorOf(message)}:`, indent(neutraliseMarkers(text)));
    if (message.attachments.length > 0) {
      lines.push(`  Attachments: ${describeAttachments(message.attachments)}`);
    }
  }
  if (item.questions?.length) {
    // The colleagues' answers are among the messages above, as notes.
    lines.push('', 'Questions to colleagues (internal):');
    for (const line of consultRoundLines(item.questions)) lines.push(indent(neutraliseMarkers(line)));
  }
  return lines.join('\n');
}
