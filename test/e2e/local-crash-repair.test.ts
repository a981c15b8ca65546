import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/load-config.js';
import { type DevServer, startDevServer } from '../../lib/local/dev-server.js';
import { DEFAULT_LOCAL_BUCKET } from '../../lib/local/embedded-engines.js';
import { fingerprint, isLocalInboundId } from '../../lib/local/local-inbound-queue.js';
import { loadOrCreateLocalSecret } from '../../lib/local/local-secret.js';
import { newInboundId } from '../../lib/local/synthesize-ses-event.js';
import type { MailSender, OutgoingMail, SendReceipt } from '../../lib/ports/mail-sender.js';
import { TEST_CONFIG_INPUT } from '../support/local-harness.js';

const CONFIG = parseConfig(TEST_CONFIG_INPUT);
const FROM = 'kim@crash.test';
const TO = ['support@example.test'];

function mail(n: number): Promise<Buffer> {
  return new MailComposer({
    from: FROM,
    to: TO[0],
    subject: `Crash repair ${n}`,
    text: `Mail ${n}.`,
    messageId: `<repair-${n}@crash.test>`,
  })
    .compile()
    .build();
}

/** Writes an object the way s3rver stores it, as a crash may have left it. */
async function writeObject(dataDir: string, key: string, content: Buffer | string, metadata = '{}') {
  const parts = key.split('/');
  const name = parts.pop() ?? key;
  const directory = join(dataDir, 'engines', 's3', DEFAULT_LOCAL_BUCKET, ...parts);
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, `${name}._S3rver_object`), content);
  await writeFile(join(directory, `${name}._S3rver_metadata.json`), metadata);
}

function envelope(): string {
  return JSON.stringify({
    envelopeFrom: FROM,
    recipients: TO,
    remoteAddress: '127.0.0.1',
    receivedAt: new Date().toISOString(),
  });
}

function send(port: number, raw: Buffer): Promise<unknown> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  return transport.sendMail({ raw, envelope: { from: FROM, to: TO } }).finally(() => transport.close());
}

/** A sender that holds every mail until released. */
class HeldSender implements MailSender {
  readonly sent: OutgoingMail[] = [];
  private release!: () => void;
  private readonly released = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  async send(outgoing: OutgoingMail): Promise<SendReceipt> {
    await this.released;
    this.sent.push(outgoing);
    return {};
  }
  open(): void {
    this.release();
  }
}

async function outcomes(server: DevServer): Promise<Map<string, string | undefined>> {
  const keys = await server.deps.rawMail.listKeys('inbound/');
  const result = new Map<string, string | undefined>();
  for (const key of keys) {
    const id = key.slice('inbound/'.length);
    result.set(
      id,
      isLocalInboundId(id) ? (await server.deps.store.getInbound(id))?.outcome?.status : 'bad-id',
    );
  }
  return result;
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('local mode after a kill -9', () => {
  let base: string;
  let server: DevServer | undefined;
  const start = async (sender?: MailSender) => {
    server = await startDevServer({
      config: CONFIG,
      dataDir: join(base, 'data'),
      outboxDir: join(base, 'outbox'),
      smtpPort: 0,
      logLevel: 'SILENT',
      ...(sender ? { sender } : {}),
    });
    return server;
  };
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(base, { recursive: true, force: true });
  });

  it('a 0-byte s3rver metadata file is repaired on start and its mail read', async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-repair-'));
    const raw = await mail(1);
    const inboundId = newInboundId(new Date());
    await writeObject(join(base, 'data'), `envelope/${inboundId}.json`, envelope());
    await writeObject(join(base, 'data'), `inbound/${inboundId}`, raw, '');

    const dev = await start();

    expect((await dev.deps.rawMail.getRaw(`inbound/${inboundId}`)).equals(raw)).toBe(true);
    await waitFor(async () => (await outcomes(dev)).get(inboundId) !== undefined);
    expect((await outcomes(dev)).get(inboundId)).toBe('relayed-to-owner');
  });

  it('a resend after a 0-byte `received/` marker is stored under a new id, never the empty one', async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-repair-'));
    const raw = await mail(2);
    const marker = fingerprint({ raw, envelopeFrom: FROM, recipients: TO, remoteAddress: '127.0.0.1' });
    await writeObject(join(base, 'data'), `received/${marker}`, '');

    const dev = await start();
    await send(dev.smtpPort, raw);

    const stored = await outcomes(dev);
    expect([...stored.keys()].every(isLocalInboundId)).toBe(true);
    expect([...stored.values()]).toEqual(['relayed-to-owner']);
  });

  it('a mail an earlier version stored under the empty id is stored again under a new id and processed', async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-repair-'));
    await writeObject(join(base, 'data'), 'envelope/.json', envelope());
    await writeObject(join(base, 'data'), 'inbound/', await mail(3));

    const dev = await start();
    await waitFor(async () => [...(await outcomes(dev)).values()].includes('relayed-to-owner'));

    const stored = await outcomes(dev);
    expect([...stored.keys()].every(isLocalInboundId)).toBe(true);
    expect([...stored.values()]).toEqual(['relayed-to-owner']);
  });

  it('answers SMTP while stored mail is still being processed', async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-repair-'));
    const inboundId = newInboundId(new Date());
    await writeObject(join(base, 'data'), `envelope/${inboundId}.json`, envelope());
    await writeObject(join(base, 'data'), `inbound/${inboundId}`, await mail(4));
    const sender = new HeldSender();

    // The stored mail's relay is held: start must not wait for it.
    const dev = await start(sender);
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: dev.smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    await expect(transport.verify()).resolves.toBe(true);
    transport.close();
    expect(sender.sent).toEqual([]);

    sender.open();
    await waitFor(async () => (await outcomes(dev)).get(inboundId) !== undefined);
    expect(sender.sent).toHaveLength(1);
  });

  it('a mail whose attempts were all used up before the kill ends quarantined on start', async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-repair-'));
    const inboundId = newInboundId(new Date());
    await writeObject(join(base, 'data'), `envelope/${inboundId}.json`, envelope());
    await writeObject(join(base, 'data'), `inbound/${inboundId}`, await mail(6));
    // Three attempts were counted, and each one took the process down with it.
    await writeObject(join(base, 'data'), `attempts/${inboundId}`, '3');

    const dev = await start();
    await waitFor(async () => (await outcomes(dev)).get(inboundId) !== undefined);

    expect((await dev.deps.store.getInbound(inboundId))?.outcome).toMatchObject({
      status: 'quarantined',
      reason: 'repeated-failure',
    });
    expect((await dev.deps.rawMail.getRaw(`inbound/${inboundId}`)).length).toBeGreaterThan(0);
  });

  it('a reply-token key cut short by a crash is replaced, never used', async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-repair-'));
    await writeFile(join(base, 'reply-token.key'), '');

    const secret = await loadOrCreateLocalSecret(base);

    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect((await readFile(join(base, 'reply-token.key'), 'utf8')).trim()).toBe(secret);
    expect(await loadOrCreateLocalSecret(base)).toBe(secret);
  });

  it('leaves no temporary files behind', async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-repair-'));
    const dev = await start();
    await send(dev.smtpPort, await mail(5));
    const files = await readdir(join(base, 'data'), { recursive: true });
    expect(files.filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });
});
