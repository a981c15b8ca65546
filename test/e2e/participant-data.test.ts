import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../lib/cli/run-cli.js';
import { LocalHarness, TEST_CONFIG_INPUT } from '../support/local-harness.js';

const JANE = 'jane@customer.test';
const CAROL = 'carol@customer.test';

describe('spoc export and spoc forget of someone on Cc of a customer’s conversation', () => {
  let harness: LocalHarness;
  let base: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-participant-'));
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

  it('exports the conversations they are on and their own mails, and forgetting takes them off Cc', async () => {
    const first = await harness.send({
      from: JANE,
      to: 'support@example.test',
      cc: CAROL,
      subject: 'Q',
      text: 'Hi',
    });
    await harness.send({
      from: CAROL,
      to: 'support@example.test',
      cc: JANE,
      subject: 'Re: Q',
      text: 'Carol here, adding detail.',
      inReplyTo: first,
      references: [first],
    });
    const [conversation] = await harness.server.deps.store.listConversations(JANE);
    expect(conversation?.participants).toEqual([CAROL]);

    const exported = await cli('export', CAROL);
    expect(exported.err).toBe('');
    const document = JSON.parse(exported.out) as {
      items: Array<Record<string, unknown>>;
      onCcOfConversations: string[];
      rawMailKeys: string[];
    };
    expect(document.onCcOfConversations).toEqual([conversation?.id]);
    const mails = document.items.filter((item) => item.fromAddress === CAROL);
    expect(mails.map((m) => String(m.text).trim())).toEqual(['Carol here, adding detail.']);
    // Jane's own mail is not Carol's to export.
    expect(document.items.some((item) => item.fromAddress === JANE)).toBe(false);
    expect(document.rawMailKeys).toHaveLength(1);

    expect((await cli('forget', CAROL, '--yes')).code).toBe(0);
    const after = await harness.server.deps.store.getConversation(conversation?.id as string);
    expect(after?.participants).toEqual([]);
    const left = await harness.server.deps.store.listMessages(conversation?.id as string);
    expect(left.map((m) => m.fromAddress)).toEqual([JANE]);
    expect((await cli('export', CAROL)).code).not.toBe(0);
  });
});
