import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THREAD_LIMIT } from '../../lib/domain/thread-conversation.js';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { type CapturedMail, HandlerRig } from '../support/handler-rig.js';
import { customerMail, ownerAnswer } from '../support/mail-builder.js';
import { SimulatedQueue } from '../support/simulated-queue.js';

const SUPPORT = ['support@example.test'];
const NO_CAP = { limits: { maxMessageBytes: 40 * 1024 * 1024, maxMailsPerSenderPerHour: 1000 } };

describe('races between concurrent Lambdas (handler, real engines)', () => {
  let engines: EmbeddedEngines;
  beforeAll(async () => {
    engines = await startEmbeddedEngines();
  });
  afterAll(async () => {
    await engines.close();
  });

  it('50 concurrent first mails from one new customer: one owner, and all 50 reach that owner', async () => {
    const rig = await HandlerRig.create(engines, { config: NO_CAP });
    const from = 'eager@customer.test';
    const queue = new SimulatedQueue(rig.handler, { maxReceiveCount: 5, batchSize: 10, concurrency: 5 });
    const ids: string[] = [];
    for (let n = 0; n < 50; n += 1) {
      const { record, inboundId } = await rig.receive(await customerMail(from, `Urgent ${n}`, `Part ${n}`), {
        from,
        to: SUPPORT,
      });
      ids.push(inboundId);
      queue.send(record);
    }
    const report = await queue.drain();
    expect(report.dlq).toEqual([]);
    const customer = await rig.deps.store.getCustomer(from);
    expect(customer).toBeDefined();
    const outcomes = await Promise.all(ids.map(async (id) => (await rig.deps.store.getInbound(id))?.outcome));
    expect(new Set(outcomes.map((o) => `${o?.status} ${o?.ownerEmail}`))).toEqual(
      new Set([`relayed-to-owner ${customer?.ownerEmail}`]),
    );
    expect(rig.sender.mails).toHaveLength(50);
    expect(new Set(rig.sender.mails.flatMap((m) => m.envelope.to))).toEqual(new Set([customer?.ownerEmail]));
    expect(new Set(rig.sender.mails.map((m) => m.mail.subject)).size).toBe(50);
  });

  it('concurrent replies in one conversation: none lost, stored in date order, threaded', async () => {
    const rig = await HandlerRig.create(engines, { config: NO_CAP });
    const jane = 'jane@customer.test';
    const base = Date.parse('2026-11-23T12:00:00Z');
    const opening = await customerMail(jane, 'Many questions', 'First of many.', {
      messageId: '<opening@customer.test>',
      date: new Date(base - 3_600_000),
    });
    await rig.deliver(opening, { from: jane, to: SUPPORT });
    const relay = rig.sender.mails[0] as CapturedMail;
    const owner = relay.envelope.to[0] ?? '';

    // Ten owner answers and ten customer follow-ups, all processed at once, dated in a shuffled order.
    const order = [7, 2, 9, 0, 5, 3, 8, 1, 6, 4];
    const records = [];
    for (const n of order) {
      const answer = await ownerAnswer(relay, owner, `Answer ${n}`, {
        date: new Date(base + n * 60_000),
        messageId: `<answer-${n}@owner.test>`,
      });
      records.push(
        (await rig.receive(answer, { from: owner, to: [relay.mail.replyTo[0]?.address ?? ''] })).record,
      );
      const followUp = await customerMail(jane, 'Re: Many questions', `Follow-up ${n}`, {
        date: new Date(base + n * 60_000 + 30_000),
        messageId: `<follow-${n}@customer.test>`,
        inReplyTo: '<opening@customer.test>',
        references: ['<opening@customer.test>'],
      });
      records.push((await rig.receive(followUp, { from: jane, to: SUPPORT })).record);
    }
    const queue = new SimulatedQueue(rig.handler, { maxReceiveCount: 5, batchSize: 10, concurrency: 2 });
    for (const record of records) queue.send(record);
    expect((await queue.drain()).dlq).toEqual([]);

    const conversations = await rig.deps.store.listConversations(jane);
    expect(conversations).toHaveLength(1);
    const conversation = conversations[0];
    const messages = await rig.deps.store.listMessages(conversation?.id ?? '');
    expect(messages).toHaveLength(21);
    const texts = messages.slice(1).map((m) => m.text.split('\n')[0]);
    const expected = [...Array(10).keys()].flatMap((n) => [`Answer ${n}`, `Follow-up ${n}`]);
    expect(texts).toEqual(expected);
    expect(messages.map((m) => m.at)).toEqual([...messages.map((m) => m.at)].sort());
    expect(rig.sender.to(jane)).toHaveLength(10);
    expect(rig.sender.to(owner)).toHaveLength(11);
    // No id lost from either thread under concurrent appends: the owner thread took the 11 relays and
    // the owner's own 10 answers (the next relay threads under the owner's latest mail). Each list keeps
    // its first id and the newest, THREAD_LIMIT in all, and counts the one it dropped.
    expect(conversation?.customerThread).toHaveLength(THREAD_LIMIT);
    expect(conversation?.customerThread[0]).toBe('<opening@customer.test>');
    expect(conversation?.customerThreadDropped).toBe(21 - THREAD_LIMIT);
    expect(conversation?.ownerThread).toHaveLength(THREAD_LIMIT);
    expect(conversation?.ownerThreadDropped).toBe(21 - THREAD_LIMIT);
  });
});
