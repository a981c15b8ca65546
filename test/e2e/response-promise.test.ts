import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherOwnerFigures } from '../../lib/cli/commands/stats-command.js';
import { dueEntryKey } from '../../lib/domain/due-index.js';
import type { Conversation } from '../../lib/domain/types.js';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { type CapturedMail, HandlerRig } from '../support/handler-rig.js';
import { customerMail, ownerAnswer, replyAddressOf } from '../support/mail-builder.js';

const SUPPORT = 'support@example.test';

/**
 * The relay path through the inbound handler on dynalite: the promise is written with the relay's own
 * thread write and its due-index entry moves with it; the answer ends it; `#wait` and `#close` change it.
 */
describe('the response promise on the relay path', () => {
  let engines: EmbeddedEngines;
  let rig: HandlerRig;

  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    rig = await HandlerRig.create(engines);
  });
  afterAll(async () => {
    await engines.close();
  });

  const conversationOf = async (relay: CapturedMail): Promise<Conversation> => {
    const id = relay.mail.headers.get('x-spoc-conversation')?.[0] ?? '';
    const found = await rig.deps.store.getConversation(String(id));
    if (!found) throw new Error(`no conversation ${id}`);
    return found;
  };
  /** The conversation's entries in the due index bucket its promise belongs to now. */
  const dueEntries = async (conversation: Conversation) => {
    if (!conversation.promise) return [];
    const { bucket } = dueEntryKey(conversation.promise, conversation.id, rig.deps.now());
    const entries = await rig.deps.store.readDueBucket(bucket);
    return entries.filter((e) => e.conversationId === conversation.id);
  };

  it('opens on a waiting customer mail, stays on a follow-up, ends with the answer, pauses on #wait, ends on #close', async () => {
    const customer = 'pat@customer.test';
    const receivedAt = new Date('2026-11-23T15:00:00.000Z'); // Monday 16:00 in Berlin
    await rig.deliver(
      await customerMail(customer, 'Broken lamp', 'It broke.', { messageId: '<lamp-1@customer.test>' }),
      { from: customer, to: [SUPPORT] },
      { receivedAt },
    );
    const relay = rig.sender.mails.at(-1) as CapturedMail;
    const owner = relay.envelope.to[0] ?? '';
    let conversation = await conversationOf(relay);
    expect(conversation.promise).toEqual({
      epoch: 1,
      state: 'open',
      kind: 'first-response',
      waitingSince: receivedAt.toISOString(),
      // 4h in 09:00-17:30: 1h30 on Monday, the rest on Tuesday from 09:00.
      nudgeAt: '2026-11-24T09:30:00.000Z',
      dueAt: '2026-11-24T10:30:00.000Z',
    });
    expect(await dueEntries(conversation)).toMatchObject([{ customerEmail: customer, ownerEmail: owner }]);

    // A second mail before any answer: the customer still waits since the first.
    await rig.deliver(
      await customerMail(customer, 'Re: Broken lamp', 'Any news?', {
        inReplyTo: '<lamp-1@customer.test>',
      }),
      { from: customer, to: [SUPPORT] },
      { receivedAt: new Date('2026-11-23T16:00:00.000Z') },
    );
    const again = await conversationOf(relay);
    expect(again.customerThread).toHaveLength(2);
    expect(again.promise).toEqual(conversation.promise);

    const answered = await rig.deliver(await ownerAnswer(relay, owner, 'A new one is on its way.'), {
      from: owner,
      to: [replyAddressOf(relay)],
    });
    expect(answered.outcome).toMatchObject({ status: 'relayed-to-customer', promiseEnd: { answered: true } });
    conversation = await conversationOf(relay);
    expect(conversation.promise).toBeUndefined();
    expect(conversation.promiseEpoch).toBe(1);
    const messages = await rig.deps.store.listMessages(conversation.id);
    expect(messages.find((m) => m.direction === 'to-customer')?.promiseEnd).toMatchObject({
      ownerEmail: owner,
      byOwner: true,
    });

    // The next mail waits under a follow-up promise, a new epoch.
    await rig.deliver(
      await customerMail(customer, 'Re: Broken lamp', 'It came broken too.', {
        inReplyTo: rig.sender.to(customer).at(-1)?.messageId ?? '',
      }),
      { from: customer, to: [SUPPORT] },
      { receivedAt: new Date() },
    );
    const next = rig.sender.to(owner).at(-1) as CapturedMail;
    conversation = await conversationOf(next);
    expect(conversation.promise).toMatchObject({ epoch: 2, state: 'open', kind: 'follow-up' });
    expect(await dueEntries(conversation)).toHaveLength(1);

    const waitDay = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const waited = await rig.deliver(await ownerAnswer(next, owner, `#wait ${waitDay}\nSupplier.`), {
      from: owner,
      to: [replyAddressOf(next)],
    });
    expect(waited.outcome).toMatchObject({ status: 'noted' });
    conversation = await conversationOf(next);
    expect(conversation.promise).toMatchObject({ epoch: 2, state: 'paused', waitUntil: waitDay });
    expect(await dueEntries(conversation)).toMatchObject([{ at: conversation.promise?.resumeAt }]);

    const closed = await rig.deliver(await ownerAnswer(next, owner, '#close'), {
      from: owner,
      to: [replyAddressOf(next)],
    });
    expect(closed.outcome).toMatchObject({
      status: 'noted',
      reason: 'closed',
      promiseEnd: { answered: false },
    });
    conversation = await conversationOf(next);
    expect(conversation.promise).toBeUndefined();
    expect(conversation.status).toBe('closed');
    expect(rig.sender.to(customer)).toHaveLength(1);
  });

  it('starts no promise for automatic mail, a resent duplicate or quarantined mail', async () => {
    const customer = 'robot@customer.test';
    const auto = await rig.deliver(
      await customerMail(customer, 'Automatic reply: hello', 'I am away.', {
        headers: { 'Auto-Submitted': 'auto-replied' },
      }),
      { from: customer, to: [SUPPORT] },
    );
    expect(auto.outcome?.status).toBe('automatic');
    const virus = await rig.deliver(
      await customerMail('eve@customer.test', 'Invoice', 'See attached.'),
      { from: 'eve@customer.test', to: [SUPPORT] },
      { verdicts: { virus: 'FAIL' } },
    );
    expect(virus.outcome?.status).toBe('quarantined');
    expect(rig.sender.to('robot@customer.test')).toEqual([]);
    for (const status of [auto.outcome, virus.outcome]) expect(status).not.toHaveProperty('conversationId');

    // The same mail resent (same Message-ID, a new inbound message): one relay, one promise, untouched.
    const sam = 'sam@customer.test';
    const raw = await customerMail(sam, 'Order', 'Where is it?', { messageId: '<order-1@customer.test>' });
    await rig.deliver(
      raw,
      { from: sam, to: [SUPPORT] },
      { receivedAt: new Date('2026-11-23T15:00:00.000Z') },
    );
    const relay = rig.sender.mails.at(-1) as CapturedMail;
    const first = await conversationOf(relay);
    const resent = await rig.deliver(raw, { from: sam, to: [SUPPORT] }, { receivedAt: new Date() });
    expect(resent.outcome?.status).toBe('duplicate');
    expect((await conversationOf(relay)).promise).toEqual(first.promise);
    expect((await conversationOf(relay)).promiseRev).toBe(first.promiseRev);
  });

  it('starts no promise for a mail over the sender hourly limit', async () => {
    const limited = await HandlerRig.create(engines, { config: { limits: { maxMailsPerSenderPerHour: 1 } } });
    const customer = 'fast@customer.test';
    await limited.deliver(
      await customerMail(customer, 'One', 'First.', { messageId: '<one@customer.test>' }),
      {
        from: customer,
        to: [SUPPORT],
      },
    );
    const relay = limited.sender.mails.at(-1) as CapturedMail;
    const owner = relay.envelope.to[0] ?? '';
    await limited.deliver(await ownerAnswer(relay, owner, 'Done.'), {
      from: owner,
      to: [replyAddressOf(relay)],
    });
    const id = String(relay.mail.headers.get('x-spoc-conversation') ?? '');
    expect((await limited.deps.store.getConversation(id))?.promise).toBeUndefined();
    const over = await limited.deliver(
      await customerMail(customer, 'Re: One', 'Second.', { inReplyTo: '<one@customer.test>' }),
      { from: customer, to: [SUPPORT] },
    );
    expect(over.outcome).toMatchObject({ status: 'rejected', reason: 'rate-limited' });
    expect((await limited.deps.store.getConversation(id))?.promise).toBeUndefined();
  });

  it('spoc stats counts the promises ended above per owner, with continuity a number from 0 to 1', async () => {
    const period = { from: '2026-11-01T00:00:00.000Z', to: new Date(Date.now() + 86_400_000).toISOString() };
    const figures = await gatherOwnerFigures(rig.deps.store, period);
    const withPromises = figures.filter((f) => f.promisesKept + f.promisesBroken > 0);
    // Pat's first mail (Monday 16:00, due Tuesday 11:30) was answered days later: broken. The paused
    // follow-up was closed: kept (it owed nothing while paused), and no answer for continuity.
    expect(withPromises).toHaveLength(1);
    expect(withPromises[0]).toMatchObject({
      promisesKept: 1,
      promisesBroken: 1,
      escalations: 0,
      continuity: 1,
    });
    expect(withPromises[0]?.firstResponseBusinessMedianSeconds).toBeGreaterThan(4 * 3600);
    for (const owner of figures) {
      expect(owner.continuity).toBeGreaterThanOrEqual(0);
      expect(owner.continuity).toBeLessThanOrEqual(1);
    }
  });
});
