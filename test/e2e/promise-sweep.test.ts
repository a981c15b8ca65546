import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../lib/cli/run-cli.js';
import { openPromise } from '../../lib/domain/promise-state.js';
import { promiseTimes } from '../../lib/domain/response-promise.js';
import type { Conversation } from '../../lib/domain/types.js';
import { LocalHarness, type OutboxMail, TEST_CONFIG_INPUT } from '../support/local-harness.js';

const CONFIG = {
  ...TEST_CONFIG_INPUT,
  owners: [...TEST_CONFIG_INPUT.owners, { email: 'carol@example.test', name: 'Carol King' }],
  escalation: { defaultBackup: 'bob@example.test', leadAddress: 'lead@example.test' },
};

const to = (m: OutboxMail) => m.mail.to.map((a) => a.address);

/**
 * Local mode through SMTP: a customer mail waits, and `spoc sweep --at` moves the clock past the nudge,
 * the due time and the backup's due time. The relay path does not start promises yet, so the test
 * starts this one through the store with the pure transition, at the relayed mail's time.
 */
describe('the promise sweep in local mode, through SMTP and the spoc command', () => {
  let harness: LocalHarness;
  let env: NodeJS.ProcessEnv;
  let conversation: Conversation;
  let times: { nudgeAt: Date; dueAt: Date };
  let handoverMail: OutboxMail | undefined;
  const out: string[] = [];
  const cli = async (...argv: string[]) => {
    out.length = 0;
    const code = await runCli(argv, {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
      env,
      cwd: harness.dataDir,
    });
    return code;
  };
  const sweepAt = async (at: Date) => {
    expect(await cli('sweep', '--at', at.toISOString())).toBe(0);
    return harness.newOutboxMails();
  };

  beforeAll(async () => {
    harness = await LocalHarness.start({ config: CONFIG, sweepIntervalMs: 0 });
    const configPath = join(harness.dataDir, '..', 'spoc.config.json');
    await writeFile(configPath, JSON.stringify(CONFIG));
    env = { SPOC_DATA_DIR: harness.dataDir, SPOC_CONFIG: configPath, SPOC_OUTBOX_DIR: harness.outboxDir };
    await harness.send({
      from: '"Jane Doe" <jane@customer.test>',
      to: 'support@example.test',
      subject: 'Where is my order?',
      text: 'Order 4711 has not arrived.',
    });
    const relayed = await harness.newOutboxMails();
    expect(relayed.map(to)).toEqual([['alice@example.test']]);
    const store = harness.server.deps.store;
    const [found] = await store.listConversations('jane@customer.test');
    if (!found) throw new Error('no conversation');
    conversation = found;
    const owner = await store.getOwner(found.ownerEmail);
    // The relay opened the promise, with the times of its first response from when the mail arrived.
    if (!found.promise) throw new Error('the relay opened no promise');
    times = promiseTimes({
      receivedAt: new Date(found.promise.waitingSince),
      kind: 'first-response',
      owner: owner ?? {},
      defaultHours: harness.config.hours,
      holidays: harness.config.holidays,
      promise: harness.config.promise,
    });
    expect(found.promise).toEqual(
      openPromise({}, { receivedAt: new Date(found.promise.waitingSince), kind: 'first-response', times })
        .promise,
    );
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  });

  it('lists the promise with spoc due --json, in the shape the issue names', async () => {
    expect(await cli('due', '--json')).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual([
      {
        customer: 'jane@customer.test',
        conversationId: conversation.id,
        owner: 'alice@example.test',
        state: 'open',
        nudgeAt: times.nudgeAt.toISOString(),
        dueAt: times.dueAt.toISOString(),
      },
    ]);
  });

  it('sends nothing before the nudge time', async () => {
    expect(await sweepAt(new Date(times.nudgeAt.getTime() - 1000))).toEqual([]);
  });

  it('nudges the owner once, in the thread, from the reply address; answering it reaches the customer', async () => {
    const mails = await sweepAt(times.nudgeAt);
    expect(mails.map(to)).toEqual([['alice@example.test']]);
    const [nudge] = mails;
    expect(nudge?.mail.text).toContain('has been waiting for an answer since');
    expect(nudge?.mail.replyTo[0]?.address).toMatch(/^reply\+.*@reply\.example\.test$/);
    expect(nudge?.mail.inReplyTo).toBeDefined();
    expect(await sweepAt(times.nudgeAt)).toEqual([]);
  });

  it('at the due time gives the backup the conversation with its history and tells the owner once', async () => {
    const mails = await sweepAt(times.dueAt);
    expect(mails.map(to).sort()).toEqual([['alice@example.test'], ['bob@example.test']]);
    const handover = mails.find((m) => to(m)[0] === 'bob@example.test');
    expect(handover?.mail.text).toContain('Order 4711 has not arrived.');
    expect(handover?.mail.replyTo[0]?.address).toMatch(/^reply\+/);
    expect(mails.find((m) => to(m)[0] === 'alice@example.test')?.mail.text).toContain(
      'went to your backup, Bob Jones',
    );
    handoverMail = handover;
    expect(await sweepAt(times.dueAt)).toEqual([]);
    // Ownership stays.
    expect((await harness.server.deps.store.getConversation(conversation.id))?.ownerEmail).toBe(
      'alice@example.test',
    );
    expect(await cli('due', '--json')).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject([{ state: 'escalated', owner: 'alice@example.test' }]);
  });

  it("tells the lead once when the backup's span ran out too, and nothing more after", async () => {
    const promise = (await harness.server.deps.store.getConversation(conversation.id))?.promise;
    const backupDueAt = new Date(promise?.backupDueAt ?? '');
    expect(await sweepAt(new Date(backupDueAt.getTime() - 1000))).toEqual([]);
    const mails = await sweepAt(backupDueAt);
    expect(mails.map(to)).toEqual([['lead@example.test']]);
    const text = mails[0]?.mail.text ?? '';
    expect(text).toContain('jane@customer.test');
    expect(text).toContain('Owner: Alice Smith. Backup: Bob Jones');
    expect(text).toMatch(/has waited \d+ (day|hour)/);
    expect(await sweepAt(backupDueAt)).toEqual([]);
    expect(await sweepAt(new Date(backupDueAt.getTime() + 30 * 24 * 3600 * 1000))).toEqual([]);
  });

  it('takes the backup answer to the handover as a cover answer: the customer hears Bob covering for Alice, the promise ends', async () => {
    const handover = handoverMail?.mail;
    if (!handover) throw new Error('no handover');
    const replyAddress = handover.replyTo[0]?.address ?? '';
    await harness.send({
      from: '"Bob Jones" <bob@example.test>',
      to: replyAddress,
      subject: `Re: ${handover.subject}`,
      text: 'Your order ships today, Jane.',
      ...(handover.messageId ? { inReplyTo: handover.messageId, references: [handover.messageId] } : {}),
      envelope: { from: 'bob@example.test', to: [replyAddress] },
    });
    const [answer, ...rest] = await harness.newOutboxMails();
    expect(rest).toEqual([]);
    expect(answer && to(answer)).toEqual(['jane@customer.test']);
    expect(answer?.mail.from).toEqual({ address: 'support@example.test', name: 'Bob Jones' });
    expect(answer?.mail.text).toContain('Your order ships today, Jane.');
    expect(answer?.mail.text).toContain('Bob Jones, covering for Alice Smith');
    // Ownership stays with Alice; the answer kept the customer's wait from going on: no promise runs.
    const after = await harness.server.deps.store.getConversation(conversation.id);
    expect(after?.ownerEmail).toBe('alice@example.test');
    expect(after?.promise).toBeUndefined();
    expect(await cli('due', '--json')).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual([]);
  });

  it('refuses --at against a deployed table, with a clear error', async () => {
    expect(await cli('sweep', '--at', '2026-12-04T15:00:00Z', '--table', 'spoc-table')).toBe(2);
    expect(out.join('\n')).toContain('--at');
    expect(out.join('\n')).toContain('local mode only');
  });
});
