import { describe, expect, it } from 'vitest';
import { composeMail } from '../../../lib/mail/compose-mail.js';
import { buildFirstContact } from '../../../lib/mail/first-contact.js';
import { buildCustomerIntroduction } from '../../../lib/mail/handoff-mails.js';
import type { ComposeInput } from '../../../lib/mail/mail-types.js';
import { parseMail } from '../../../lib/mail/parse-mail.js';

/** Lines of the text a customer's client shows (after MIME decoding) that stop in mid-sentence. */
async function linesBrokenMidSentence(mail: ComposeInput): Promise<string[]> {
  const shown = (await parseMail(await composeMail(mail))).text;
  return shown
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line, index, lines) => line !== '' && (lines[index + 1] ?? '').trim() !== '')
    .filter((line) => !/[.,:!?]$/.test(line));
}

describe('introductions reach the customer as paragraphs, not lines broken mid-sentence', () => {
  it('the first-contact mail', async () => {
    const mail = buildFirstContact({
      ownerName: 'Alice Smith',
      supportAddress: 'support@example.test',
      customer: { address: 'jane@customer.test', name: 'Jane Doe' },
      subject: 'Order',
      messageId: '<fc@example.test>',
      customerThread: ['<a@customer.test>'],
    });
    expect(await linesBrokenMidSentence(mail)).toEqual([]);
    expect((await parseMail(await composeMail(mail))).text).toContain(
      'I am Alice Smith, and I will be your single point of contact: I have your message and will answer it myself.',
    );
  });

  it('the introduction after a handoff', async () => {
    const mail = buildCustomerIntroduction({
      customer: {
        email: 'jane@customer.test',
        name: 'Jane Doe',
        ownerEmail: 'b@x.test',
        since: '2026-01-01',
      },
      newOwner: { email: 'b@x.test', name: 'Bob Jones', active: true, createdAt: '2026-01-01' },
      formerOwnerName: 'Alice Smith',
      supportName: 'Support',
      supportAddress: 'support@example.test',
      messageId: '<i@example.test>',
    });
    expect(await linesBrokenMidSentence(mail)).toEqual([]);
  });
});
