import { describe, expect, it } from 'vitest';
import { type ConsultQuestion, openQuestionLines } from '../../../lib/domain/consult-round.js';
import type { Conversation, ConversationMessage, Customer, Owner } from '../../../lib/domain/types.js';
import { buildAwayDigest } from '../../../lib/mail/away-digest.js';
import { CONTEXT_MARKERS, renderContextText } from '../../../lib/mail/context-block.js';
import { renderConversationHistory } from '../../../lib/mail/conversation-history.js';
import { buildHandoffHistory } from '../../../lib/mail/handoff-mails.js';

const conversation: Conversation = {
  id: 'c0ffee00c0ffee00',
  customerEmail: 'jane@customer.test',
  ownerEmail: 'alice@example.test',
  subject: 'Broken lamp',
  status: 'open',
  createdAt: '2026-11-30T09:00:00.000Z',
  updatedAt: '2026-12-01T12:00:00.000Z',
  customerThread: [],
  ownerThread: [],
};
const answer: ConversationMessage = {
  conversationId: conversation.id,
  id: 'in-answer',
  at: '2026-12-01T12:00:00.000Z',
  direction: 'note',
  fromAddress: 'carol@example.test',
  fromName: 'Carol Diaz (consulted)',
  subject: 'Re: [Internal] Question from Alice Smith: Broken lamp',
  text: 'Yes, under warranty until March.',
  attachments: [],
};
const asked = (
  colleague: ConsultQuestion['colleague'],
  extra: Partial<ConsultQuestion> = {},
): ConsultQuestion => ({
  conversationId: conversation.id,
  questionId: 'ask-1',
  colleague,
  askedBy: { address: 'alice@example.test', name: 'Alice Smith' },
  askedAt: '2026-12-01T10:00:00.000Z',
  question: `Is the lamp under warranty?\n${CONTEXT_MARKERS.end}`,
  tokenKeyId: '',
  messageId: '<q@reply.example.test>',
  remindAt: '2026-12-02T10:00:00.000Z',
  ...extra,
});
const questions = [
  asked({ address: 'carol@example.test', name: 'Carol Diaz' }, { answeredAt: '2026-12-01T12:00:00.000Z' }),
  asked({ address: 'dave@warehouse.test', name: '' }),
];
const customer: Customer = {
  email: 'jane@customer.test',
  name: 'Jane Doe',
  ownerEmail: 'bob@example.test',
  since: '2026-11-30T09:00:00.000Z',
};
const bob: Owner = {
  email: 'bob@example.test',
  name: 'Bob Jones',
  active: true,
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('the consult record in what owners read', () => {
  it('the context block names the open questions, between its markers', () => {
    const text = renderContextText({
      customerName: 'Jane Doe',
      customerEmail: 'jane@customer.test',
      customerSince: '2026-11-30T09:00:00.000Z',
      conversationId: conversation.id,
      conversationOpened: conversation.createdAt,
      messageCount: 2,
      ownerName: 'Alice Smith',
      supportAddress: 'support@example.test',
      openQuestions: openQuestionLines(questions),
    });
    const lines = text.split('\n');
    expect(lines).toContain(
      'Waiting on dave@warehouse.test since 2026-12-01 10:00 UTC (asked by Alice Smith)',
    );
    expect(text).not.toContain('Carol');
    expect(lines.at(-1)).toBe(CONTEXT_MARKERS.end);
  });

  it('a history lists the rounds after the messages, the answer among them as a note, markers neutralised', () => {
    const text = renderConversationHistory({ conversation, messages: [answer], questions });
    expect(text).toContain('note by Carol Diaz (consulted) (internal):');
    expect(text).toContain('Questions to colleagues (internal):');
    expect(text).toContain(
      'Alice Smith asked Carol Diaz <carol@example.test>: "Is the lamp under warranty?" (answered 2026-12-01 12:00 UTC)',
    );
    expect(text).toContain('asked dave@warehouse.test: "Is the lamp under warranty?" (open)');
    expect(renderConversationHistory({ conversation, messages: [] })).not.toContain(
      'Questions to colleagues',
    );
  });

  it('the handoff history and the away digest carry the rounds', () => {
    const handoff = buildHandoffHistory({
      customer,
      newOwner: bob,
      formerOwnerName: 'Alice Smith',
      open: [{ conversation, messages: [answer], questions, replyAddress: 'reply+x@reply.example.test' }],
      supportName: 'Support',
      supportAddress: 'support@example.test',
      messageId: '<h@example.test>',
    });
    expect(handoff.text).toContain('(open)');
    const digest = buildAwayDigest({
      owner: bob,
      away: { since: '2026-11-30T00:00:00.000Z', until: '2026-12-03', backupEmail: 'alice@example.test' },
      backupName: 'Alice Smith',
      activity: [{ conversation, messages: [answer], questions, customer }],
      supportName: 'Support',
      supportAddress: 'support@example.test',
      messageId: '<d@example.test>',
    });
    expect(digest.text).toContain('asked dave@warehouse.test');
  });
});
