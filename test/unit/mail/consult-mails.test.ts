import { describe, expect, it } from 'vitest';
import { consultAddressFor } from '../../../lib/domain/consult-token.js';
import { replyAddressFor } from '../../../lib/domain/reply-token.js';
import type { Conversation, ConversationMessage } from '../../../lib/domain/types.js';
import { composeMail } from '../../../lib/mail/compose-mail.js';
import { buildConsultAnswer, consultAnswerText } from '../../../lib/mail/consult-answer.js';
import { buildConsultQuestion, type ConsultQuestionInput } from '../../../lib/mail/consult-question.js';
import { buildConsultRefusal } from '../../../lib/mail/consult-refusal.js';
import { CONTEXT_MARKERS, NEUTRALISED_PREFIX } from '../../../lib/mail/context-block.js';
import { customerFacingText } from '../../../lib/mail/customer-reply.js';
import type { MailAttachment } from '../../../lib/mail/mail-types.js';
import { parseMail } from '../../../lib/mail/parse-mail.js';
import { rawMail } from '../../support/mail-builder.js';

const SECRET = 'secret-secret-secret-secret';
const REPLY_DOMAIN = 'reply.example.test';
const alice = { address: 'alice@example.test', name: 'Alice Smith' };
const carol = { address: 'carol@example.test', name: 'Carol Diaz' };
const jane = { address: 'jane@customer.test', name: 'Jane Doe' };
const conversation: Conversation = {
  id: 'c0ffee00c0ffee00',
  customerEmail: jane.address,
  ownerEmail: alice.address,
  subject: 'Broken lamp',
  status: 'open',
  createdAt: '2026-11-01T09:00:00.000Z',
  updatedAt: '2026-11-02T09:00:00.000Z',
  customerThread: ['<jane-1@customer.test>'],
  ownerThread: ['<relay-1@reply.example.test>', '<relay-2@reply.example.test>'],
};
const consultAddress = consultAddressFor(conversation.id, carol.address, SECRET, REPLY_DOMAIN);
const replyAddress = replyAddressFor(conversation.id, SECRET, REPLY_DOMAIN);
const QUESTION = 'Can we replace the lamp under warranty, or is it past the two years?';
const NOTE = 'Jane threatened a chargeback on the phone';

function file(filename: string, content: string, contentType = 'application/pdf'): MailAttachment {
  const bytes = Buffer.from(content);
  return { filename, contentType, content: bytes, size: bytes.length, inline: false };
}

const messages: ConversationMessage[] = [
  {
    conversationId: conversation.id,
    id: 'in-1',
    at: '2026-11-01T09:00:00.000Z',
    direction: 'from-customer',
    fromAddress: jane.address,
    fromName: jane.name,
    subject: 'Broken lamp',
    text: `My lamp broke after a year.\n${CONTEXT_MARKERS.end}\nPlease help.`,
    attachments: [
      { filename: 'receipt.pdf', contentType: 'application/pdf', size: 12 },
      { filename: 'video.mp4', contentType: 'video/mp4', size: 64 },
    ],
  },
  {
    conversationId: conversation.id,
    id: 'note-1',
    at: '2026-11-01T10:00:00.000Z',
    direction: 'note',
    fromAddress: alice.address,
    fromName: alice.name,
    subject: 'Re: Broken lamp',
    text: NOTE,
    attachments: [],
  },
  {
    conversationId: conversation.id,
    id: 'out-1',
    at: '2026-11-01T11:30:00.000Z',
    direction: 'to-customer',
    fromAddress: alice.address,
    fromName: alice.name,
    subject: 'Re: Broken lamp',
    text: 'I am sorry to hear that. Let me check.',
    attachments: [],
  },
];

function questionInput(change: Partial<ConsultQuestionInput> = {}): ConsultQuestionInput {
  return {
    asker: alice,
    colleague: carol,
    consultAddress,
    supportName: 'Support',
    question: QUESTION,
    questionAttachments: [file('photo.jpg', 'jpeg-bytes', 'image/jpeg')],
    conversation,
    customer: jane,
    messages,
    attachments: 'attach',
    files: new Map([
      ['in-1', [file('receipt.pdf', 'receipt-pdf!'), file('video.mp4', 'v'.repeat(64), 'video/mp4')]],
    ]),
    maxAttachedBytes: 40,
    messageId: '<q-1@reply.example.test>',
    date: new Date('2026-11-02T08:00:00Z'),
    ...change,
  };
}

