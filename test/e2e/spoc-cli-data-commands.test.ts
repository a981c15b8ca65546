import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../lib/cli/run-cli.js';
import type { Customer, Owner } from '../../lib/domain/types.js';
import { LocalHarness, TEST_CONFIG_INPUT } from '../support/local-harness.js';

const CONFIG = {
  ...TEST_CONFIG_INPUT,
  owners: [
    { email: 'alice@example.test', name: 'Alice Smith' },
    { email: 'bob@example.test', name: 'Bob Jones' },
    { email: 'carol@example.test', name: 'Carol King', active: false },
  ],
};

describe('spoc data commands on a running local mode', () => {
  let harness: LocalHarness;
  let base: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-cli-data-'));
    await writeFile(join(base, 'spoc.config.json'), JSON.stringify(CONFIG));
    harness = await LocalHarness.start({
      dataDir: join(base, 'data'),
      outboxDir: join(base, 'outbox'),
      config: CONFIG,
    });
    env = {
      SPOC_DATA_DIR: harness.dataDir,
      SPOC_OUTBOX_DIR: harness.outboxDir,
      SPOC_CONFIG: join(base, 'spoc.config.json'),
    };
    for (const from of ['jane@customer.test', 'sam@customer.test', 'kim@customer.test']) {
      await harness.send({ from, to: 'support@example.test', subject: `From ${from}`, text: 'Hello.' });
    }
    await harness.newOutboxMails();
  });
  afterAll(async () => {
    await harness.stop();
    await rm(base, { recursive: true, force: true });
  });

  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd: base });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  async function json<T>(...argv: string[]): Promise<T> {
    const result = await cli(...argv, '--json');
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.out) as T;
  }
  const ownerOf = async (customer: string) =>
    (await json<{ customer: Customer }>('customer', 'show', customer)).customer.ownerEmail;
  const day = (offsetDays: number) =>
    new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

  it('--owner takes an owner by full name as by address; an unknown owner is an error', async () => {
    const all = await json<Customer[]>('customer', 'list');
    expect(all).toHaveLength(3);
    for (const [name, email] of [
      ['Alice Smith', 'alice@example.test'],
      ['bob jones', 'bob@example.test'],
    ]) {
      const mine = all.filter((c) => c.ownerEmail === email).map((c) => c.email);
      const byName = await json<Customer[]>('customer', 'list', '--owner', name as string);
      expect(byName.map((c) => c.email).sort()).toEqual(mine.sort());
      const conversations = await json<Array<{ customerEmail: string }>>(
        'conversation',
        'list',
        '--owner',
        name as string,
      );
      expect(conversations.map((c) => c.customerEmail).sort()).toEqual(mine.sort());
    }
    for (const command of ['customer', 'conversation']) {
      const unknown = await cli(command, 'list', '--owner', 'Nobody Here');
      expect(unknown.code).toBe(2);
      expect(unknown.err).toContain('no owner "Nobody Here"');
    }
  });

  it('owner list --json carries the customer count the table shows', async () => {
    const owners = await json<Array<Owner & { customers: number }>>('owner', 'list');
    const customers = await json<Customer[]>('customer', 'list');
    for (const owner of owners) {
      expect(owner.customers).toBe(customers.filter((c) => c.ownerEmail === owner.email).length);
    }
  });

  it('refuses to remove an owner who still has customers unless handed off or confirmed, and drops their domain rules', async () => {
    expect((await cli('owner', 'add', 'dan@example.test', '--name', 'Dan Brown')).code).toBe(0);
    expect((await cli('customer', 'domain', 'add', 'acme.test', 'Dan Brown')).code).toBe(0);
    await harness.send({ from: 'ann@acme.test', to: 'support@example.test', subject: 'Hi', text: 'Hi.' });
    await harness.newOutboxMails();
    expect(await ownerOf('ann@acme.test')).toBe('dan@example.test');

    const refused = await cli('owner', 'remove', 'dan@example.test');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('still owns 1 customer(s)');
    expect(refused.err).toContain('--handoff-to <owner>');
    expect(refused.err).toContain('--yes');
    expect((await json<Owner[]>('owner', 'list')).map((o) => o.email)).toContain('dan@example.test');

    const removed = await cli('owner', 'remove', 'dan@example.test', '--yes');
    expect(removed.code).toBe(0);
    expect(removed.out).toContain('removed their domain rules: acme.test');
    expect((await json<Owner[]>('owner', 'list')).map((o) => o.email)).not.toContain('dan@example.test');
    expect(await json<Array<{ domain: string }>>('customer', 'domain', 'list')).toEqual([]);
  });

  it('refuses a domain rule naming an owner the assignment would pass over', async () => {
    const inactive = await cli('customer', 'domain', 'add', 'beta.test', 'carol@example.test');
    expect(inactive.code).toBe(2);
    expect(inactive.err).toContain('carol@example.test is not an active owner');
    expect(await json<Array<{ domain: string }>>('customer', 'domain', 'list')).toEqual([]);
  });

  it('owner back sends no empty digest; a digest names the day the owner really came back', async () => {
    // Messages are dated by their Date header, in whole seconds, so an absence counts from the start of
    // its second: begin it in a second of its own, after the earlier tests' mail.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
    expect((await cli('owner', 'away', 'Alice Smith', '--until', day(5), '--backup', 'Bob Jones')).code).toBe(
      0,
    );
    const quiet = await cli('owner', 'back', 'Alice Smith');
    expect(quiet.code).toBe(0);
    expect(quiet.out).toContain(`Alice Smith is back (${day(0)}); nothing happened`);
    expect(await harness.newOutboxMails()).toEqual([]);

    expect((await cli('customer', 'assign', 'kim@customer.test', '--to', 'Alice Smith')).code).toBe(0);
    await harness.newOutboxMails();
    expect((await cli('owner', 'away', 'Alice Smith', '--until', day(5), '--backup', 'Bob Jones')).code).toBe(
      0,
    );
    await harness.send({
      from: 'kim@customer.test',
      to: 'support@example.test',
      subject: 'Still there?',
      text: 'Hm.',
    });
    await harness.newOutboxMails();
    const back = await cli('owner', 'back', 'Alice Smith');
    expect(back.out).toContain('digest sent');
    const [digest, ...rest] = await harness.newOutboxMails();
    expect(rest).toEqual([]);
    expect(digest?.mail.to[0]?.address).toBe('alice@example.test');
    expect(digest?.mail.text).toContain(`to ${day(0)})`);
    expect(digest?.mail.text).not.toContain(day(5));
  });

  it('replay of an id that names no stored mail is an error', async () => {
    const result = await cli('replay', 'no-such-id');
    expect(result.code).toBe(2);
    expect(result.err).toContain('no stored mail "no-such-id"');
  });

  it('forget removes the envelopes and resend markers local mode keeps beside the raw mail', async () => {
    const exported = await json<{ rawMailKeys: string[] }>('export', 'sam@customer.test');
    const ids = exported.rawMailKeys.map((key) => key.slice('inbound/'.length));
    expect(ids.length).toBeGreaterThan(0);
    const { rawMail } = harness.server.deps;
    const namingSam = async () => {
      const envelopes = (await rawMail.listKeys('envelope/')).filter((key) =>
        ids.some((id) => key === `envelope/${id}.json`),
      );
      const markers: string[] = [];
      for (const key of await rawMail.listKeys('received/')) {
        if (ids.includes((await rawMail.getRaw(key)).toString('utf8'))) markers.push(key);
      }
      return [...envelopes, ...markers];
    };
    expect(await namingSam()).toHaveLength(2 * ids.length);
    const forgot = await cli('forget', 'sam@customer.test', '--yes');
    expect(forgot.code).toBe(0);
    expect(await namingSam()).toEqual([]);
    expect(await rawMail.listKeys('inbound/')).not.toContain(`inbound/${ids[0]}`);
    // Everybody else's mail is still there.
    expect((await rawMail.listKeys('envelope/')).length).toBeGreaterThan(0);
  });
});

