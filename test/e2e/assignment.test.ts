import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { HandlerRig } from '../support/handler-rig.js';
import { customerMail, ownerAnswer, replyAddressOf } from '../support/mail-builder.js';
import { SimulatedQueue } from '../support/simulated-queue.js';

const SUPPORT = ['support@example.test'];
const TEAM = [
  { email: 'alice@example.test', name: 'Alice Smith' },
  { email: 'bob@example.test', name: 'Bob Jones' },
  { email: 'carol@example.test', name: 'Carol Diaz' },
];
const DAY_MS = 24 * 60 * 60 * 1000;

describe('assignment of new customers (handler, real engines)', () => {
  let engines: EmbeddedEngines;
  beforeAll(async () => {
    engines = await startEmbeddedEngines();
  });
  afterAll(async () => {
    await engines.close();
  });

  it('least-loaded: concurrent new customers even out the open counts, and #close takes one off', async () => {
    const rig = await HandlerRig.create(engines, {
      config: { owners: TEAM, assignment: { strategy: 'least-loaded' } },
    });
    const emails = TEAM.map((owner) => owner.email);
    // Alice already has 3 open conversations: the 12 new customers go mostly to the others.
    await rig.deps.store.addOpenCount('alice@example.test', 3);
    const queue = new SimulatedQueue(rig.handler, { maxReceiveCount: 5, batchSize: 3, concurrency: 4 });
    const customers = Array.from({ length: 12 }, (_, n) => `new${n}@customer${n}.test`);
    for (const from of customers) {
      queue.send(
        (await rig.receive(await customerMail(from, `Question ${from}`, 'Hello.'), { from, to: SUPPORT }))
          .record,
      );
    }
    expect((await queue.drain()).dlq).toEqual([]);

    const counts = await rig.deps.store.openCounts(emails);
    expect(emails.map((email) => counts.get(email))).toEqual([5, 5, 5]);
    const owned = await Promise.all(
      customers.map(async (email) => (await rig.deps.store.getCustomer(email))?.ownerEmail),
    );
    expect(emails.map((email) => owned.filter((owner) => owner === email).length)).toEqual([2, 5, 5]);
    expect(rig.sender.mails).toHaveLength(12);

    // The owner closes one conversation: their count goes down by one.
    const relay = rig.sender.mails.find((mail) => mail.envelope.to[0] === 'bob@example.test');
    if (!relay) throw new Error('bob received no relay');
    await rig.deliver(await ownerAnswer(relay, 'bob@example.test', '#close\nGlad it works now.'), {
      from: 'bob@example.test',
      to: [replyAddressOf(relay)],
    });
    expect((await rig.deps.store.openCounts(['bob@example.test'])).get('bob@example.test')).toBe(4);
  });

  it('an owner whose absence starts tomorrow receives no new customer; their own customers still reach them', async () => {
    const rig = await HandlerRig.create(engines, { config: { owners: TEAM.slice(0, 2) } });
    const bobsCustomer = 'earlier@customer.test';
    await rig.deps.store.createCustomer({
      email: bobsCustomer,
      ownerEmail: 'bob@example.test',
      since: new Date().toISOString(),
    });
    const bob = await rig.deps.store.getOwner('bob@example.test');
    if (!bob) throw new Error('bob is not an owner');
    const now = Date.now();
    await rig.deps.store.putOwner({
      ...bob,
      away: {
        since: new Date(now + DAY_MS).toISOString(),
        until: new Date(now + 6 * DAY_MS).toISOString().slice(0, 10),
        backupEmail: 'alice@example.test',
      },
    });
    for (let n = 0; n < 4; n += 1) {
      const from = `fresh${n}@customer${n}.test`;
      await rig.deliver(await customerMail(from, `Question ${n}`, 'Hello.'), { from, to: SUPPORT });
      expect((await rig.deps.store.getCustomer(from))?.ownerEmail).toBe('alice@example.test');
    }
    expect(rig.sender.mails.map((mail) => mail.envelope.to)).toEqual(Array(4).fill(['alice@example.test']));
    // Bob is not away yet: his own customer's mail reaches him, not his backup.
    await rig.deliver(await customerMail(bobsCustomer, 'Still there?', 'Hello again.'), {
      from: bobsCustomer,
      to: SUPPORT,
    });
    expect(rig.sender.mails.at(-1)?.envelope.to).toEqual(['bob@example.test']);
  });
});
