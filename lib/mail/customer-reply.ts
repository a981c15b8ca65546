import { trimReferences } from '../domain/thread-conversation.js';
import { CONTEXT_MARKERS } from './context-block.js';
import type { ComposeInput, MailAddress, MailAttachment } from './mail-types.js';
import { referencedContentIds } from './reply-html.js';
import { extractReplyText, stripMarkedBlockTolerant } from './reply-text.js';

/** What must never reach a customer from the owner's side. */
export interface InternalTraces {
  ownerEmail: string;
  replyDomain: string;
}

/**
 * The owner's new text for the customer: quoted forward removed, the context block removed even when
 * the owner answered inline, the owner's `-- ` signature kept, and any line still naming the owner's
 * own mailbox or a reply address dropped (a signature with the personal address, a stray attribution).
 */
export function customerFacingText(ownerText: string, traces: InternalTraces): string {
  // The owner's signature stays, as their client shows it in the HTML part too.
  const visible = extractReplyText(stripMarkedBlockTolerant(ownerText, CONTEXT_MARKERS), {
    keepSignature: true,
  });
  const owner = traces.ownerEmail.toLowerCase();
  const replyDomain = `@${traces.replyDomain.toLowerCase()}`;
  return visible
    .split('\n')
    .filter((line) => {
      const lower = line.toLowerCase();
      return !lower.includes(owner) && !lower.includes(replyDomain);
    })
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Everything needed for the mail a customer receives from their owner. */
export interface CustomerReplyInput {
  ownerName: string;
  supportAddress: string;
  customer: MailAddress;
  /** Reply-all: the people on Cc of the conversation. */
  cc?: MailAddress[];
  subject: string;
  text: string;
  /** The owner's HTML with quote and context removed (see `customerFacingHtml`); absent: text only. */
  html?: string;
  attachments: MailAttachment[];
  messageId: string;
  /** The customer-side thread, oldest first; the newest is what this mail answers. */
  customerThread: string[];
}

/** Builds the mail to the customer: from the owner's name at the support address, threaded to their messages. */
export function buildCustomerReply(input: CustomerReplyInput): ComposeInput {
  const from = { address: input.supportAddress, name: input.ownerName };
  const answered = input.customerThread.at(-1);
  // Inline parts go along only when the HTML that is sent still shows them; real attachments always do.
  const shown = input.html === undefined ? new Set<string>() : referencedContentIds(input.html);
  const attachments = input.attachments.filter(
    (a) => !a.inline || (a.contentId !== undefined && shown.has(a.contentId.toLowerCase())),
  );
  return {
    from,
    to: [input.customer],
    ...(input.cc?.length ? { cc: input.cc } : {}),
    subject: input.subject,
    text: input.text,
    ...(input.html === undefined ? {} : { html: input.html }),
    attachments: attachments.map(({ filename, contentType, content, contentId, inline }) => ({
      filename,
      contentType,
      content,
      inline: inline && contentId !== undefined,
      ...(inline && contentId !== undefined ? { contentId } : {}),
    })),
    messageId: input.messageId,
    ...(answered === undefined
      ? {}
      : { inReplyTo: answered, references: trimReferences(input.customerThread) }),
  };
}
