import { describe, expect, it } from 'vitest';
import { consultAddressFor, readConsultAddress } from '../../../lib/domain/consult-token.js';
import { composeMail } from '../../../lib/mail/compose-mail.js';
import { buildConsultAnswer } from '../../../lib/mail/consult-answer.js';
import { buildConsultQuestion } from '../../../lib/mail/consult-question.js';
import {
  findInternalTraces,
  findTracesInText,
  type InternalTraceSet,
  isOwnRelay,
  TRACE_PATTERNS,
} from '../../../lib/mail/internal-traces.js';
import { parseMail } from '../../../lib/mail/parse-mail.js';
import { rawMail } from '../../support/mail-builder.js';
import { recheckStatus } from '../../support/recheck-status.js';

const ROTATED = JSON.stringify({ current: { id: 'k2', key: 'key-key-key-key-key-key-key-key' } });
const CONVERSATION = 'c0ffee00c0ffee00';
const consultAddress = consultAddressFor(CONVERSATION, 'carol@example.test', ROTATED, 'reply.example.test');
const signature = readConsultAddress(consultAddress, 'reply.example.test')?.signature ?? '';
const QUESTION =
  'Carol, can we replace the lamp under warranty?\nFinance says the two years ran out last month.';
const TRACES: InternalTraceSet = {
  replyDomain: 'reply.example.test',
  ownerAddresses: ['alice@example.test'],
  secrets: [signature],
  consultTexts: [QUESTION],
};
const kinds = (found: { kind: string }[]) => [...new Set(found.map((t) => t.kind))].sort();

/** An owner's answer bound for the customer, with the text given. */
function answer(text: string, extra: Parameters<typeof rawMail>[0] = {}): Promise<Buffer> {
  return rawMail({
    from: 'Alice Smith <support@example.test>',
    to: 'jane@customer.test',
    subject: 'Re: Broken lamp',
    text,
    ...extra,
  });
}

describe('the customer-side leak check and consulting', () => {
  it('holds an answer that pastes a consult address, with or without its domain, whatever its key', async () => {
    expect(consultAddress).toMatch(/^consult\+c0ffee00c0ffee00\.k2\.[a-f0-9]{24}@/);
    const local = consultAddress.slice(0, consultAddress.indexOf('@'));
    for (const text of [`Ask ${consultAddress}`, `Ask ${local.toUpperCase()} directly`]) {
      expect(kinds(await findInternalTraces(await answer(text), TRACES)), text).toContain('consult-address');
    }
    // A reply token naming its key is found without its domain as well.
    expect(
      kinds(findTracesInText('write to reply+c0ffee00c0ffee00.k2.0123456789ab', 'text part', TRACES)),
    ).toEqual(['reply-address']);
  });

  it("holds an answer carrying a consult token's signature alone", async () => {
    expect(kinds(await findInternalTraces(await answer(`ref ${signature.toUpperCase()}`), TRACES))).toEqual([
      'token',
    ]);
  });

  it('holds an answer that pastes the question, re-wrapped or in an attachment', async () => {
    const pasted = 'Hi Jane,\n\nFinance says the two years ran\nout last month.\n\nAlice';
    expect(await findInternalTraces(await answer(pasted), TRACES)).toMatchObject([
      { kind: 'consult-text', where: 'text part', found: 'finance says the two years ran out last month.' },
    ]);
    const attached = await answer('See attached.', {
      attachments: [{ filename: 'notes.txt', content: Buffer.from(QUESTION), contentType: 'text/plain' }],
    });
    expect(await findInternalTraces(attached, TRACES)).toMatchObject([
      { kind: 'consult-text', where: 'attachment "notes.txt"' },
    ]);
  });

  it('holds an answer that pastes a line of a question mail or of a relayed answer', async () => {
    const question = await parseMail(
      await composeMail(
        buildConsultQuestion({
          asker: { address: 'alice@example.test', name: 'Alice Smith' },
          colleague: { address: 'carol@example.test', name: 'Carol Diaz' },
          consultAddress,
          supportName: 'Support',
          question: 'Warranty?',
          conversation: { id: CONVERSATION, subject: 'Broken lamp', createdAt: '2026-11-01T09:00:00Z' },
          customer: { address: 'jane@customer.test', name: 'Jane Doe' },
          messages: [],
          attachments: 'list',
          messageId: '<q@reply.example.test>',
        }),
      ),
    );
    const relayed = buildConsultAnswer({
      mail: { ...question, text: 'Yes, replace it.', attachments: [] },
      colleague: { address: 'carol@example.test', name: 'Carol Diaz' },
      owner: { address: 'alice@example.test', name: 'Alice Smith' },
      conversation: {
        id: CONVERSATION,
        subject: 'Broken lamp',
        createdAt: '2026-11-01T09:00:00Z',
        ownerThread: [],
      },
      customer: { address: 'jane@customer.test', name: 'Jane Doe' },
      replyAddress: `reply+${CONVERSATION}.k2.0123456789abcdef01234567@reply.example.test`,
      supportName: 'Support',
      supportAddress: 'support@example.test',
      messageId: '<a@reply.example.test>',
    });
    const lines = [
      question.text.split('\n')[1] ?? '',
      `Subject was: ${question.subject}`,
      relayed.text.split('\n')[1] ?? '',
    ];
    for (const line of lines) {
      const clean: InternalTraceSet = { replyDomain: 'reply.example.test', ownerAddresses: [] };
      // Only the line itself, without the addresses it may name.
      const withoutAddresses = line.replace(/<[^<>]{0,300}>/g, '');
      expect(kinds(findTracesInText(withoutAddresses, 'text part', clean)), line).toEqual(['context-block']);
    }
    // The question mail attached whole to an answer is ours, and never passed on.
    const raw = await composeMail({
      from: { address: consultAddress, name: 'Alice Smith via Support' },
      to: [{ address: 'carol@example.test', name: '' }],
      subject: question.subject,
      text: question.text,
      messageId: '<q@reply.example.test>',
    });
    expect(
      isOwnRelay(
        { filename: 'q.eml', contentType: 'message/rfc822', content: raw, size: raw.length, inline: false },
        'reply.example.test',
      ),
    ).toBe(true);
  });

  it('finds nothing in an ordinary answer about warranties and questions', async () => {
    const text =
      'Hi Jane, I answered your question about the warranty: it runs two years.\n' +
      'Our finance team says the replacement ships Monday. Internal parts are covered.';
    expect(await findInternalTraces(await answer(text), TRACES)).toEqual([]);
  });

  it('still runs only patterns that cannot backtrack', async () => {
    for (const pattern of TRACE_PATTERNS) {
      expect((await recheckStatus(pattern, { checker: 'automaton' })).status, String(pattern)).toBe('safe');
    }
  });
});
