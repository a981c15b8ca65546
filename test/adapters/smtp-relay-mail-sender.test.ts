import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpRelayMailSender } from '../../lib/adapters/smtp/smtp-relay-mail-sender.js';
import { PermanentFailureError } from '../../lib/domain/errors.js';
import { sampleMail } from './sample-mail.js';

interface Received {
  from: string | false;
  to: string[];
  raw: Buffer;
  user: string | undefined;
}

async function startServer(options: SMTPServerOptions = {}) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    ...options,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : false,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { server, port, received };
}

describe('SmtpRelayMailSender', () => {
  const cleanups: Array<() => Promise<void> | void> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function started(options: SMTPServerOptions = {}) {
    const running = await startServer(options);
    cleanups.push(() => new Promise<void>((resolve) => running.server.close(() => resolve())));
    return running;
  }

  it('relays the raw bytes unchanged with the given envelope', async () => {
    const { port, received } = await started({ disabledCommands: ['STARTTLS'] });
    const sender = new SmtpRelayMailSender({ url: `smtp://127.0.0.1:${port}` });
    cleanups.push(() => sender.close());
    const mail = await sampleMail();
    expect(await sender.send(mail)).toEqual({});
    expect(received).toHaveLength(1);
    expect(received[0]?.from).toBe('bounces@example.test');
    expect(received[0]?.to).toEqual(['jane@customer.test', 'copy@customer.test']);
    expect(received[0]?.raw.equals(mail.raw)).toBe(true);
  });

  it('logs in with credentials from the URL', async () => {
    const { port, received } = await started({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authOptional: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'relay user' && auth.password === 'p@ss')
          callback(null, { user: auth.username });
        else callback(new Error('bad credentials'));
      },
    });
    const sender = new SmtpRelayMailSender({ url: `smtp://relay%20user:p%40ss@127.0.0.1:${port}` });
    cleanups.push(() => sender.close());
    await sender.send(await sampleMail());
    expect(received[0]?.user).toBe('relay user');
  });

  it('upgrades with STARTTLS; a self-signed certificate needs rejectUnauthorized: false', async () => {
    const { port, received } = await started();
    const strict = new SmtpRelayMailSender({ url: `smtp://127.0.0.1:${port}` });
    cleanups.push(() => strict.close());
    await expect(strict.send(await sampleMail())).rejects.toThrow();
    expect(received).toHaveLength(0);

    const lenient = new SmtpRelayMailSender({ url: `smtp://127.0.0.1:${port}`, rejectUnauthorized: false });
    cleanups.push(() => lenient.close());
    const mail = await sampleMail();
    await lenient.send(mail);
    expect(received[0]?.raw.equals(mail.raw)).toBe(true);
  });

  it('fails permanently when only some recipients are accepted, and plainly when none are', async () => {
    const { port, received } = await started({
      disabledCommands: ['STARTTLS'],
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('copy@')) callback(new Error('mailbox unavailable'));
        else callback();
      },
    });
    const sender = new SmtpRelayMailSender({ url: `smtp://127.0.0.1:${port}` });
    cleanups.push(() => sender.close());
    const partial = await sender.send(await sampleMail()).catch((e: unknown) => e);
    expect(partial).toBeInstanceOf(PermanentFailureError);
    expect((partial as PermanentFailureError).reason).toBe('recipients-rejected');
    expect((partial as Error).message).toContain('copy@customer.test');
    expect(received.map((r) => r.to)).toEqual([['jane@customer.test']]);

    const none = {
      ...(await sampleMail()),
      envelope: { from: 'b@example.test', to: ['copy@customer.test'] },
    };
    const total = await sender.send(none).catch((e: unknown) => e);
    expect(total).toBeInstanceOf(Error);
    expect(total).not.toBeInstanceOf(PermanentFailureError);
  });

  it('rejects a URL that is not smtp:// or smtps://', () => {
    expect(() => new SmtpRelayMailSender({ url: 'http://127.0.0.1:25' })).toThrow(/smtp:\/\//);
  });
});
