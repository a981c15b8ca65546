import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxMailSender } from '../../lib/adapters/outbox/outbox-mail-sender.js';
import { sampleMail } from './sample-mail.js';

const NAME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-\d{6}-[0-9a-f]{8}\.eml$/;

describe('OutboxMailSender', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'spoc-outbox-test-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes each mail byte-identical as one .eml file, creating the directory', async () => {
    const directory = join(root, 'nested', 'outbox');
    const sender = new OutboxMailSender({ directory });
    const mail = await sampleMail();
    const receipt = await sender.send(mail);
    expect(receipt.providerMessageId).toBeUndefined();
    const files = await readdir(directory);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(NAME);
    expect(receipt.path).toBe(join(directory, files[0] ?? ''));
    expect((await readFile(receipt.path)).equals(mail.raw)).toBe(true);
  });

  it('names files so that a sorted listing is send order, even within one millisecond', async () => {
    const fixed = new Date('2024-05-01T12:00:00.000Z');
    const sender = new OutboxMailSender({ directory: root, now: () => fixed });
    const mails = [await sampleMail(), await sampleMail(), await sampleMail()];
    for (const mail of mails) await sender.send(mail);
    const later = new OutboxMailSender({ directory: root, now: () => new Date('2024-05-01T12:00:01.000Z') });
    const last = await sampleMail();
    await later.send(last);
    const files = (await readdir(root)).sort();
    expect(files).toHaveLength(4);
    expect(files[0]).toMatch(/^2024-05-01T12-00-00-000Z-000001-/);
    const contents = await Promise.all(files.map((file) => readFile(join(root, file))));
    expect(contents.map((c) => c.toString('latin1'))).toEqual(
      [...mails, last].map((m) => m.raw.toString('latin1')),
    );
  });

  it('continues the numbering of the files already in the directory (a restart, or another process)', async () => {
    const first = new OutboxMailSender({ directory: root, now: () => new Date('2024-05-01T12:00:00.000Z') });
    for (let i = 0; i < 3; i++) await first.send(await sampleMail());
    const next = new OutboxMailSender({ directory: root, now: () => new Date('2024-05-01T12:00:00.000Z') });
    await next.send(await sampleMail());
    const numbers = (await readdir(root)).sort().map((file) => file.split('-')[6]);
    expect(numbers).toEqual(['000001', '000002', '000003', '000004']);
  });

  it('never collides between two senders on one directory at the same instant', async () => {
    const fixed = new Date('2024-05-01T12:00:00.000Z');
    const a = new OutboxMailSender({ directory: root, now: () => fixed });
    const b = new OutboxMailSender({ directory: root, now: () => fixed });
    const mail = await sampleMail();
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).send(mail)));
    expect(await readdir(root)).toHaveLength(20);
  });

  it('never exposes a partial .eml file to a reader', async () => {
    const sender = new OutboxMailSender({ directory: root });
    const mail = await sampleMail({ attachmentBytes: 2 * 1024 * 1024 });
    let sending = true;
    const partial: string[] = [];
    const reader = (async () => {
      while (sending) {
        for (const file of await readdir(root).catch(() => [] as string[])) {
          if (!file.endsWith('.eml')) continue;
          const size = (await stat(join(root, file))).size;
          if (size !== mail.raw.byteLength) partial.push(`${file}: ${size}`);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let i = 0; i < 15; i++) await sender.send(mail);
    sending = false;
    await reader;
    expect(partial).toEqual([]);
    const files = await readdir(root);
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(15);
    expect(files.filter((f) => !f.endsWith('.eml'))).toEqual([]);
  });

  it('fails loudly and leaves no temporary file when the directory is unusable', async () => {
    const blocker = join(root, 'not-a-dir');
    await writeFile(blocker, 'x');
    const sender = new OutboxMailSender({ directory: blocker });
    await expect(sender.send(await sampleMail())).rejects.toThrow();
    expect(await readdir(root)).toEqual(['not-a-dir']);
  });
});
