import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MailSender, OutgoingMail, SendReceipt } from '../../ports/mail-sender.js';

/** Constructor options of {@link OutboxMailSender}. */
export interface OutboxMailSenderOptions {
  /** Directory receiving one `.eml` file per mail; created on first send. */
  directory: string;
  /** Time source for file names; default `new Date()`. */
  now?: () => Date;
  /**
   * Write each Message-ID once: a mail whose Message-ID is already in the directory is not written
   * again. Local mode sets it: a process killed after writing a mail and before recording it as sent
   * resends it on restart, and the outbox stays one file per mail.
   */
  oncePerMessageId?: boolean;
}

/** What the outbox reports: the usual receipt plus where the mail was written. */
export interface OutboxSendReceipt extends SendReceipt {
  /** Absolute or directory-relative path of the written `.eml` file. */
  path: string;
}

/**
 * {@link MailSender} for local mode: writes each mail's raw bytes, unchanged, as one `.eml` file. Names
 * are `<UTC timestamp>-<sequence>-<hash of the Message-ID>.eml`, so a plain directory listing is in send
 * order. A reader never sees a partial file: bytes go to a dot-prefixed temporary file that is renamed
 * into place.
 *
 * A mail whose Message-ID is already in the directory is not written again: a process killed after
 * writing a mail and before recording it as sent resends it on restart, and the outbox stays one file
 * per mail, as a provider with an idempotency key would keep it.
 */
export class OutboxMailSender implements MailSender {
  private readonly directory: string;
  private readonly now: () => Date;
  private readonly oncePerMessageId: boolean;
  private sequence = 0;
  private ready: Promise<{ hashes: Map<string, string> }> | undefined;

  constructor(options: OutboxMailSenderOptions) {
    this.directory = options.directory;
    this.now = options.now ?? (() => new Date());
    this.oncePerMessageId = options.oncePerMessageId ?? false;
  }

  async send(mail: OutgoingMail): Promise<OutboxSendReceipt> {
    this.ready ??= this.readDirectory();
    const { hashes: written } = await this.ready;
    const hash = this.oncePerMessageId
      ? createHash('sha256').update(mail.messageId).digest('hex').slice(0, 8)
      : randomBytes(4).toString('hex');
    const existing = this.oncePerMessageId ? written.get(hash) : undefined;
    if (existing !== undefined) return { path: join(this.directory, existing) };
    this.sequence += 1;
    const name = `${fileTimestamp(this.now())}-${String(this.sequence).padStart(6, '0')}-${hash}.eml`;
    if (this.oncePerMessageId) written.set(hash, name);
    const finalPath = join(this.directory, name);
    const temporaryPath = join(this.directory, `.${name}.tmp`);
    try {
      await writeFile(temporaryPath, mail.raw, { flag: 'wx' });
      await rename(temporaryPath, finalPath);
    } catch (error) {
      written.delete(hash);
      await rm(temporaryPath, { force: true });
      throw error;
    }
    return { path: finalPath };
  }

  /**
   * Reads the directory once per process: the Message-ID hashes of the mails already there, and the
   * highest sequence number, which this process continues from so that a listing stays in send order
   * across restarts and across processes (the CLI writes to the outbox `spoc dev` writes to).
   */
  private async readDirectory(): Promise<{ hashes: Map<string, string> }> {
    await mkdir(this.directory, { recursive: true });
    const hashes = new Map<string, string>();
    for (const file of await readdir(this.directory)) {
      if (file.startsWith('.')) continue;
      const match = /-(\d{6,})-([0-9a-f]{8})\.eml$/.exec(file);
      if (!match?.[1] || !match[2]) continue;
      this.sequence = Math.max(this.sequence, Number(match[1]));
      if (this.oncePerMessageId) hashes.set(match[2], file);
    }
    return { hashes };
  }
}

/** `2024-05-01T12-00-00-000Z`: ISO order, without the colons some file systems reject. */
function fileTimestamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}
