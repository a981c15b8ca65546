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

/**
 * The one mail a new customer receives from their owner's name, introducing the owner as their person.
 * It answers the customer's first mail (threaded) and is marked `Auto-Submitted: auto-replied` (RFC 3834)
 * so the customer's own auto-responder stays quiet.
 */
export function buildFirstContact(input: FirstContactInput): ComposeInput {
  const greeting = input.customer.name.trim() || 'there';
  const text = (input.template ?? DEFAULT_TEMPLATE)
    .replaceAll('{customerName}', greeting)
    .replaceAll('{ownerName}', input.ownerName)
    .replaceAll('{supportAddress}', input.supportAddress);
  const answered = input.customerThread.at(-1);
  const subject = replySubject(threadTopic(input.subject));
  return {
    from: { address: input.supportAddress, name: input.ownerName },
    to: [input.customer],
    subject,
    text,
    messageId: input.messageId,
    ...(answered === undefined
      ? {}
      : { inReplyTo: answered, references: trimReferences(input.customerThread) }),
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
  };
}