describe('spoc dev on data whose owners moved on from the config file', () => {
  it('refuses to start when a config domain rule names someone the store has no active owner for', async () => {
    const base = await mkdtemp(join(tmpdir(), 'spoc-cli-rules-'));
    try {
      const dataDir = join(base, 'data');
      // The store is seeded once, from the config of that day.
      const first = await LocalHarness.start({ dataDir, outboxDir: join(base, 'outbox'), config: CONFIG });
      await first.stop();
      const later = {
        ...CONFIG,
        owners: [...CONFIG.owners, { email: 'dan@example.test', name: 'Dan Brown' }],
        assignment: { domains: { 'acme.test': 'dan@example.test' } },
      };
      await writeFile(join(base, 'spoc.config.json'), JSON.stringify(later));
      const err: string[] = [];
      const code = await runCli(['dev'], {
        out: () => undefined,
        err: (t) => err.push(t),
        env: {
          SPOC_DATA_DIR: dataDir,
          SPOC_OUTBOX_DIR: join(base, 'outbox'),
          SPOC_SMTP_PORT: '0',
          SPOC_CONFIG: join(base, 'spoc.config.json'),
          POWERTOOLS_LOG_LEVEL: 'SILENT',
        },
        cwd: base,
      });
      expect(code).toBe(1);
      expect(err.join('\n')).toContain(
        'assignment.domains.acme.test: names dan@example.test, who is not an active owner in data',
      );
      // Stopped cleanly: the data directory is free again.
      const again = await LocalHarness.start({ dataDir, outboxDir: join(base, 'outbox'), config: CONFIG });
      await again.stop();
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
