import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/load-config.js';
import type { ConsultQuestion } from '../../../lib/domain/consult-round.js';
import { consultAddressFor, readConsultAddress } from '../../../lib/domain/consult-token.js';
import { replyAddressFor } from '../../../lib/domain/reply-token.js';
import { checkConsultAnswer } from '../../../lib/domain/route-inbound.js';
import type { Conversation, ConversationMessage, Owner } from '../../../lib/domain/types.js';
import type { ParsedMail } from '../../../lib/mail/mail-types.js';
import { planConsultAnswer, planConsultAutomatic } from '../../../lib/use-cases/plan-consult-answer.js';
import { type ConsultAskFacts, planConsultAsk } from '../../../lib/use-cases/plan-consult-ask.js';
import { planConsultReminder } from '../../../lib/use-cases/plan-consult-reminder.js';

const SECRET = 'secret-secret-secret-secret';
const config = parseConfig({
  supportAddress: 'support@example.test',
  replyDomain: 'reply.example.test',
  supportName: 'Support',
  owners: [
    { email: 'alice@example.test', name: 'Alice Smith' },
    { email: 'bob@example.test', name: 'Bob Jones' },
  ],
  consult: { allowedDomains: ['warehouse.test'] },
});
const owners: Owner[] = config.owners.map((o) => ({
  ...o,
  active: true,
  createdAt: '2026-01-01T00:00:00.000Z',
}));
const conversation: Conversation = {
  id: 'c0ffee00c0ffee00',
  customerEmail: 'jane@customer.test',
  ownerEmail: 'alice@example.test',
  subject: 'Broken lamp',
  status: 'open',
  createdAt: '2026-11-30T09:00:00.000Z',
  updatedAt: '2026-11-30T09:00:00.000Z',
  customerThread: ['<jane-1@customer.test>'],
  ownerThread: ['<relay-1@reply.example.test>'],
  participants: ['jim@customer.test'],
};
const messages: ConversationMessage[] = [
  {
    conversationId: conversation.id,
    id: 'in-1',
    at: '2026-11-30T09:00:00.000Z',
    direction: 'from-customer',
    fromAddress: 'jane@customer.test',
    fromName: 'Jane Doe',
    subject: 'Broken lamp',
    text: 'My lamp broke after a year.',
    attachments: [{ filename: 'receipt.pdf', contentType: 'application/pdf', size: 12 }],
  },
];
const carol = { address: 'carol@example.test', name: 'Carol Diaz' };
const dave = { address: 'dave@warehouse.test', name: '' };
// Tuesday 2026-12-01 10:00 UTC = 11:00 in Berlin.
const NOW = new Date('2026-12-01T10:00:00.000Z');

function askFacts(overrides: Partial<ConsultAskFacts> = {}): ConsultAskFacts {
  return {
    config,
    replyTokenSecret: SECRET,
    now: NOW,
    inboundId: 'ask-in-1',
    mail: { attachments: [], messageId: '<alice-ask@example.test>' },
    conversation,
    customer: { address: 'jane@customer.test', name: 'Jane Doe' },
    sender: { email: 'alice@example.test', name: 'Alice Smith' },
    owners,
    colleagues: [carol, dave],
    question: 'Is the lamp still under warranty?',
    messages,
    earlier: [],
    ...overrides,
  };
}

function parsed(overrides: Partial<ParsedMail> = {}): ParsedMail {
  return {
    references: [],
    replyTo: [],
    to: [],
    cc: [],
    subject: 'Re: [Internal] Question from Alice Smith: Broken lamp',
    text: 'Yes, until March.\n\nOn Tue, Alice wrote:\n> Is the lamp still under warranty?',
    attachments: [],
    headers: new Map(),
    contentType: 'text/plain',
    sizeBytes: 100,
    from: carol,
    ...overrides,
  };
}