describe('the question to a colleague', () => {
  it('comes from the asker via support at the consult address, marked internal, and goes to the colleague', async () => {
    const raw = await composeMail(buildConsultQuestion(questionInput()));
    const mail = await parseMail(raw);
    expect(mail.from).toEqual({ address: consultAddress, name: 'Alice Smith via Support' });
    expect(mail.replyTo).toEqual([{ address: consultAddress, name: 'Alice Smith via Support' }]);
    expect(mail.to).toEqual([carol]);
    expect(mail.subject).toBe('[Internal] Question from Alice Smith: Broken lamp');
    expect(mail.headers.get('x-spoc-conversation')).toEqual([conversation.id]);
    expect(mail.text).toContain(CONTEXT_MARKERS.start);
    expect(mail.text).toContain('This mail is internal: the customer does not see it.');
    // Neither the conversation's reply address nor any reply token travels in it.
    expect(raw.toString('latin1')).not.toMatch(/reply\+/i);
  });

  it("holds the owner's question, then who wrote what and when, without internal notes", async () => {
    const { text } = await parseMail(await composeMail(buildConsultQuestion(questionInput())));
    const question = text.indexOf(QUESTION);
    const first = text.indexOf('[2026-11-01 09:00 UTC] Jane Doe (customer):');
    const second = text.indexOf('[2026-11-01 11:30 UTC] Alice Smith (to the customer):');
    expect(question).toBeGreaterThan(text.indexOf(CONTEXT_MARKERS.end));
    expect(first).toBeGreaterThan(question);
    expect(second).toBeGreaterThan(first);
    expect(text).toContain(
      '== The conversation so far: "Broken lamp" with Jane Doe <jane@customer.test>, opened 2026-11-01',
    );
    expect(text).toContain('  I am sorry to hear that. Let me check.');
    expect(text).not.toContain(NOTE);
    // A marker line the customer typed is shown as written, never as ours.
    expect(text).toContain(`${NEUTRALISED_PREFIX}${CONTEXT_MARKERS.end}`);
    expect(text.split('\n').filter((line) => line === CONTEXT_MARKERS.end)).toHaveLength(1);
  });

  it("attaches the conversation's files as far as they fit and lists the rest (attach)", async () => {
    const mail = await parseMail(await composeMail(buildConsultQuestion(questionInput())));
    expect(mail.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([
      ['photo.jpg', 'jpeg-bytes'],
      ['receipt.pdf', 'receipt-pdf!'],
    ]);
    expect(mail.text).toContain(
      '  Attachments, attached to this mail: receipt.pdf (application/pdf, 12 bytes)',
    );
    expect(mail.text).toContain('  Attachments, not attached: video.mp4 (video/mp4, 64 bytes)');
  });

  it("only lists the conversation's files (list), and keeps the asker's own", async () => {
    const mail = await parseMail(
      await composeMail(buildConsultQuestion(questionInput({ attachments: 'list' }))),
    );
    expect(mail.attachments.map((a) => a.filename)).toEqual(['photo.jpg']);
    expect(mail.text).toContain(
      '  Attachments: receipt.pdf (application/pdf, 12 bytes), video.mp4 (video/mp4, 64 bytes)',
    );
  });

  it('threads a later round with the same colleague', async () => {
    const mail = await parseMail(
      await composeMail(
        buildConsultQuestion(
          questionInput({ colleagueThread: ['<q-0@reply.example.test>', '<carol-1@example.test>'] }),
        ),
      ),
    );
    expect(mail.inReplyTo).toBe('<carol-1@example.test>');
    expect(mail.references).toEqual(['<q-0@reply.example.test>', '<carol-1@example.test>']);
  });
});

/** Carol's answer to the question, as Gmail writes a reply: her text, the attribution, the quote. */
async function carolsAnswer(answer: string): Promise<Buffer> {
  const question = await parseMail(await composeMail(buildConsultQuestion(questionInput())));
  const quoted = question.text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
  return rawMail({
    from: 'Carol Diaz <carol@example.test>',
    to: consultAddress,
    subject: `Re: ${question.subject}`,
    text: `${answer}\n\nOn Mon, Nov 2, 2026 at 9:00 AM Alice Smith via Support <${consultAddress}> wrote:\n${quoted}\n`,
    inReplyTo: '<q-1@reply.example.test>',
    attachments: [
      { filename: 'warranty.pdf', content: Buffer.from('%PDF warranty'), contentType: 'application/pdf' },
    ],
  });
}

describe("the colleague's answer relayed to the owner", () => {
  const ANSWER = 'Yes: the warranty runs three years for lamps. Offer a replacement.';

  async function relayed(answer = ANSWER) {
    const mail = await parseMail(await carolsAnswer(answer));
    const composed = buildConsultAnswer({
      mail,
      colleague: carol,
      owner: alice,
      conversation,
      customer: jane,
      replyAddress,
      supportName: 'Support',
      supportAddress: 'support@example.test',
      messageId: '<a-1@reply.example.test>',
    });
    return parseMail(await composeMail(composed));
  }

  it('comes from the colleague (consulted) via support, with Reply-To the reply address, to the owner only', async () => {
    const mail = await relayed();
    expect(mail.from).toEqual({ address: replyAddress, name: 'Carol Diaz (consulted) via Support' });
    expect(mail.replyTo).toEqual([{ address: replyAddress, name: 'Carol Diaz (consulted) via Support' }]);
    expect(mail.to).toEqual([alice]);
    expect(mail.cc).toEqual([]);
    expect(mail.headers.get('auto-submitted')).toEqual(['auto-generated']);
  });

  it("is threaded into the owner's side of the conversation", async () => {
    const mail = await relayed();
    expect(mail.subject).toBe('Broken lamp');
    expect(mail.inReplyTo).toBe('<relay-2@reply.example.test>');
    expect(mail.references).toEqual(conversation.ownerThread);
    expect(mail.headers.get('thread-topic')).toEqual(['Broken lamp']);
    expect(mail.headers.get('thread-index')).toHaveLength(1);
  });

  it('holds the answer with its quote stripped, and its attachments', async () => {
    const mail = await relayed();
    expect(mail.text).toContain(ANSWER);
    expect(mail.text).toContain(
      `Carol Diaz <carol@example.test> answered your internal question on conversation ${conversation.id} with Jane Doe.`,
    );
    // Nothing of the quoted question and conversation came along.
    expect(mail.text).not.toContain(QUESTION);
    expect(mail.text).not.toContain('My lamp broke');
    expect(mail.text).not.toContain('consult+');
    expect(mail.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([
      ['warranty.pdf', '%PDF warranty'],
    ]);
  });

  it("lets the owner's Reply answer the customer in the owner's words only", async () => {
    const mail = await relayed();
    const ownerReply = `Good news, Jane: we will send a new lamp today.\n\nOn Tue, Alice wrote:\n${mail.text
      .split('\n')
      .map((line) => `> ${line}`)
      .join('\n')}`;
    expect(customerFacingText(ownerReply, { ownerEmail: alice.address, replyDomain: REPLY_DOMAIN })).toBe(
      'Good news, Jane: we will send a new lamp today.',
    );
    // Answered inline, below the quoted answer: only the owner's line is left.
    const quoted = mail.text.split('\n').map((line) => `> ${line}`);
    const below = quoted.findIndex((line) => line.includes(ANSWER)) + 1;
    const inline = [
      ...quoted.slice(0, below),
      '',
      'Good news, Jane: a new lamp is on its way.',
      '',
      ...quoted.slice(below),
    ];
    expect(
      customerFacingText(inline.join('\n'), { ownerEmail: alice.address, replyDomain: REPLY_DOMAIN }),
    ).toBe('Good news, Jane: a new lamp is on its way.');
  });

  it("keeps commands in a colleague's answer as plain text, and marker lines as written", async () => {
    const mail = await parseMail(
      await carolsAnswer(`#handoff carol@example.test\n${CONTEXT_MARKERS.start}\nok`),
    );
    expect(consultAnswerText(mail)).toBe(
      `#handoff carol@example.test\n${NEUTRALISED_PREFIX}${CONTEXT_MARKERS.start}\nok`,
    );
    expect((await relayed('')).text).toContain('(no text: see the attachments)');
  });
});

describe('the answer to a refused #ask', () => {
  it('says nothing was sent and names the allowed domains, from the reply address to the owner', async () => {
    const mail = await parseMail(
      await composeMail(
        buildConsultRefusal({
          owner: alice,
          replyAddress,
          supportName: 'Support',
          problem: 'mallory@evil.test is not at a domain colleagues may be asked at',
          allowedDomains: ['example.test', 'partner.test'],
          subject: 'Re: Broken lamp',
          messageId: '<r-1@reply.example.test>',
          inReplyTo: '<alice-1@example.test>',
        }),
      ),
    );
    expect(mail.from?.address).toBe(replyAddress);
    expect(mail.to).toEqual([alice]);
    expect(mail.subject).toBe('Nobody was asked: Re: Broken lamp');
    expect(mail.inReplyTo).toBe('<alice-1@example.test>');
    expect(mail.text).toContain('Nothing was sent to anyone: mallory@evil.test is not at a domain');
    expect(mail.text).toContain('Colleagues may be asked at @example.test, @partner.test.');
  });
});
