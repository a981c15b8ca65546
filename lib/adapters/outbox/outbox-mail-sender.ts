import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MailSender, OutgoingMail, SendReceipt } from '../../ports/mail-sender.js';

/** Constructor options of {@link OutboxMailSender}. */
export interface OutboxMailSenderOptions {
  /** Directory receiving one `.eml` file per mail; created on first send. */
  directory: string;
  /** Time source for file names; default `new Date()`. */
  now?: () => Date;
}

/** What the outbox reports: the usual receipt plus where the mail was written. */
export interface OutboxSendReceipt extends SendReceipt {
  /** Absolute or directory-relative path of the written `.eml` file. */
  path: string;
}

/**
 * {@link MailSender} for local mode: writes each mail's raw bytes, unchanged, as one `.eml` file. Names
 * are `<UTC timestamp>-<sequence>-<random>.eml`, so a plain directory listing is in send order and two
 * processes never collide. A reader never sees a partial file: bytes go to a dot-prefixed temporary file
 * that is renamed into place.
 */
export class OutboxMailSender implements MailSender {
  private readonly directory: string;
  private readonly now: () => Date;
  private sequence = 0;
  private ready: Promise<unknown> | undefined;

  constructor(options: OutboxMailSenderOptions) {
    this.directory = options.directory;
    this.now = options.now ?? (() => new Date());
  }

  async send(mail: OutgoingMail): Promise<OutboxSendReceipt> {
    this.ready ??= mkdir(this.directory, { recursive: true });
    await this.ready;
    this.sequence += 1;
    const name = `${fileTimestamp(this.now())}-${String(this.sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}.eml`;
    const finalPath = join(this.directory, name);
    const temporaryPath = join(this.directory, `.${name}.tmp`);
    try {
      await writeFile(temporaryPath, mail.raw, { flag: 'wx' });
      await rename(temporaryPath, finalPath);
    } catch (error) {
      await rm(temporaryPath, { force: true });
      throw error;
    }
    return { path: finalPath };
  }
}

/** `2024-05-01T12-00-00-000Z`: ISO order, without the colons some file systems reject. */
function fileTimestamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}