describe('planConsultAsk', () => {
  it('asks each colleague once from the asker via support at their own consult address, and records each question', () => {
    const plan = planConsultAsk(askFacts());
    if (!plan.asked) throw new Error(plan.problem);
    expect(plan.mails.map((m) => m.mail.envelope.to)).toEqual([[carol.address], [dave.address]]);
    const [toCarol] = plan.mails;
    const carolAddress = consultAddressFor(conversation.id, carol.address, SECRET, config.replyDomain);
    expect(toCarol?.mail.compose.from).toEqual({ address: carolAddress, name: 'Alice Smith via Support' });
    expect(toCarol?.mail.envelope.from).toBe(carolAddress);
    expect(toCarol?.mail.compose.subject).toBe('[Internal] Question from Alice Smith: Broken lamp');
    expect(toCarol?.mail.compose.text).toContain('Is the lamp still under warranty?');
    expect(toCarol?.mail.compose.text).toContain('My lamp broke after a year.');
    expect(new Set(plan.mails.map((m) => m.key)).size).toBe(2);
    // Nothing goes to the customer, their Cc, or names the conversation's reply address.
    const replyAddress = replyAddressFor(conversation.id, SECRET, config.replyDomain);
    for (const { mail } of plan.mails) {
      expect(mail.envelope.to).not.toContain('jane@customer.test');
      expect(JSON.stringify(mail.compose)).not.toContain(replyAddress);
    }
    expect(plan.questions).toEqual([
      expect.objectContaining({
        questionId: 'ask-in-1',
        colleague: carol,
        askedAt: NOW.toISOString(),
        // One business day of 8.5 h in Berlin: Wednesday 11:00 Berlin.
        remindAt: '2026-12-02T10:00:00.000Z',
      }),
      expect.objectContaining({ colleague: dave }),
    ]);
    expect(plan.writes.map((w) => w.kind)).toEqual(['put-consult-question', 'put-consult-question']);
  });

  it('lists the conversation files instead of attaching them with consult.attachments = list', () => {
    const listing = { ...config, consult: { ...config.consult, attachments: 'list' as const } };
    const file = {
      filename: 'receipt.pdf',
      contentType: 'application/pdf',
      content: Buffer.from('%PDF'),
      size: 4,
      inline: false,
    };
    const attach = planConsultAsk(askFacts({ files: new Map([['in-1', [file]]]) }));
    const list = planConsultAsk(askFacts({ config: listing, files: new Map([['in-1', [file]]]) }));
    if (!attach.asked || !list.asked) throw new Error('refused');
    expect(attach.mails[0]?.mail.compose.attachments?.map((a) => a.filename)).toEqual(['receipt.pdf']);
    expect(list.mails[0]?.mail.compose.attachments).toEqual([]);
    expect(list.mails[0]?.mail.compose.text).toContain('Attachments: receipt.pdf');
  });

  it('threads a second question to the same colleague under the first', () => {
    const first = planConsultAsk(askFacts());
    if (!first.asked) throw new Error('refused');
    const second = planConsultAsk(
      askFacts({ inboundId: 'ask-in-2', colleagues: [carol], earlier: first.questions }),
    );
    if (!second.asked) throw new Error('refused');
    expect(second.mails[0]?.mail.compose.inReplyTo).toBe(first.questions[0]?.messageId);
    expect(second.mails[0]?.mail.messageId).not.toBe(first.mails[0]?.mail.messageId);
  });

  it('refuses a colleague outside the allowed domains, naming them, and asks nobody', () => {
    const plan = planConsultAsk(askFacts({ colleagues: [carol, { address: 'eve@gmail.com', name: '' }] }));
    expect(plan.asked).toBe(false);
    if (plan.asked) return;
    expect(plan.mails).toHaveLength(1);
    const [refusal] = plan.mails;
    expect(refusal?.mail.envelope.to).toEqual(['alice@example.test']);
    expect(refusal?.mail.compose.text).toContain(
      'eve@gmail.com is not at a domain colleagues may be asked at',
    );
    expect(refusal?.mail.compose.text).toContain('@example.test, @warehouse.test');
  });

  it('refuses the customer, their Cc and an empty question', () => {
    for (const address of ['jane@customer.test', 'jim@customer.test']) {
      expect(planConsultAsk(askFacts({ colleagues: [{ address, name: '' }] })).asked).toBe(false);
    }
    const empty = planConsultAsk(askFacts({ question: '  ' }));
    expect(empty.asked).toBe(false);
    if (!empty.asked) expect(empty.problem).toContain('needs your question');
  });
});

const question: ConsultQuestion = {
  conversationId: conversation.id,
  questionId: 'ask-in-1',
  colleague: carol,
  askedBy: { address: 'alice@example.test', name: 'Alice Smith' },
  askedAt: '2026-12-01T10:00:00.000Z',
  question: 'Is the lamp still under warranty?',
  tokenKeyId: '',
  messageId: '<ask-in-1.ask.x@reply.example.test>',
  remindAt: '2026-12-02T10:00:00.000Z',
};
const claim = (colleague: string) => {
  const found = readConsultAddress(
    consultAddressFor(conversation.id, colleague, SECRET, config.replyDomain),
    config.replyDomain,
  );
  if (!found) throw new Error('no claim');
  return found;
};
const PASS = { spf: 'PASS', dkim: 'PASS', dmarc: 'PASS', spam: 'PASS', virus: 'PASS' } as const;

