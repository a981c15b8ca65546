import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../../lib/mail/parse-mail.js';
import { LocalHarness } from '../support/local-harness.js';
import { startSpocDev } from '../support/spoc-process.js';

/** One customer mail, built once so a resend carries the very same bytes, as a client's retry does. */
async function customerMail(n: number): Promise<{ raw: Buffer; subject: string; from: string }> {
  const from = `customer${n}@crash.test`;
  const subject = `Crash test mail ${n}`;
  const raw = await new MailComposer({
    from,
    to: 'support@example.test',
    subject,
    text: `Mail number ${n}.`,
    messageId: `<crash-${n}@crash.test>`,
  })
    .compile()
    .build();
  return { raw, subject, from };
}

function sendRaw(port: number, mail: { raw: Buffer; from: string }): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  return transport
    .sendMail({ raw: mail.raw, envelope: { from: mail.from, to: ['support@example.test'] } })
    .then(() => undefined)
    .finally(() => transport.close());
}

async function outbox(dir: string) {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'));
  return Promise.all(files.map(async (f) => parseMail(await readFile(join(dir, f)))));
}

describe('crash-safe local SMTP', () => {
  let base: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-crash-'));
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

  it('loses no mail and sends nothing twice when `spoc dev` is killed mid-stream and restarted', async () => {
    const mails = await Promise.all(Array.from({ length: 12 }, (_, i) => customerMail(i + 1)));
    const dev = await startSpocDev(env);
    const accepted = new Set<number>();
    let killed = false;
    const results = await new Promise<PromiseSettledResult<void>[]>((resolve) => {
      const sends = mails.map((mail, index) =>
        sendRaw(dev.smtpPort, mail).then(() => {
          accepted.add(index);
          // Killed while the other mails are anywhere between DATA and their relay.
          if (accepted.size === 3 && !killed) {
            killed = true;
            dev.child.kill('SIGKILL');
          }
        }),
      );
      void Promise.allSettled(sends).then(resolve);
    });
    expect(killed).toBe(true);
    const acceptedBeforeKill = [...accepted];
    expect(results.some((r) => r.status === 'rejected')).toBe(true);

    // Everything answered 250 is in the store: on restart it is finished before new mail is taken.
    const again = await startSpocDev(env);
    try {
      // Clients retry what they never saw accepted, with the same bytes.
      for (const [index, result] of results.entries()) {
        if (result.status === 'rejected')
          await sendRaw(again.smtpPort, mails[index] as (typeof mails)[number]);
      }
      const sent = await outbox(join(base, 'outbox'));
      for (const [index, mail] of mails.entries()) {
        const relays = sent.filter((m) => m.subject === mail.subject);
        const greetings = sent.filter((m) => m.to[0]?.address === mail.from);
        expect(relays, `relays of mail ${index + 1}`).toHaveLength(1);
        expect(greetings, `greetings of customer ${index + 1}`).toHaveLength(1);
      }
      expect(sent).toHaveLength(mails.length * 2);
      expect(acceptedBeforeKill.length).toBeGreaterThanOrEqual(3);
    } finally {
      expect(await again.stop()).toBe(0);
    }
  }, 180_000);

  it('on start, resumes a stored mail that has no outcome', async () => {
    const first = await LocalHarness.start();
    const { raw } = await customerMail(99);
    // As the SMTP entry leaves a mail when the process dies right after storing it.
    const id = '00000000001crashedbeforeprocessing';
    const envelope = {
      envelopeFrom: 'customer99@crash.test',
      recipients: ['support@example.test'],
      remoteAddress: '127.0.0.1',
      receivedAt: new Date().toISOString(),
    };
    await first.server.deps.rawMail.putRaw(`envelope/${id}.json`, Buffer.from(JSON.stringify(envelope)));
    await first.server.deps.rawMail.putRaw(`inbound/${id}`, raw);
    await first.server.close();
    expect(await first.newOutboxMails()).toEqual([]);

    const second = await LocalHarness.start({ dataDir: first.dataDir, outboxDir: first.outboxDir });
    try {
      // Resumed in the background once the SMTP entry listens.
      while (!(await second.server.deps.store.getInbound(id))?.outcome) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const [relay, ...rest] = await second.newOutboxMails();
      expect(rest).toEqual([]);
      expect(relay?.mail.subject).toBe('Crash test mail 99');
      expect((await second.server.deps.store.getInbound(id))?.outcome).toMatchObject({
        status: 'relayed-to-owner',
      });
    } finally {
      await second.stop();
      await rm(join(first.dataDir, '..'), { recursive: true, force: true });
    }
  });
});
