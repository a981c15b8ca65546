import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../lib/adapters/dynamodb/item-keys.js';
import { MAX_PARTICIPANTS } from '../../lib/domain/participants.js';
import { THREAD_LIMIT } from '../../lib/domain/thread-conversation.js';
import type { Conversation } from '../../lib/domain/types.js';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { type CapturedMail, HandlerRig } from '../support/handler-rig.js';
import { customerMail, ownerAnswer, rawMail, replyAddressOf } from '../support/mail-builder.js';

const SUPPORT = ['support@example.test'];
const JANE = 'jane@customer.test';
const MINUTE = 60_000;
/** Well above a trimmed conversation (about 3 KB), far below what thousands of ids took. */
const CONVERSATION_BOUND = 6_000;

/**
 * Every item a mail could make grow, driven to its bound through the real handler: seeded straight
 * into the table (as years of mail or an hour's flood would have left it), then real mail on top.
 */
describe('no item grows with use (Lambda handler, real engines)', () => {
  let engines: EmbeddedEngines;
  beforeAll(async () => {
    engines = await startEmbeddedEngines();
  });
  afterAll(async () => {
    await engines.close();
  });

  async function item(rig: HandlerRig, key: Record<string, string>): Promise<Record<string, unknown>> {
    const got = await engines.doc.send(new GetCommand({ TableName: rig.tableName, Key: key }));
    if (!got.Item) throw new Error(`no item ${JSON.stringify(key)}`);
    return got.Item;
  }
  const sizeOf = (stored: Record<string, unknown>) => Buffer.byteLength(JSON.stringify(stored));

  it('a conversation of thousands of messages: bounded threads and participants, threading by Message-ID, the message count and first answer kept', async () => {
    const rig = await HandlerRig.create(engines);
    let at = Date.parse('2026-11-23T10:00:00.000Z');
    const results: Array<{ inboundId: string; outcome?: { status: string; conversationId?: string } }> = [];
    const deliver = async (raw: Buffer, envelope: { from: string; to: string[] }) => {
      // Five minutes apart: a person writing, under the hourly and the loop caps.
      at += 5 * MINUTE;
      const result = await rig.deliver(raw, envelope, { receivedAt: new Date(at) });
      expect(result.failed).toBe(false);
      results.push(result);
      return result;
    };
    const lastTo = (address: string) => rig.sender.to(address).at(-1) as CapturedMail;

    const opened = await deliver(await customerMail(JANE, 'Printer on fire', 'It smokes.'), {
      from: JANE,
      to: SUPPORT,
    });
    const conversationId = opened.outcome?.conversationId as string;
    const firstRelay = rig.sender.mails.at(-1) as CapturedMail;
    const owner = firstRelay.envelope.to[0] as string;
    const answer = async (relay: CapturedMail, text: string) => {
      const result = await deliver(await ownerAnswer(relay, owner, text), {
        from: owner,
        to: [replyAddressOf(relay)],
      });
      expect(result.outcome?.status).toBe('relayed-to-customer');
      return result;
    };
    const firstAnswer = await answer(firstRelay, 'Unplug it.');
    expect(firstAnswer.outcome).toHaveProperty('firstResponseSeconds');
    const oldAnswer = lastTo(JANE);

    // Years of mail, as stored before threads were trimmed: thousands of ids on each list, the
    // conversation's real ids among the oldest; and the most people reply-all allows.
    const conversationKey = keys.conversation(conversationId);
    const stored = (await item(rig, conversationKey)) as unknown as Conversation;
    const filler = (side: string) =>
      Array.from({ length: 3000 }, (_, n) => `<${side}-${n}.0123456789abcdef@mail.customer.test>`);
    const customerThread = [...stored.customerThread, ...filler('c')];
    const ownerThread = [...stored.ownerThread, ...filler('o')];
    const participants = Array.from({ length: MAX_PARTICIPANTS }, (_, n) => `colleague${n}@customer.test`);
    await engines.doc.send(
      new UpdateCommand({
        TableName: rig.tableName,
        Key: conversationKey,
        UpdateExpression: 'SET customerThread = :c, ownerThread = :o, participants = :p',
        ExpressionAttributeValues: { ':c': customerThread, ':o': ownerThread, ':p': participants },
      }),
    );
    const seededSize = sizeOf(await item(rig, conversationKey));
    expect(seededSize).toBeGreaterThan(250_000);
    const customerItem = await item(rig, keys.customer(JANE));
    const ownerItem = await item(rig, keys.owner(owner));

    // The count the owner sees goes on as if nothing were trimmed.
    let messages = customerThread.length;
    const expectCount = (relay: CapturedMail) => {
      messages += 1;
      expect(relay.mail.text).toContain(`message ${messages}`);
    };
    // A reply to the old answer, whose id is about to leave the list: the Message-ID link threads it.
    const replyTo = (to: CapturedMail, text: string, extra: Record<string, unknown> = {}) =>
      rawMail({
        from: JANE,
        to: SUPPORT[0],
        subject: `Re: ${to.mail.subject}`,
        text,
        inReplyTo: to.messageId,
        references: [to.messageId],
        ...extra,
      });
    const sizes: number[] = [];
    for (let n = 0; n < 25; n += 1) {
      const to = n === 0 ? oldAnswer : lastTo(JANE);
      const mail = await deliver(
        await replyTo(to, `Still smoking (${n}).`, n === 1 ? { cc: 'newcomer@customer.test' } : {}),
        { from: JANE, to: SUPPORT },
      );
      expect(mail.outcome).toMatchObject({ status: 'relayed-to-owner', conversationId });
      const relay = lastTo(owner);
      expectCount(relay);
      // Reply-all wanted a newcomer on Cc: the conversation has the most it keeps, the owner is told.
      if (n === 1)
        expect(relay.mail.text).toContain(
          'Not added to Cc (the conversation has the most it keeps): newcomer@customer.test',
        );
      await answer(relay, `Try again (${n}).`);
      messages += 1;
      sizes.push(sizeOf(await item(rig, conversationKey)));
    }
    const after = (await item(rig, conversationKey)) as unknown as Conversation;
    expect(after.customerThread).toHaveLength(THREAD_LIMIT);
    expect(after.ownerThread).toHaveLength(THREAD_LIMIT);
    // Their first ids stay (the References root), the old answer and every filler id are gone.
    expect(after.customerThread[0]).toBe(customerThread[0]);
    expect(after.ownerThread[0]).toBe(ownerThread[0]);
    expect(after.customerThread).not.toContain(oldAnswer.messageId);
    expect(after.participants).toEqual(participants);
    expect(Math.max(...sizes)).toBeLessThan(CONVERSATION_BOUND);
    // The first answer was recorded once; a later one is not first.
    expect(after.firstAnswer).toMatchObject({ id: firstAnswer.inboundId });
    expect(results.at(-1)?.outcome).not.toHaveProperty('firstResponseSeconds');

    // Long off the list, the old answer still threads a reply into its conversation.
    const late = await deliver(await replyTo(oldAnswer, 'About that first answer...'), {
      from: JANE,
      to: SUPPORT,
    });
    expect(late.outcome).toMatchObject({ status: 'relayed-to-owner', conversationId });
    expectCount(lastTo(owner));
    expect(sizeOf(await item(rig, conversationKey))).toBeLessThan(CONVERSATION_BOUND);

    // Nothing per mail on the customer or the owner; nothing lost: every mail has its outcome.
    expect(await item(rig, keys.customer(JANE))).toEqual(customerItem);
    expect(await item(rig, keys.owner(owner))).toEqual(ownerItem);
    for (const { inboundId } of results) {
      expect((await rig.deps.store.getInbound(inboundId))?.outcome?.status).toMatch(/^relayed-to-/);
    }
    console.info(
      `conversation item: ${seededSize} bytes seeded, ${sizes[0]} after the first mail, at most ${Math.max(...sizes)} after ${sizes.length * 2 + 1} more`,
    );
  });

  it('a conversation stored before the first answer was kept: one read of its messages, then the answer is recorded', async () => {
    const rig = await HandlerRig.create(engines);
    const opened = await rig.deliver(await customerMail(JANE, 'Old one', 'Hello?'), {
      from: JANE,
      to: SUPPORT,
    });
    const conversationId = opened.outcome?.conversationId as string;
    await engines.doc.send(
      new UpdateCommand({
        TableName: rig.tableName,
        Key: keys.conversation(conversationId),
        UpdateExpression: 'REMOVE askedAt',
      }),
    );
    const relay = rig.sender.mails.at(-1) as CapturedMail;
    const owner = relay.envelope.to[0] as string;
    const answered = await rig.deliver(await ownerAnswer(relay, owner, 'Here.'), {
      from: owner,
      to: [replyAddressOf(relay)],
    });
    expect(answered.outcome?.status).toBe('relayed-to-customer');
    // Read from its messages: the first answer, timed from the customer's mail (dated in whole seconds,
    // so an answer within the same second counts 0).
    expect(answered.outcome?.firstResponseSeconds).toBeGreaterThanOrEqual(0);
    const stored = (await rig.deps.store.getConversation(conversationId)) as Conversation;
    expect(stored.firstAnswer).toEqual({
      id: answered.inboundId,
      at: expect.any(String),
      seconds: answered.outcome?.firstResponseSeconds,
    });
    const again = await rig.deliver(await ownerAnswer(relay, owner, 'And more.'), {
      from: owner,
      to: [replyAddressOf(relay)],
    });
    expect(again.outcome?.status).toBe('relayed-to-customer');
    expect(again.outcome).not.toHaveProperty('firstResponseSeconds');
  });

  it('a sender at the hourly cap: every further mail ends rate-limited and the counter item stays as it was', async () => {
    const rig = await HandlerRig.create(engines);
    const flood = 'loop@customer.test';
    const cap = rig.deps.config.limits.maxMailsPerSenderPerHour;
    const start = Date.parse('2026-11-23T10:00:00.000Z');
    const window = '2026-11-23T10';
    // The hour's first mails, counted through the adapter as the handler would have.
    for (let n = 0; n < cap; n += 1) {
      await rig.deps.store.countSenderMail(
        flood,
        window,
        `earlier-${n}`,
        cap,
        0,
        `<earlier-${n}@customer.test>`,
      );
    }
    const counter = await item(rig, keys.rate(flood, window));
    const results = [];
    for (let n = 0; n < 15; n += 1) {
      results.push(
        await rig.deliver(
          await customerMail(flood, `Auto ${n}`, 'Thank you for your mail.'),
          { from: flood, to: SUPPORT },
          {
            receivedAt: new Date(start + n * 1000),
          },
        ),
      );
    }
    for (const result of results) {
      expect(result.failed).toBe(false);
      expect(result.outcome).toMatchObject({ status: 'rejected', reason: 'rate-limited' });
      expect((await rig.deps.store.getInbound(result.inboundId))?.outcome?.reason).toBe('rate-limited');
    }
    expect(await item(rig, keys.rate(flood, window))).toEqual(counter);
    console.info(
      `sender counter item at the cap of ${cap}: ${sizeOf(counter)} bytes, unchanged by 15 more mails`,
    );
    // A mail resending one counted earlier in the hour is still recognised as the same mail.
    const resent = await rig.deliver(
      await customerMail(flood, 'Auto 0', 'Thank you for your mail.', {
        messageId: '<earlier-3@customer.test>',
      }),
      { from: flood, to: SUPPORT },
      { receivedAt: new Date(start + 30_000) },
    );
    expect(resent.outcome).toMatchObject({ status: 'duplicate', reason: 'resent-message-id' });
    expect(rig.sender.to(flood)).toEqual([]);
  });
});