function answerFacts(senderAddress: string, owner = { email: 'alice@example.test', name: 'Alice Smith' }) {
  const token = claim(carol.address);
  return {
    config,
    replyTokenSecret: SECRET,
    inbound: {
      inboundId: 'in-answer-1',
      rawKey: 'inbound/in-answer-1',
      receivedAt: '2026-12-01T12:00:00.000Z',
    },
    mail: parsed({
      from: { address: senderAddress, name: senderAddress === carol.address ? 'Carol Diaz' : 'Eve' },
    }),
    claim: token,
    conversation: { ...conversation, ownerEmail: owner.email },
    customer: { address: 'jane@customer.test', name: 'Jane Doe' },
    owner,
    questions: [question],
    check: checkConsultAnswer({
      claim: token,
      secret: SECRET,
      conversation,
      colleagues: [carol.address],
      senderAddress,
      verdicts: PASS,
    }),
    senderAddress,
  };
}

describe('planConsultAnswer', () => {
  it('relays the colleague answer to the owner only, from the consulted name, Reply-To the conversation, quote stripped, stored as a note', () => {
    const plan = planConsultAnswer(answerFacts(carol.address));
    if (!('relay' in plan)) throw new Error('not relayed');
    const { relay } = plan;
    const replyAddress = replyAddressFor(conversation.id, SECRET, config.replyDomain);
    expect(relay.mail.envelope.to).toEqual(['alice@example.test']);
    expect(relay.mail.compose.to).toEqual([{ address: 'alice@example.test', name: 'Alice Smith' }]);
    expect(relay.mail.compose.from.name).toBe('Carol Diaz (consulted) via Support');
    expect(relay.mail.compose.replyTo?.address).toBe(replyAddress);
    expect(relay.mail.compose.inReplyTo).toBe('<relay-1@reply.example.test>');
    expect(relay.mail.compose.text).toContain('Yes, until March.');
    expect(relay.mail.compose.text).not.toContain('> Is the lamp');
    expect(relay.beside).toEqual([
      {
        kind: 'put-message',
        message: expect.objectContaining({
          direction: 'note',
          fromName: 'Carol Diaz (consulted)',
          text: 'Yes, until March.',
        }),
      },
      { kind: 'record-consult-answer', question, at: '2026-12-01T12:00:00.000Z' },
    ]);
    expect(relay.afterSend('<sent@reply.example.test>')).toEqual([
      expect.objectContaining({
        kind: 'append-to-thread',
        thread: 'ownerThread',
        messageIds: ['<sent@reply.example.test>'],
      }),
    ]);
    expect(plan.outcome).toMatchObject({ status: 'relayed-to-owner', reason: 'consult-answer' });
  });

  it('goes to the current owner after a handoff', () => {
    const plan = planConsultAnswer(
      answerFacts(carol.address, { email: 'bob@example.test', name: 'Bob Jones' }),
    );
    if (!('relay' in plan)) throw new Error('not relayed');
    expect(plan.relay.mail.envelope.to).toEqual(['bob@example.test']);
  });

  it('keeps commands in the answer as plain text', () => {
    const facts = answerFacts(carol.address);
    const plan = planConsultAnswer({
      ...facts,
      mail: parsed({ text: '#close\n#handoff bob@example.test\nDone.' }),
    });
    if (!('relay' in plan)) throw new Error('not relayed');
    expect(plan.relay.mail.compose.text).toContain('#close');
    expect(plan.relay.beside.map((w) => w.kind)).toEqual(['put-message', 'record-consult-answer']);
  });

  it('refuses anyone else at the consult address and tells the owner once per question, without the text', () => {
    const plan = planConsultAnswer(answerFacts('eve@example.test'));
    expect('relay' in plan).toBe(false);
    if ('relay' in plan) return;
    expect(plan.outcome).toMatchObject({ status: 'rejected', reason: 'sender-not-colleague' });
    expect(plan.notices).toHaveLength(1);
    const [notice] = plan.notices;
    expect(notice?.key).toBe(`notice:consult-refused:${conversation.id}:ask-in-1:${carol.address}`);
    expect(notice?.mail.envelope.to).toEqual(['alice@example.test']);
    expect(notice?.mail.compose.text).toContain('eve@example.test');
    expect(notice?.mail.compose.text).not.toContain('Yes, until March');
    const again = planConsultAnswer({
      ...answerFacts('mallory@example.test'),
      inbound: { inboundId: 'in-2', rawKey: 'inbound/in-2', receivedAt: '2026-12-01T13:00:00.000Z' },
    });
    if ('relay' in again) throw new Error('relayed');
    expect(again.notices[0]?.key).toBe(notice?.key);
  });

  it('tells nobody about a forged token', () => {
    const facts = answerFacts(carol.address);
    const forged = { ...facts.claim, signature: '0'.repeat(24) };
    const check = checkConsultAnswer({
      claim: forged,
      secret: SECRET,
      conversation,
      colleagues: [carol.address],
      senderAddress: carol.address,
      verdicts: PASS,
    });
    const plan = planConsultAnswer({ ...facts, claim: forged, check });
    expect(plan).toMatchObject({ notices: [], outcome: { status: 'rejected', reason: 'token-invalid' } });
  });
});

