import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbSupportStore } from '../../lib/adapters/dynamodb/dynamodb-support-store.js';
import type { ConsultQuestion } from '../../lib/domain/consult-round.js';
import { ConditionFailedError } from '../../lib/domain/errors.js';
import type { Conversation } from '../../lib/domain/types.js';
import { ensureTable } from '../../lib/local/embedded-engines.js';
import { dynaliteEngine, type RunningDynamoEngine } from './engines.js';

function conversation(id: string, customerEmail: string): Conversation {
  return {
    id,
    customerEmail,
    ownerEmail: 'alice@agents.test',
    subject: 'Refund',
    status: 'open',
    createdAt: '2026-12-01T09:00:00.000Z',
    updatedAt: '2026-12-01T09:00:00.000Z',
    customerThread: [`<${id}-c@customer.test>`],
    ownerThread: [`<${id}-o@reply.test>`],
  };
}

function question(overrides: Partial<ConsultQuestion> = {}): ConsultQuestion {
  return {
    conversationId: 'c1',
    questionId: 'inbound-ask-1',
    colleague: { address: 'carol@agents.test', name: 'Carol Diaz' },
    askedBy: { address: 'alice@agents.test', name: 'Alice Smith' },
    askedAt: '2026-12-01T10:00:00.000Z',
    question: 'Was the refund of order 1234 booked?',
    tokenKeyId: '',
    messageId: '<q1@reply.test>',
    remindAt: '2026-12-02T10:00:00.000Z',
    ...overrides,
  };
}

