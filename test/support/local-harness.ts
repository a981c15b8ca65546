import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { SpocConfig } from '../../lib/config/config-schema.js';
import { parseConfig } from '../../lib/config/load-config.js';
import type { InboundOutcome } from '../../lib/domain/types.js';
import { type DevServer, startDevServer } from '../../lib/local/dev-server.js';
import type { ParsedMail } from '../../lib/mail/mail-types.js';
import { parseMail } from '../../lib/mail/parse-mail.js';
import { assertOutsiderSafe } from './privacy-check.js';

/** The dev defaults' shape with test addresses. */
export const TEST_CONFIG_INPUT = {
  supportAddress: 'support@example.test',
  supportName: 'Support',
  replyDomain: 'reply.example.test',
  owners: [
    { email: 'alice@example.test', name: 'Alice Smith' },
    { email: 'bob@example.test', name: 'Bob Jones' },
  ],
  // Off here so a test sees only the mail it is about; tests of the first-contact mail turn it on.
  firstContact: { enabled: false },
};

/** A mail found in the outbox, raw and parsed. */
export interface OutboxMail {
  file: string;
  raw: Buffer;
  mail: ParsedMail;
}

/** Local mode on temporary directories and an ephemeral SMTP port, driven through real SMTP. */
export class LocalHarness {
  private seen = new Set<string>();
  private constructor(
    readonly server: DevServer,
    readonly dataDir: string,
    readonly outboxDir: string,
    readonly config: SpocConfig,
    private readonly ownsDirs: boolean,
  ) {}

  /** Starts local mode; pass `dataDir`/`outboxDir` to restart on existing data. */
  static async start(
    options: {
      dataDir?: string;
      outboxDir?: string;
      config?: unknown;
      now?: () => Date;
      verdictsFromHeader?: boolean;
      /** How often the server sweeps due promises (default: the server's minute; 0: never). */
      sweepIntervalMs?: number;
    } = {},
  ): Promise<LocalHarness> {
    const base = options.dataDir ? undefined : await mkdtemp(join(tmpdir(), 'spoc-e2e-'));
    const dataDir = options.dataDir ?? join(base as string, 'data');
    const outboxDir = options.outboxDir ?? join(base ?? dataDir, 'outbox');
    const config = parseConfig(options.config ?? TEST_CONFIG_INPUT);
    const server = await startDevServer({
      config,
      dataDir,
      outboxDir,
      smtpPort: 0,
      logLevel: 'SILENT',
      ...(options.now ? { now: options.now } : {}),
      ...(options.verdictsFromHeader ? { verdictsFromHeader: true } : {}),
      ...(options.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: options.sweepIntervalMs }),
    });
    return new LocalHarness(server, dataDir, outboxDir, config, base !== undefined);
  }

  /** Sends a mail over SMTP to the local entry; resolves once the server answered 250. */
  async send(message: Mail.Options): Promise<string> {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: this.server.smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    try {
      const info = await transport.sendMail(message);
      return info.messageId;
    } finally {
      transport.close();
    }
  }

  /**
   * A client that keeps its connections open between mails, as an MTA delivering a queue does: for a
   * test sending hundreds of mails, where a new connection per mail spent most of the time waiting.
   */
  openConnection(): {
    sendRaw(raw: Buffer, envelope: { from: string; to: string[] }): Promise<void>;
    close(): void;
  } {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: this.server.smtpPort,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: 1,
      maxMessages: Number.POSITIVE_INFINITY,
    });
    return {
      sendRaw: async (raw, envelope) => {
        await transport.sendMail({ raw, envelope });
      },
      close: () => transport.close(),
    };
  }

  /** Sends raw MIME with an explicit envelope. */
  sendRaw(raw: Buffer | string, envelope: { from: string; to: string[] }): Promise<string> {
    return this.send({ raw, envelope });
  }

  /** Mails written to the outbox since the last call. */
  async newOutboxMails(): Promise<OutboxMail[]> {
    const files = (await readdir(this.outboxDir).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.eml'))
      .sort();
    const fresh = files.filter((f) => !this.seen.has(f));
    for (const f of fresh) this.seen.add(f);
    const mails = await Promise.all(
      fresh.map(async (file) => {
        const raw = await readFile(join(this.outboxDir, file));
        // Relays carry the customer's parts as they came, oversized headers included.
        return { file, raw, mail: await parseMail(raw, { maxHeaderBytes: 16 * 1024 * 1024 }) };
      }),
    );
    if (mails.length > 0) await this.checkCustomerBound(mails);
    return mails;
  }

  /** Every mail that reaches a non-owner passes the privacy check, whichever test sent it. */
  private async checkCustomerBound(mails: OutboxMail[]): Promise<void> {
    const owners = new Set([
      ...this.config.owners.map((o) => o.email),
      ...(await this.server.deps.store.listOwners()).map((o) => o.email),
    ]);
    for (const { file, raw, mail } of mails) {
      const recipients = [...mail.to, ...mail.cc].map((a) => a.address);
      if (recipients.every((r) => owners.has(r))) continue;
      // The envelope is not in the outbox file: a question to a colleague comes from a consult address.
      assertOutsiderSafe(
        raw,
        mail.from?.address ?? '',
        { ownerAddresses: [...owners], replyDomain: this.config.replyDomain },
        file,
      );
    }
  }

  /** Every recorded inbound outcome, oldest first; `undefined` entries are unfinished messages. */
  async outcomes(): Promise<Array<{ id: string; outcome: InboundOutcome | undefined }>> {
    const keys = await this.server.deps.rawMail.listKeys('inbound/');
    return Promise.all(
      keys.map(async (key) => {
        const id = key.slice('inbound/'.length);
        return { id, outcome: (await this.server.deps.store.getInbound(id))?.outcome };
      }),
    );
  }

  /** The outcome of the newest inbound message. */
  async lastOutcome(): Promise<InboundOutcome | undefined> {
    return (await this.outcomes()).at(-1)?.outcome;
  }

  async stop(options: { keepData?: boolean } = {}): Promise<void> {
    await this.server.close();
    if (this.ownsDirs && !options.keepData)
      await rm(join(this.dataDir, '..'), { recursive: true, force: true });
  }
}
