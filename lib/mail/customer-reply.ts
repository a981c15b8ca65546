import { trimReferences } from '../domain/thread-conversation.js';
import { CONTEXT_MARKERS } from './context-block.js';
import type { ComposeInput, InternalTraces, MailAddress, MailAttachment } from './mail-types.js';
import { referencedContentIds } from './reply-html.js';
import { extractReplyText } from './reply-text.js';
import { markerValue, stripContextBlock } from './strip-context-block.js';

export type { InternalTraces } from './mail-types.js';

/** An owner's reply, read for the customer. */
export interface OwnerAnswer {
  /** What the customer may receive; `''` when nothing is left. */
  text: string;
  /** What the owner wrote above and between the quotes, before lines naming internal addresses were dropped. */
  written: string;
  /** Lines the owner typed inside the quoted context block, which is never sent. */
  insideContext: string[];
  /**
   * A context marker line is still in the owner's own text: a block damaged on the way, or a customer's
   * planted line the owner copied. What follows it cannot be told apart from the context, so nothing is sent.
   */
  strayMarker: boolean;
}

function isContextMarker(line: string): boolean {
  const value = markerValue(line);
  return value === CONTEXT_MARKERS.start || value === CONTEXT_MARKERS.end;
}

/**
 * Reads an owner's reply: the context block removed (see {@link stripContextBlock}), the quoted forward
 * removed, and any line still naming the owner's own mailbox or a reply address dropped (a signature
 * with the personal address, a stray attribution line). Says what the owner typed inside the block.
 */
export function readOwnerAnswer(ownerText: string, traces: InternalTraces): OwnerAnswer {
  const stripped = stripContextBlock(ownerText, CONTEXT_MARKERS);
  // The owner's signature stays, as their client shows it in the HTML part too.
  const written = extractReplyText(stripped.text, { keepSignature: true });
  const owner = traces.ownerEmail.toLowerCase();
  const replyDomain = `@${traces.replyDomain.toLowerCase()}`;
  const text = written
    .split('\n')
    .filter((line) => {
      const lower = line.toLowerCase();
      return !lower.includes(owner) && !lower.includes(replyDomain) && !isContextMarker(line);
    })
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return {
    text,
    written,
    insideContext: stripped.inside,
    strayMarker: written.split('\n').some(isContextMarker),
  };
}

/**
 * The owner's new text for the customer: quoted forward removed, the context block removed even when
 * the owner answered inline, and any line still naming the owner's own mailbox or a reply address
 * dropped (see {@link readOwnerAnswer}, which also says what could not be sent).
 */
export function customerFacingText(ownerText: string, traces: InternalTraces): string {
  return readOwnerAnswer(ownerText, traces).text;
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