describe('consult rounds on dynalite', () => {
  let running: RunningDynamoEngine;
  let store: DynamoDbSupportStore;
  let tableCount = 0;

  beforeAll(async () => {
    running = await dynaliteEngine.start();
  });
  afterAll(async () => {
    await running?.close();
  });
  beforeEach(async () => {
    tableCount += 1;
    const tableName = `consult-test-${tableCount}`;
    await ensureTable(running.clients.dynamodb, tableName);
    store = new DynamoDbSupportStore({ client: running.clients.doc, tableName });
    await store.createConversation(conversation('c1', 'jane@customer.test'));
  });

  it('keeps one item per question and colleague; a repeated #ask keeps the first record', async () => {
    const dave = question({ colleague: { address: 'dave@agents.test', name: '' } });
    await store.putConsultQuestion(question());
    await store.putConsultQuestion(dave);
    await store.putConsultQuestion(question({ question: 'changed on a retry' }));
    const stored = await store.listConsultQuestions('c1');
    expect(stored).toEqual([question(), dave]);
    expect(await store.listConsultQuestions('c2')).toEqual([]);
    // The conversation's messages are not mixed with its questions.
    expect(await store.listMessages('c1')).toEqual([]);
    // The conversation is marked, so its mail reads the rounds; one never consulted is not.
    expect((await store.getConversation('c1'))?.consulted).toBe(true);
    await store.createConversation(conversation('c3', 'kim@customer.test'));
    expect((await store.getConversation('c3'))?.consulted).toBeUndefined();
    await expect(store.putConsultQuestion(question({ conversationId: 'nope' }))).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
  });

  it('records answers: the first time stays, the newest moves forward only, and the reminder leaves', async () => {
    await store.putConsultQuestion(question());
    expect(
      await store.listDueConsultReminders('2026-12-01T00:00:00.000Z', '2026-12-03T00:00:00.000Z'),
    ).toHaveLength(1);
    await store.recordConsultAnswer(question(), '2026-12-01T12:00:00.000Z');
    await store.recordConsultAnswer(question(), '2026-12-01T15:00:00.000Z');
    await store.recordConsultAnswer(question(), '2026-12-01T13:00:00.000Z');
    const [stored] = await store.listConsultQuestions('c1');
    expect(stored?.answeredAt).toBe('2026-12-01T12:00:00.000Z');
    expect(stored?.lastAnsweredAt).toBe('2026-12-01T15:00:00.000Z');
    expect(
      await store.listDueConsultReminders('2026-12-01T00:00:00.000Z', '2026-12-03T00:00:00.000Z'),
    ).toEqual([]);
    await expect(
      store.recordConsultAnswer(question({ questionId: 'nope' }), '2026-12-01T12:00:00.000Z'),
    ).rejects.toBeInstanceOf(ConditionFailedError);
  });

  it('marks the one reminder once, and only a question that exists', async () => {
    await store.putConsultQuestion(question());
    expect(await store.markConsultReminded(question(), '2026-12-02T10:01:00.000Z')).toBe(true);
    expect(await store.markConsultReminded(question(), '2026-12-02T10:02:00.000Z')).toBe(false);
    expect(
      await store.markConsultReminded(question({ questionId: 'nope' }), '2026-12-02T10:02:00.000Z'),
    ).toBe(false);
    const [stored] = await store.listConsultQuestions('c1');
    expect(stored?.remindedAt).toBe('2026-12-02T10:01:00.000Z');
    expect(
      await store.listDueConsultReminders('2026-12-01T00:00:00.000Z', '2026-12-03T00:00:00.000Z'),
    ).toEqual([]);
  });

  it('drops a reminder off the index without marking it, once, and a missing question is no error', async () => {
    await store.putConsultQuestion(question());
    await store.dropConsultReminder(question());
    await store.dropConsultReminder(question());
    await store.dropConsultReminder(question({ questionId: 'nope' }));
    expect(
      await store.listDueConsultReminders('2026-12-01T00:00:00.000Z', '2026-12-03T00:00:00.000Z'),
    ).toEqual([]);
    const [stored] = await store.listConsultQuestions('c1');
    expect(stored?.remindedAt).toBeUndefined();
    expect(stored?.question).toBe(question().question);
    expect(await store.listConsultQuestions('nope')).toEqual([]);
  });

  it('finds due reminders through the day buckets of the index, bounded by both times', async () => {
    await store.createConversation(conversation('c2', 'joe@customer.test'));
    await store.putConsultQuestion(question({ remindAt: '2026-12-02T10:00:00.000Z' }));
    await store.putConsultQuestion(
      question({
        colleague: { address: 'dave@agents.test', name: '' },
        remindAt: '2026-12-02T16:00:00.000Z',
      }),
    );
    await store.putConsultQuestion(
      question({ conversationId: 'c2', questionId: 'inbound-ask-2', remindAt: '2026-12-04T09:00:00.000Z' }),
    );
    const due = (from: string, until: string) =>
      store
        .listDueConsultReminders(from, until)
        .then((found) => found.map((r) => `${r.conversationId}/${r.colleague}`));
    expect(await due('2026-12-01T00:00:00.000Z', '2026-12-02T10:00:00.000Z')).toEqual([
      'c1/carol@agents.test',
    ]);
    expect(await due('2026-12-02T10:00:00.001Z', '2026-12-04T08:59:59.999Z')).toEqual([
      'c1/dave@agents.test',
    ]);
    expect(await due('2026-11-30T00:00:00.000Z', '2026-12-05T00:00:00.000Z')).toEqual([
      'c1/carol@agents.test',
      'c1/dave@agents.test',
      'c2/carol@agents.test',
    ]);
    expect(await due('2026-12-05T00:00:00.000Z', '2026-12-01T00:00:00.000Z')).toEqual([]);
  });

  it("export lists the questions and the colleagues' notes of a customer; forget deletes them", async () => {
    await store.putConsultQuestion(question());
    await store.putMessage({
      conversationId: 'c1',
      id: 'inbound-answer-1',
      at: '2026-12-01T12:00:00.000Z',
      direction: 'note',
      fromAddress: 'carol@agents.test',
      fromName: 'Carol Diaz (consulted)',
      subject: 'Re: [Internal] Question from Alice Smith: Refund',
      text: 'Booked on the 3rd.',
      attachments: [],
      rawKey: 'inbound/inbound-answer-1',
    });
    const data = await store.listCustomerData('jane@customer.test');
    expect(data.items.filter((item) => item.type === 'CONSULT')).toEqual([
      expect.objectContaining({ questionId: 'inbound-ask-1', question: question().question }),
    ]);
    expect(data.messages.map((m) => m.text)).toEqual(['Booked on the 3rd.']);
    await store.deleteCustomerData(data);
    expect(await store.listConsultQuestions('c1')).toEqual([]);
    expect(await store.listMessages('c1')).toEqual([]);
    // Gone from the reminder index too: nobody is reminded of a forgotten conversation.
    expect(
      await store.listDueConsultReminders('2026-12-01T00:00:00.000Z', '2026-12-03T00:00:00.000Z'),
    ).toEqual([]);
  });
});
