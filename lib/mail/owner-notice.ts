import type { ComposeInput, MailAddress } from './mail-types.js';

/** What an owner is told, and where it comes from. */
export interface OwnerNoticeInput {
  owner: MailAddress;
  supportAddress: string;
  supportName: string;
  subject: string;
  /** The body, one paragraph per entry. */
  paragraphs: string[];
  messageId: string;
}

/**
 * A short service notice to an owner (a flood held back, a forged reply refused, an address that
 * bounced). It goes only to owners, never to whoever caused it, and it is marked as automatic
 * (RFC 3834, Exchange) so no responder answers it and it cannot start a loop.
 */
export function buildOwnerNotice(input: OwnerNoticeInput): ComposeInput {
  return {
    from: { address: input.supportAddress, name: `${input.supportName} notices` },
    to: [input.owner],
    subject: `[${input.supportName}] ${input.subject}`,
    text: `${input.paragraphs.join('\n\n')}\n`,
    messageId: input.messageId,
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      Precedence: 'bulk',
    },
  };
}
