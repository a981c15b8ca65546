import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../lib/cli/run-cli.js';
import { dueEntryKey } from '../../lib/domain/due-index.js';
import { LocalHarness, TEST_CONFIG_INPUT } from '../support/local-harness.js';

const JANE = 'jane.promise@customer.test';

/**
 * Local mode through SMTP: a customer mail opens the promise; `spoc export` carries it and how the
 * answer kept it; `spoc forget` removes both, and the due index no longer lists the conversation.
 */
describe('the response promise in spoc export and spoc forget', () => {
  let harness: LocalHarness;
  let base: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-promise-'));
    await writeFile(join(base, 'spoc.config.json'), JSON.stringify(TEST_CONFIG_INPUT));
    harness = await LocalHarness.start({ dataDir: join(base, 'data'), outboxDir: join(base, 'outbox') });
    env = {
      SPOC_DATA_DIR: harness.dataDir,
      SPOC_OUTBOX_DIR: harness.outboxDir,
      SPOC_CONFIG: join(base, 'spoc.config.json'),
    };
  });
  afterAll(async () => {
    await harness.stop();
    await rm(base, { recursive: true, force: true });
  });

  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd: base });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  const store = () => harness.server.deps.store;

  it('exports the open promise, then the answer that kept it; forget leaves neither, nor a due entry', async () => {
    await harness.send({ from: JANE, to: 'support@example.test', subject: 'Lamp', text: 'It broke.' });
    const [conversation] = await store().listConversations(JANE);
    if (!conversation?.promise) throw new Error('the customer mail opened no promise');
    expect(conversation.promise).toMatchObject({ state: 'open', kind: 'first-response' });
    const { bucket } = dueEntryKey(conversation.promise, conversation.id, new Date());
    expect((await store().readDueBucket(bucket)).map((e) => e.conversationId)).toContain(conversation.id);

    const due = JSON.parse((await cli('due', '--json')).out) as Array<Record<string, unknown>>;
    expect(due.filter((entry) => entry.customer === JANE)).toEqual([
      {
        customer: JANE,
        conversationId: conversation.id,
        owner: conversation.ownerEmail,
        state: 'open',
        nudgeAt: conversation.promise.nudgeAt,
        dueAt: conversation.promise.dueAt,
      },
    ]);

    const opened = JSON.parse((await cli('export', JANE)).out) as { items: Array<Record<string, unknown>> };
    expect(opened.items.find((item) => item.id === conversation.id)?.promise).toEqual(conversation.promise);

    const [relay] = (await harness.newOutboxMails()).filter((m) => m.mail.replyTo.length > 0);
    const owner = relay?.mail.to[0]?.address ?? '';
    await harness.send({
      from: owner,
      to: relay?.mail.replyTo[0]?.address ?? '',
      subject: `Re: ${relay?.mail.subject}`,
      text: 'A new one is on its way.',
      inReplyTo: relay?.mail.messageId,
    });
    const after = JSON.parse((await cli('due', '--json')).out) as Array<Record<string, unknown>>;
    expect(after.filter((entry) => entry.customer === JANE)).toEqual([]);
    const answered = JSON.parse((await cli('export', JANE)).out) as { items: Array<Record<string, unknown>> };
    expect(answered.items.find((item) => item.id === conversation.id)).not.toHaveProperty('promise');
    expect(answered.items.find((item) => item.direction === 'to-customer')?.promiseEnd).toMatchObject({
      ownerEmail: owner,
      result: 'kept',
      answered: true,
      byOwner: true,
    });

    // A second mail opens the next promise, which forget must take with it.
    await harness.send({ from: JANE, to: 'support@example.test', subject: 'Re: Lamp', text: 'Thanks!' });
    const waiting = (await store().listConversations(JANE)).find((c) => c.promise);
    if (!waiting?.promise) throw new Error('the second mail opened no promise');
    const next = dueEntryKey(waiting.promise, waiting.id, new Date()).bucket;

    expect((await cli('forget', JANE, '--yes')).code).toBe(0);
    expect(await store().getConversation(conversation.id)).toBeUndefined();
    expect(await store().getConversation(waiting.id)).toBeUndefined();
    for (const day of new Set([bucket, next])) {
      const left = (await store().readDueBucket(day)).filter((e) => e.customerEmail === JANE);
      expect(left).toEqual([]);
    }
  });
});
