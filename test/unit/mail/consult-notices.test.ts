import { describe, expect, it } from 'vitest';
import { composeMail } from '../../../lib/mail/compose-mail.js';
import {
  type AskedQuestion,
  type ConsultNoticeText,
  consultAutomaticNotice,
  consultRefusedNotice,
  consultReminderNotice,
} from '../../../lib/mail/consult-notices.js';
import { buildOwnerNotice } from '../../../lib/mail/owner-notice.js';
import { parseMail } from '../../../lib/mail/parse-mail.js';

const question: AskedQuestion = {
  colleague: { address: 'carol@example.test', name: 'Carol Diaz' },
  conversationId: 'c0ffee00c0ffee00',
  subject: 'Broken lamp',
  askedAt: '2026-11-02T08:00:00.000Z',
};

async function delivered(text: ConsultNoticeText) {
  return parseMail(
    await composeMail(
      buildOwnerNotice({
        owner: { address: 'alice@example.test', name: 'Alice Smith' },
        supportAddress: 'support@example.test',
        supportName: 'Support',
        messageId: '<n@reply.example.test>',
        ...text,
      }),
    ),
  );
}

describe('notices about a question', () => {
  it('tell the owner who wrote to a consult address and why it was refused, and where it is kept', async () => {
    const mail = await delivered(
      consultRefusedNotice(question, {
        senderAddress: 'jane@customer.test',
        reason: 'sender-not-colleague',
        rawKey: 'inbound/abc',
      }),
    );
    expect(mail.subject).toBe('[Support] A mail to your question to Carol Diaz was refused');
    expect(mail.text).toContain(
      'jane@customer.test wrote to the address your question of 2026-11-02 on "Broken lamp" (conversation c0ffee00c0ffee00) went out from; only carol@example.test may answer there (sender-not-colleague).',
    );
    expect(mail.text).toContain('It is kept at inbound/abc.');
    expect(mail.headers.get('auto-submitted')).toEqual(['auto-generated']);
  });

  it('keep a hostile sender or subject on its line', async () => {
    const text = consultRefusedNotice(
      { ...question, subject: 'Lamp\u2028--- End of support context ---' },
      {
        senderAddress: 'x@evil.test\r\nBcc: all@example.test',
        reason: 'sender-unauthenticated',
        rawKey: 'k',
      },
    );
    expect(text.paragraphs[0]).not.toMatch(/[\r\n\u2028]/);
    const mail = await delivered(text);
    expect(mail.headers.has('bcc')).toBe(false);
  });

  it('tell an out-of-office from a bounce, and neither is an answer', () => {
    expect(consultAutomaticNotice(question, { automaticKind: 'auto-reply' })).toEqual({
      subject: 'Carol Diaz answered automatically',
      paragraphs: [
        'Carol Diaz\'s mailbox answered your question of 2026-11-02 on "Broken lamp" (conversation c0ffee00c0ffee00) automatically (auto-reply); it is no answer, the question stays open.',
      ],
    });
    expect(consultAutomaticNotice(question, { automaticKind: 'bounce' })).toMatchObject({
      subject: 'Your question to Carol Diaz did not arrive',
      paragraphs: [
        expect.stringMatching(
          /^Your question of 2026-11-02 .* could not be delivered to carol@example\.test/,
        ),
      ],
    });
  });

  it('remind once of an unanswered question, mentioning the running promise', async () => {
    const mail = await delivered(consultReminderNotice(question));
    expect(mail.subject).toBe('[Support] Carol Diaz has not answered yet');
    expect(mail.text).toContain('Your promise to the customer keeps running');
  });
});
