import { replySubject, trimReferences } from '../domain/thread-conversation.js';
import { threadTopic } from '../domain/thread-index.js';
import type { ComposeInput, MailAddress } from './mail-types.js';

/** What the first-contact mail says and answers. */
export interface FirstContactInput {
  ownerName: string;
  supportAddress: string;
  customer: MailAddress;
  /** The conversation's subject. */
  subject: string;
  /** Replaces the default body; `{customerName}`, `{ownerName}`, `{supportAddress}` are filled in. */
  template?: string;
  messageId: string;
  /** The customer-side thread so far; the newest is the customer's first mail. */
  customerThread: string[];
}

// One line per paragraph: the reader's client wraps it to its width (a phone's is narrow); a line
// broken here would break mid-sentence there. MailComposer keeps long lines intact (quoted-printable).
const DEFAULT_TEMPLATE = [
  'Hello {customerName},',
  '',
  'thank you for your message. I am {ownerName}, and I will be your single point of contact: I have ' +
    'your message and will answer it myself. Whenever you need us, write to {supportAddress} (or just ' +
    'reply to this mail) and it reaches me.',
  '',
  '{ownerName}',
].join('\n');

/** A display name longer than this, or of more words, is not a person's name. */
const NAME_MAX_CHARS = 40;
const NAME_MAX_WORDS = 5;
/** A subject longer than this is not repeated to a new sender. */
const SUBJECT_MAX_CHARS = 100;

/** A link or an address: a scheme, `www.`, an `@`, or a dotted host name (`evil.example`). */
const LINK_LIKE = /:\/\/|\bwww\.|@|[a-z0-9-]\.[a-z]{2,}/i;

/**
 * The customer's display name as the greeting may repeat it, or `''`: anything carrying a link, an
 * address or a colon, or longer than a name, is the sender's text, not their name, and our address
 * must not reflect it.
 */
export function presentableName(name: string): string {
  const trimmed = name.replace(/\s+/g, ' ').trim();
  if (trimmed.length > NAME_MAX_CHARS || trimmed.split(' ').length > NAME_MAX_WORDS) return '';
  return LINK_LIKE.test(trimmed) || trimmed.includes(':') ? '' : trimmed;
}

/** The subject as the first-contact mail may repeat it, or `''` (then "Re: your message"). */
export function presentableSubject(subject: string): string {
  const trimmed = subject.replace(/\s+/g, ' ').trim();
  return trimmed.length > SUBJECT_MAX_CHARS || LINK_LIKE.test(trimmed) ? '' : trimmed;
}

/**
 * The one mail a new customer receives from their owner's name, introducing the owner as their person.
 * It answers the customer's first mail (threaded) and is marked `Auto-Submitted: auto-replied` (RFC 3834)
 * so the customer's own auto-responder stays quiet. It repeats the sender's name and subject only when
 * they read as a name and a subject (see {@link presentableName}).
 */
export function buildFirstContact(input: FirstContactInput): ComposeInput {
  const greeting = presentableName(input.customer.name) || 'there';
  const text = (input.template ?? DEFAULT_TEMPLATE)
    .replaceAll('{customerName}', greeting)
    .replaceAll('{ownerName}', input.ownerName)
    .replaceAll('{supportAddress}', input.supportAddress);
  const answered = input.customerThread.at(-1);
  const subject = replySubject(presentableSubject(threadTopic(input.subject)));
  return {
    from: { address: input.supportAddress, name: input.ownerName },
    to: [{ address: input.customer.address, name: presentableName(input.customer.name) }],
    subject,
    text,
    messageId: input.messageId,
    ...(answered === undefined
      ? {}
      : { inReplyTo: answered, references: trimReferences(input.customerThread) }),
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
  };
}
