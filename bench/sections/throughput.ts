import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { startDevServer } from '../../lib/local/dev-server.js';
import { startSmtpInbound } from '../../lib/local/smtp-inbound-server.js';
import { BENCH_CONFIG, envNumber, percentile, round } from '../support/harness.js';
import { customerMail } from '../support/mail.js';

export interface ThroughputResult {
  messages: number;
  senders: number;
  local: {
    seconds: number;
    perSecond: number;
    outcomes: number;
    unfinished: number;
    relayed: number;
    outbox: number;
  };
  /**
   * Per mail, from the client starting its SMTP transaction (local mode answers 250 once the mail is
   * processed) to its relay's file written in the outbox.
   */
  acceptToRelayMs: { p50: number; p99: number; measured: number };
  baseline: { seconds: number; perSecond: number; written: number };
  ratio: number;
  lost: number;
}

/**
 * `count` customer mails from `senders` concurrent SMTP clients; some customers write more than once.
 * `startedAt[i]` is when mail `i`'s transaction started (epoch ms).
 */
async function blast(
  port: number,
  count: number,
  senders: number,
  mails: Buffer[],
  startedAt: number[] = [],
): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: senders }, async () => {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port,
        secure: false,
        ignoreTLS: true,
        pool: true,
        maxConnections: 1,
      });
      try {
        for (let i = next++; i < count; i = next++) {
          const raw = mails[i] as Buffer;
          const from = `customer${i % Math.max(1, Math.floor(count / 3))}@customer.test`;
          startedAt[i] = Date.now();
          await transport.sendMail({ raw, envelope: { from, to: [BENCH_CONFIG.supportAddress] } });
        }
      } finally {
        transport.close();
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/**
 * Local mode end to end (SMTP in, handler, outbox out) with `BENCH_THROUGHPUT_SENDERS` concurrent
 * senders, against a baseline in the same run: an SMTP entry that only writes each mail to a file.
 */
export async function runThroughput(): Promise<ThroughputResult> {
  const count = envNumber('BENCH_THROUGHPUT_MESSAGES', 300);
  const senders = envNumber('BENCH_THROUGHPUT_SENDERS', 10);
  const mails = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      customerMail(`customer${i % Math.max(1, Math.floor(count / 3))}@customer.test`, {
        tag: `bench-mail-${i}`,
      }),
    ),
  );
  const base = await mkdtemp(join(tmpdir(), 'spoc-bench-throughput-'));
  try {
    // Baseline: the same SMTP server and senders, each mail written to a file and nothing else.
    const sinkDir = join(base, 'sink');
    await mkdir(sinkDir);
    let written = 0;
    const sink = await startSmtpInbound({
      host: '127.0.0.1',
      port: 0,
      maxBytes: BENCH_CONFIG.limits.maxMessageBytes,
      acceptsRecipient: () => true,
      onMail: async (mail) => {
        written += 1;
        await writeFile(join(sinkDir, `${written}.eml`), mail.raw);
      },
    });
    const baselineSeconds = await blast(sink.port, count, senders, mails);
    await sink.close();

    const server = await startDevServer({
      config: BENCH_CONFIG,
      dataDir: join(base, 'data'),
      outboxDir: join(base, 'outbox'),
      smtpPort: 0,
      logLevel: 'SILENT',
    });
    let localSeconds: number;
    let outcomes: Array<string | undefined>;
    const startedAt: number[] = [];
    try {
      localSeconds = await blast(server.smtpPort, count, senders, mails, startedAt);
      const keys = await server.deps.rawMail.listKeys('inbound/');
      outcomes = await Promise.all(
        keys.map(
          async (key) => (await server.deps.store.getInbound(key.slice('inbound/'.length)))?.outcome?.status,
        ),
      );
    } finally {
      await server.close();
    }
    const files = (await readdir(join(base, 'outbox')).catch(() => [] as string[])).filter((f) =>
      f.endsWith('.eml'),
    );
    // Only relays to owners count: a new customer's first-contact greeting goes to the outbox too.
    const relayFrom = new RegExp(`^From: .*@${BENCH_CONFIG.replyDomain.replaceAll('.', '\\.')}`, 'm');
    const outboxFiles = await Promise.all(
      files.map(async (f) => {
        const path = join(base, 'outbox', f);
        const whole = (await readFile(path)).toString('latin1');
        const head = whole.slice(0, whole.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
        const tag = /bench-mail-(\d+)/.exec(whole);
        return { head, mail: tag ? Number(tag[1]) : undefined, at: (await stat(path)).mtimeMs };
      }),
    );
    const relays = outboxFiles.filter((w) => relayFrom.test(w.head));
    const outbox = relays.length;
    const acceptToRelay = relays.flatMap((r) => {
      const started = r.mail === undefined ? undefined : startedAt[r.mail];
      return started === undefined ? [] : [r.at - started];
    });
    const relayed = outcomes.filter((s) => s === 'relayed-to-owner').length;
    const unfinished = outcomes.filter((s) => s === undefined).length;
    const local = {
      seconds: round(localSeconds, 2),
      perSecond: round(count / localSeconds, 1),
      outcomes: outcomes.length,
      unfinished,
      relayed,
      outbox,
    };
    const baseline = {
      seconds: round(baselineSeconds, 2),
      perSecond: round(count / baselineSeconds, 1),
      written,
    };
    return {
      messages: count,
      senders,
      local,
      acceptToRelayMs: {
        p50: round(percentile(acceptToRelay, 50), 1),
        p99: round(percentile(acceptToRelay, 99), 1),
        measured: acceptToRelay.length,
      },
      baseline,
      ratio: round(local.perSecond / baseline.perSecond, 3),
      lost: count - relayed + (relayed - outbox) + unfinished,
    };
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
