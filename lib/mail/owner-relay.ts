import { displayNameOr } from '../domain/mail-address.js';
import { trimReferences } from '../domain/thread-conversation.js';
import { threadIndex, threadTopic } from '../domain/thread-index.js';
import {
  type ContextFacts,
  neutraliseMarkers,
  prependToHtmlBody,
  renderContextHtml,
  renderContextText,
} from './context-block.js';
import { displayText, MAX_NAME_LENGTH } from './display-text.js';
import type { ComposeInput, MailAddress, ParsedMail } from './mail-types.js';

/** Everything needed to relay one customer mail to its owner. */
export interface OwnerRelayInput {
  mail: ParsedMail;
  facts: ContextFacts;
  supportName: string;
  replyAddress: string;
  owner: MailAddress;
  messageId: string;
  /** The owner-side thread so far (ids of earlier relays and of the owner's replies), oldest first. */
  ownerThread: string[];
  /** The conversation's subject: every mail of a conversation carries the same one, so clients thread it. */
  subject: string;
  /** People on the conversation besides the customer (their Cc), shown to the owner. */
  cc?: MailAddress[];
  /** Who wrote this mail when it is not the customer (someone on Cc). */
  writer?: MailAddress;
}

/**
 * Builds the mail an owner receives for a customer message: from "<customer> via <support>" at the
 * conversation's signed reply address, the context block first, then the customer's text, HTML and
 * attachments.
 */
export function buildOwnerRelay(input: OwnerRelayInput): ComposeInput {
  const { mail } = input;
  const facts = plainFacts(input.facts);
  const writerName = input.writer
    ? displayNameOr(input.writer.name, input.writer.address)
    : displayNameOr(facts.customerName, facts.customerEmail);
  // Cut here, not by composeMail, so a long name cannot push " via <support>" out of the From.
  const from = {
    address: input.replyAddress,
    name: `${displayText(writerName, MAX_NAME_LENGTH / 2)} via ${input.supportName}`,
  };
  const subject = input.subject.trim() === '' ? '(no subject)' : input.subject;
  // A marker line the customer typed must never be taken for ours when the owner's answer is cut.
  const text = `${renderContextText(facts)}\n\n${neutraliseMarkers(mail.text)}`;
  const html = mail.html === undefined ? undefined : prependToHtmlBody(mail.html, renderContextHtml(facts));
  const previous = input.ownerThread.at(-1);
  return {
    from,
    to: [input.owner],
    replyTo: from,
    subject,
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
    ...(previous === undefined ? {} : { inReplyTo: previous, references: trimReferences(input.ownerThread) }),
    headers: {
      // Outlook threads by these rather than by References.
      'Thread-Topic': threadTopic(subject),
      'Thread-Index': threadIndex(
        facts.conversationId,
        new Date(facts.conversationOpened),
        input.ownerThread.length,
      ),
      // Relays are machine-forwarded: owners' out-of-office responders must stay quiet (RFC 3834, Exchange).
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      'X-Spoc-Conversation': facts.conversationId,
    },
  };
}

/** An address, or `Name <address>`, is at most this long in the context block (RFC 5321 caps an address at 254). */
const MAX_ADDRESS_LENGTH = 320;

/**
 * The facts with every name and address on one plain line: a customer's name holding U+2028 or a bidi
 * override must not draw a line of its own in the owner's view, such as a fake end of the context block.
 */
function plainFacts(facts: ContextFacts): ContextFacts {
  const name = (value: string) => displayText(value, MAX_NAME_LENGTH);
  const address = (value: string) => displayText(value, MAX_ADDRESS_LENGTH);
  return {
    ...facts,
    customerName: name(facts.customerName),
    customerEmail: address(facts.customerEmail),
    ownerName: name(facts.ownerName),
    ...(facts.coveringFor
      ? { coveringFor: { ...facts.coveringFor, ownerName: name(facts.coveringFor.ownerName) } }
      : {}),
    ...(facts.writtenBy === undefined
      ? {}
      : { writtenBy: displayText(facts.writtenBy, MAX_NAME_LENGTH + MAX_ADDRESS_LENGTH) }),
    ...(facts.participants ? { participants: facts.participants.map(address) } : {}),
  };
}
