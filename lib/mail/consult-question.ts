import { displayNameOr } from '../domain/mail-address.js';
import { trimReferences } from '../domain/thread-conversation.js';
import type { AttachmentSummary, Conversation, ConversationMessage } from '../domain/types.js';
import { CONTEXT_MARKERS, neutraliseMarkers } from './context-block.js';
import { authorOf, describeAttachments, indent, minute } from './conversation-history.js';
import { displayText, MAX_NAME_LENGTH } from './display-text.js';
import type { ComposeInput, MailAddress, MailAttachment } from './mail-types.js';

/** How the conversation's attachments go with a question (`consult.attachments`). */
export type ConsultAttachments = 'attach' | 'list';

/**
 * The conversation's attachments beyond this many bytes in all are listed instead of attached: with
 * base64 a question stays well under SES's 40 MB.
 */
export const DEFAULT_MAX_ATTACHED_BYTES = 20 * 1024 * 1024;

/** Everything the mail asking one colleague needs. */
export interface ConsultQuestionInput {
  /** Who asks: the owner, or the backup covering for them. */
  asker: MailAddress;
  colleague: MailAddress;
  /** The colleague's own consult address in this conversation (`consultAddressFor`). */
  consultAddress: string;
  supportName: string;
  /** The owner's question: their reply below the `#ask` line, quote and context block removed. */
  question: string;
  /** Files the owner put on the `#ask` mail: always attached. */
  questionAttachments?: readonly MailAttachment[];
  conversation: Pick<Conversation, 'id' | 'subject' | 'createdAt'>;
  customer: MailAddress;
  /** The conversation's stored messages, oldest first; internal notes are left out. */
  messages: readonly ConversationMessage[];
  attachments: ConsultAttachments;
  /** The bytes of the messages' attachments by message id, as far as they could be read (`attach`). */
  files?: ReadonlyMap<string, readonly MailAttachment[]>;
  /** The conversation's attachments beyond this many bytes in all are listed only. */
  maxAttachedBytes?: number;
  /** Earlier questions to and answers from this colleague in this conversation, oldest first. */
  colleagueThread?: readonly string[];
  messageId: string;
  date?: Date;
}

/** The summaries of the files of a message that went along, and those that did not. */
function splitSummaries(
  summaries: readonly AttachmentSummary[],
  attachedNames: readonly string[],
): { attached: AttachmentSummary[]; listed: AttachmentSummary[] } {
  const left = [...attachedNames];
  const attached: AttachmentSummary[] = [];
  const listed: AttachmentSummary[] = [];
  for (const summary of summaries) {
    const at = left.indexOf(summary.filename);
    if (at >= 0) {
      left.splice(at, 1);
      attached.push(summary);
    } else {
      listed.push(summary);
    }
  }
  return { attached, listed };
}

/**
 * The mail one colleague receives for `#ask`: from "<asker> via <support>" at the colleague's own consult
 * address (so their Reply or Reply all reaches the owner only), marked internal in its subject and in a
 * short block on top, then the owner's question, then the conversation with the customer so far: who
 * wrote what and when, each message's attachments attached (`attach`, as far as their bytes were read
 * and fit) or listed. Internal notes stay out, and nothing in it names the conversation's reply address.
 */
export function buildConsultQuestion(input: ConsultQuestionInput): ComposeInput {
  const askerName = displayText(displayNameOr(input.asker.name, input.asker.address), MAX_NAME_LENGTH / 2);
  const customer = `${displayText(displayNameOr(input.customer.name, input.customer.address), MAX_NAME_LENGTH)} <${input.customer.address}>`;
  const from = { address: input.consultAddress, name: `${askerName} via ${input.supportName}` };
  const subject = input.conversation.subject.trim() || '(no subject)';
  const budget = input.maxAttachedBytes ?? DEFAULT_MAX_ATTACHED_BYTES;
  const attachments: MailAttachment[] = [...(input.questionAttachments ?? [])];
  let attachedBytes = 0;
  const lines = [
    CONTEXT_MARKERS.start,
    `${askerName} asks you about a conversation with a customer. This mail is internal: the customer does not see it.`,
    `Answer with Reply or Reply all: your answer reaches ${askerName} only, never the customer.`,
    CONTEXT_MARKERS.end,
    '',
    `Question from ${askerName}:`,
    '',
    indent(neutraliseMarkers(input.question)),
    '',
    `== The conversation so far: "${subject}" with ${customer}, opened ${input.conversation.createdAt.slice(0, 10)}`,
  ];
  const shown = input.messages.filter((message) => message.direction !== 'note');
  if (shown.length === 0) lines.push('', '  (no stored messages)');
  for (const message of shown) {
    lines.push(
      '',
      `[${minute(message.at)}] ${authorOf(message)}:`,
      indent(neutraliseMarkers(message.text.trim() || '(no text)')),
    );
    if (message.attachments.length === 0) continue;
    if (input.attachments === 'list') {
      lines.push(`  Attachments: ${describeAttachments(message.attachments)}`);
      continue;
    }
    const names: string[] = [];
    for (const file of input.files?.get(message.id) ?? []) {
      if (attachedBytes + file.content.length > budget) continue;
      attachedBytes += file.content.length;
      names.push(file.filename);
      attachments.push(file);
    }
    const { attached, listed } = splitSummaries(message.attachments, names);
    if (attached.length > 0)
      lines.push(`  Attachments, attached to this mail: ${describeAttachments(attached)}`);
    if (listed.length > 0) lines.push(`  Attachments, not attached: ${describeAttachments(listed)}`);
  }
  lines.push('');
  const previous = input.colleagueThread?.at(-1);
  return {
    from,
    to: [input.colleague],
    replyTo: from,
    subject: `[Internal] Question from ${askerName}: ${subject}`,
    text: lines.join('\n'),
    attachments: attachments.map(({ filename, contentType, content }) => ({
      filename,
      contentType,
      content,
      inline: false,
    })),
    messageId: input.messageId,
    ...(previous === undefined || !input.colleagueThread
      ? {}
      : { inReplyTo: previous, references: trimReferences([...input.colleagueThread]) }),
    headers: { 'X-Spoc-Conversation': input.conversation.id },
    ...(input.date ? { date: input.date } : {}),
  };
}
