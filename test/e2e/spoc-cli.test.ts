import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../../lib/mail/parse-mail.js';
import { runSpoc, startSpocDev } from '../support/spoc-process.js';

describe('the spoc command and local mode as a user runs them', () => {
  let base: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-cli-'));
    env = {
      SPOC_DATA_DIR: join(base, 'data'),
      SPOC_OUTBOX_DIR: join(base, 'outbox'),
      SPOC_SMTP_PORT: '0',
      SPOC_CONFIG: join(base, 'absent.json'),
    };
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  const outbox = async () => {
    const files = (await readdir(join(base, 'outbox')).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.eml'))
      .sort();
    const { readFile } = await import('node:fs/promises');
    return Promise.all(files.map(async (f) => parseMail(await readFile(join(base, 'outbox', f)))));
  };

  it('runs on the built-in defaults, relays a mail sent with `spoc send`, keeps data across a restart, and stops on Ctrl-C', async () => {
    const dev = await startSpocDev(env);
    expect(dev.output()).toContain('support@example.test');
    expect(dev.output()).toContain('Alice Smith <alice@example.test>');
    expect(dev.output()).toContain('npx spoc send');

    const sent = await runSpoc(
      ['send', '--from', 'jane@customer.test', '--subject', 'Order', '--text', 'Late again'],
      {
        ...env,
        SPOC_SMTP_PORT: String(dev.smtpPort),
      },
    );
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const first = await outbox();
    const relay = first.find((m) => m.headers.has('x-spoc-conversation'));
    const owner = relay?.to[0]?.address;
    expect(owner).toMatch(/^(alice|bob)@example\.test$/);
    // The built-in defaults greet a new customer once, from their owner's name.
    expect(first).toHaveLength(2);
    const greeting = first.find((m) => m.to[0]?.address === 'jane@customer.test');
    expect(greeting?.from?.address).toBe('support@example.test');

    // Owner commands reach the running server's engines.
    const added = await runSpoc(['owner', 'add', 'Carol@Example.test', '--name', 'Carol King'], env);
    expect(added.code).toBe(0);
    expect(await dev.stop()).toBe(0);

    const again = await startSpocDev(env);
    const listed = await runSpoc(['owner', 'list', '--json'], env);
    const owners = JSON.parse(listed.stdout) as Array<{ email: string }>;
    expect(owners.map((o) => o.email).sort()).toEqual([
      'alice@example.test',
      'bob@example.test',
      'carol@example.test',
    ]);

    // The customer is remembered: a follow-up goes to the same owner, in the same conversation.
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: again.smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    await transport.sendMail({
      from: 'jane@customer.test',
      to: 'support@example.test',
      subject: 'Re: Order',
      text: 'Any news?',
      // As if the customer's client followed up on their own first mail.
      inReplyTo: /sent (<[^>]+>)/.exec(sent.stdout)?.[1],
    });
    transport.close();
    const all = await outbox();
    // A follow-up gets no second greeting.
    expect(all).toHaveLength(3);
    const relays = all.filter((m) => m.headers.has('x-spoc-conversation'));
    expect(relays).toHaveLength(2);
    expect(relays[1]?.to[0]?.address).toBe(owner);
    expect(relays[1]?.headers.get('x-spoc-conversation')).toEqual(relay?.headers.get('x-spoc-conversation'));
    expect(await again.stop()).toBe(0);
  }, 120_000);

  it('lists owners as a table, and removes one, on the data directory without a running server', async () => {
    const listed = await runSpoc(['owner', 'list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/EMAIL\s+NAME\s+ACTIVE\s+CUSTOMERS/);
    expect(listed.stdout).toContain('Carol King');
    const removed = await runSpoc(['owner', 'remove', 'carol@example.test'], env);
    expect(removed.code).toBe(0);
    const after = JSON.parse((await runSpoc(['owner', 'list', '--json'], env)).stdout) as Array<{
      email: string;
    }>;
    expect(after.map((o) => o.email)).not.toContain('carol@example.test');
  }, 60_000);

  it('answers wrong usage with exit code 2 and a hint', async () => {
    const unknown = await runSpoc(['frobnicate'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('spoc help');
    const noName = await runSpoc(['owner', 'add', 'dan@example.test'], env);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain('--name');
    const badFlag = await runSpoc(['owner', 'list', '--jsno'], env);
    expect(badFlag.code).toBe(2);
    const notRunning = await runSpoc(['send'], { ...env, SPOC_SMTP_PORT: '1' });
    expect(notRunning.code).toBe(2);
    expect(notRunning.stderr).toContain('npm start');
  }, 60_000);

  it('refuses a broken config naming the field', async () => {
    const configPath = join(base, 'broken.json');
    await writeFile(
      configPath,
      JSON.stringify({ supportAddress: 'not-an-address', replyDomain: 'reply.example.test' }),
    );
    const result = await runSpoc(['dev'], { ...env, SPOC_CONFIG: configPath });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('supportAddress');
    const badPort = await runSpoc(['dev'], { ...env, SPOC_SMTP_PORT: 'abc' });
    expect(badPort.code).toBe(1);
    expect(badPort.stderr).toContain('SPOC_SMTP_PORT');
  }, 60_000);
});

describe('the spoc command beside a running spoc dev', () => {
  let base: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-cli-running-'));
    env = {
      SPOC_DATA_DIR: join(base, 'data'),
      SPOC_OUTBOX_DIR: join(base, 'outbox'),
      SPOC_SMTP_PORT: '0',
      SPOC_CONFIG: join(base, 'absent.json'),
    };
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  const emlIn = async (dir: string) =>
    (await readdir(join(base, dir)).catch(() => [] as string[])).filter((f) => f.endsWith('.eml')).sort();

  it("uses the running server's SMTP port and outbox, refuses a second server, and reads addresses with names", async () => {
    const dev = await startSpocDev(env);
    try {
      // As a second terminal runs it: with SPOC_SMTP_PORT=0 (or unset) and without the outbox variable.
      const elsewhere = { ...env, SPOC_OUTBOX_DIR: join(base, 'elsewhere') };
      const sent = await runSpoc(['send', '--from', 'Zoë <zoe@x.test>', '--subject', 'Hallo'], elsewhere);
      expect(sent.stderr).toBe('');
      expect(sent.code).toBe(0);
      expect(sent.stdout).toContain(`127.0.0.1:${dev.smtpPort}`);
      expect(sent.stdout).toContain(join(base, 'outbox'));
      const [relayFile] = await emlIn('outbox');
      const { readFile } = await import('node:fs/promises');
      const relay = await parseMail(await readFile(join(base, 'outbox', relayFile ?? '')));
      expect(relay.subject).toBe('Hallo');
      expect(relay.from?.name).toContain('Zoë');
      const owner = relay.to[0]?.address;

      // Mail a command sends goes where the server's mail goes.
      const other = owner === 'alice@example.test' ? 'bob@example.test' : 'alice@example.test';
      const assigned = await runSpoc(['customer', 'assign', 'zoe@x.test', '--to', other], elsewhere);
      expect(assigned.stderr).toBe('');
      expect(assigned.code).toBe(0);
      expect(await emlIn('elsewhere')).toEqual([]);
      expect((await emlIn('outbox')).length).toBeGreaterThan(2);

      const badFrom = await runSpoc(['send', '--from', 'Zoë zoe at x.test'], env);
      expect(badFrom.code).toBe(2);
      expect(badFrom.stderr).toBe(
        'spoc: --from must be one email address, as a@b.test or "Full Name <a@b.test>", got "Zoë zoe at x.test"\n',
      );

      const second = await runSpoc(['dev'], env);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`already running on ${join(base, 'data')}`);
      expect(second.stderr).toContain(`pid ${dev.child.pid}, SMTP port ${dev.smtpPort}`);
      expect(second.stderr).not.toContain('Database is closed');
      // The refused start left the running server alone.
      expect((await runSpoc(['send'], env)).code).toBe(0);
    } finally {
      expect(await dev.stop()).toBe(0);
    }
    const stopped = await runSpoc(['send'], env);
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toContain('npm start');
  }, 120_000);

  it('prints no warning the user can do nothing about', async () => {
    const listed = await runSpoc(['owner', 'list'], {
      ...env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
      AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: undefined,
    });
    expect(listed.code).toBe(0);
    expect(listed.stderr).toBe('');
  }, 60_000);
});
