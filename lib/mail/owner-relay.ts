import { displayNameOr } from '../domain/mail-address.js';
import {
  type ContextFacts,
  prependToHtmlBody,
  renderContextHtml,
  renderContextText,
} from './context-block.js';
import type { ComposeInput, MailAddress, ParsedMail } from './mail-types.js';

/** Everything needed to relay one customer mail to its owner. */
export interface OwnerRelayInput {
  mail: ParsedMail;
  facts: ContextFacts;
  supportName: string;
  replyAddress: string;
  owner: MailAddress;
  messageId: string;
  /** The owner-side thread so far (ids of earlier relays), oldest first. */
  ownerThread: string[];
  subject: string;
}

/**
 * Builds the mail an owner receives for a customer message: from "<customer> via <support>" at the
 * conversation's signed reply address, the context block first, then the customer's text, HTML and
 * attachments.
 */
export function buildOwnerRelay(input: OwnerRelayInput): ComposeInput {
  const { mail, facts } = input;
  const from = {
    address: input.replyAddress,
    name: `${displayNameOr(facts.customerName, facts.customerEmail)} via ${input.supportName}`,
  };
  const text = `${renderContextText(facts)}\n\n${mail.text}`;
  const html = mail.html === undefined ? undefined : prependToHtmlBody(mail.html, renderContextHtml(facts));
  const previous = input.ownerThread.at(-1);
  return {
    from,
    to: [input.owner],
    replyTo: from,
    subject: input.subject,
    text,
    ...(html === undefined ? {} : { html }),
    attachments: mail.attachments.map(({ filename, contentType, content, contentId, inline }) => ({
      filename,
      contentType,
      content,
      inline,
      ...(contentId === undefined ? {} : { contentId }),
    })),
    messageId: input.messageId,
    ...(previous === undefined ? {} : { inReplyTo: previous, references: input.ownerThread }),
    headers: {
      // Relays are machine-forwarded: owners' out-of-office responders must stay quiet (RFC 3834, Exchange).
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      'X-Spoc-Conversation': facts.conversationId,
    },
  };
}