describe('planConsultAutomatic', () => {
  const base = answerFacts(carol.address);
  it('turns an out-of-office into a one-line notice, never an answer', () => {
    const plan = planConsultAutomatic({ ...base, automaticKind: 'auto-reply', reason: 'auto-submitted' });
    expect(plan.outcome).toMatchObject({ status: 'automatic', ownerEmail: 'alice@example.test' });
    expect(plan.notices).toHaveLength(1);
    expect(plan.notices[0]?.mail.compose.subject).toBe('[Support] Carol Diaz answered automatically');
    expect(plan.notices[0]?.key).toBe(
      `notice:consult-automatic:${conversation.id}:ask-in-1:${carol.address}`,
    );
  });
  it('names a bounce as such, and tells nobody for a token of nobody asked', () => {
    const bounce = planConsultAutomatic({
      ...base,
      automaticKind: 'bounce',
      reason: 'delivery-status-report',
    });
    expect(bounce.notices[0]?.mail.compose.subject).toBe(
      '[Support] Your question to Carol Diaz did not arrive',
    );
    const stranger = planConsultAutomatic({
      ...base,
      claim: claim('zed@example.test'),
      automaticKind: 'bounce',
      reason: 'delivery-status-report',
    });
    expect(stranger.notices).toEqual([]);
  });
});

describe('planConsultReminder', () => {
  const input = { config, question, conversation, owner: { email: 'bob@example.test', name: 'Bob Jones' } };
  it('reminds the current owner once the reminder time has come, marking the question after the mail', () => {
    expect(planConsultReminder({ ...input, now: new Date('2026-12-02T09:59:59.000Z') })).toBeUndefined();
    const plan = planConsultReminder({ ...input, now: new Date('2026-12-02T10:00:00.000Z') });
    expect(plan?.mails[0]?.mail.envelope.to).toEqual(['bob@example.test']);
    expect(plan?.mails[0]?.key).toBe(`notice:consult-remind:${conversation.id}:ask-in-1:${carol.address}`);
    expect(plan?.after).toEqual([
      { kind: 'mark-consult-reminded', question, at: '2026-12-02T10:00:00.000Z' },
    ]);
  });
  it('reminds nobody of an answered or reminded question', () => {
    const now = new Date('2026-12-03T10:00:00.000Z');
    expect(
      planConsultReminder({
        ...input,
        question: { ...question, answeredAt: '2026-12-01T12:00:00.000Z' },
        now,
      }),
    ).toBeUndefined();
    expect(
      planConsultReminder({
        ...input,
        question: { ...question, remindedAt: '2026-12-02T10:00:00.000Z' },
        now,
      }),
    ).toBeUndefined();
  });
  it('in a closed conversation reminds nobody and only takes an open question off the reminder index', () => {
    const closed = { ...conversation, status: 'closed' as const };
    const now = new Date('2026-12-03T10:00:00.000Z');
    expect(planConsultReminder({ ...input, conversation: closed, now })).toEqual({
      mails: [],
      after: [{ kind: 'drop-consult-reminder', question }],
    });
    expect(
      planConsultReminder({
        ...input,
        conversation: closed,
        question: { ...question, answeredAt: '2026-12-01T12:00:00.000Z' },
        now,
      }),
    ).toBeUndefined();
  });
});
