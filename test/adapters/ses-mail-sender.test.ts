import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MessageRejected,
  SESv2Client,
  type SendEmailCommandInput,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import * as sesLocal from 'aws-ses-v2-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MailSendRejectedError,
  SendThrottledError,
  SesMailSender,
  sesMessageIdHost,
} from '../../lib/adapters/ses/ses-mail-sender.js';
import { PermanentFailureError } from '../../lib/domain/errors.js';
import { sampleMail } from './sample-mail.js';

type StartServer = (config?: { host?: string; port?: number }) => Promise<Server>;

interface StoredEmail {
  messageId: string;
  from: string;
  subject: string;
  destination: { to: string[] };
  attachments: Array<{ filename?: string; size: number }>;
}

/** The package is CommonJS with `exports.default`; depending on the loader it arrives wrapped once or twice. */
function startFunction(): StartServer {
  const module = sesLocal as unknown as { default?: StartServer | { default?: StartServer } };
  const candidate = module.default;
  if (typeof candidate === 'function') return candidate;
  if (candidate && typeof candidate.default === 'function') return candidate.default;
  throw new Error('aws-ses-v2-local exports no server function');
}

function client(endpoint: string, region = 'us-east-1'): SESv2Client {
  return new SESv2Client({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** Records every SendEmail input the SDK is about to serialize. */
function captureInputs(ses: SESv2Client): SendEmailCommandInput[] {
  const inputs: SendEmailCommandInput[] = [];
  ses.middlewareStack.add(
    (next) => async (args) => {
      inputs.push(args.input as SendEmailCommandInput);
      return next(args);
    },
    { step: 'initialize', name: 'captureSendEmailInput' },
  );
  return inputs;
}

/** Answers every request with `error` before it reaches the network. */
function failWith(ses: SESv2Client, error: Error): void {
  ses.middlewareStack.add(
    () => async () => {
      throw error;
    },
    { step: 'initialize', name: 'failSendEmail' },
  );
}

describe('SesMailSender against aws-ses-v2-local', () => {
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    server = await startFunction()({ host: '127.0.0.1', port: 0 });
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends raw content via SES v2 and returns the Message-ID recipients will see', async () => {
    const ses = client(endpoint);
    const inputs = captureInputs(ses);
    const sender = new SesMailSender({ client: ses, configurationSetName: 'spoc-events' });
    const mail = await sampleMail();

    const receipt = await sender.send(mail);

    expect(receipt.providerMessageId).toMatch(/^<[^<>@\s]+@email\.amazonses\.com>$/);
    expect(inputs).toHaveLength(1);
    const input = inputs[0];
    expect(input?.FromEmailAddress).toBe('bounces@example.test');
    expect(input?.Destination).toEqual({ ToAddresses: ['jane@customer.test', 'copy@customer.test'] });
    expect(input?.ConfigurationSetName).toBe('spoc-events');
    expect(input?.Content?.Simple).toBeUndefined();
    // The emulator keeps parsed fields only, so the raw bytes (Message-ID, References) are checked here.
    const data = input?.Content?.Raw?.Data;
    expect(data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(data ?? new Uint8Array()).equals(mail.raw)).toBe(true);
    expect(mail.raw.toString('latin1')).toContain(`Message-ID: ${mail.messageId}`);
    expect(mail.raw.toString('latin1')).toMatch(/References: <customer-1@customer\.test>\s+<ours-0@support/);

    const store = (await (await fetch(`${endpoint}/store`)).json()) as { emails: StoredEmail[] };
    const stored = store.emails.find(
      (email) => receipt.providerMessageId === `<${email.messageId}@email.amazonses.com>`,
    );
    expect(stored).toBeDefined();
    expect(stored?.from).toContain('support@example.test');
    expect(stored?.subject).toBe('Re: Printer on fire — déjà vu');
    expect(stored?.attachments.map((a) => a.filename)).toEqual(['log.bin']);
  });

  it('omits the configuration set when none is configured', async () => {
    const ses = client(endpoint);
    const inputs = captureInputs(ses);
    await new SesMailSender({ client: ses }).send(await sampleMail());
    expect(inputs[0]?.ConfigurationSetName).toBeUndefined();
  });

  it("uses the region's host outside us-east-1, from the client or the region option", async () => {
    const fromClient = await new SesMailSender({ client: client(endpoint, 'eu-west-1') }).send(
      await sampleMail(),
    );
    expect(fromClient.providerMessageId).toMatch(/^<[^<>@\s]+@eu-west-1\.amazonses\.com>$/);
    const fromOption = await new SesMailSender({ client: client(endpoint), region: 'ap-southeast-2' }).send(
      await sampleMail(),
    );
    expect(fromOption.providerMessageId).toMatch(/@ap-southeast-2\.amazonses\.com>$/);
    const overridden = await new SesMailSender({
      client: client(endpoint, 'eu-west-1'),
      messageIdHost: 'mail.example.test',
    }).send(await sampleMail());
    expect(overridden.providerMessageId).toMatch(/@mail\.example\.test>$/);
  });
});

describe('SesMailSender error mapping', () => {
  const metadata = { $metadata: {} };

  it.each([
    ['MessageRejected', new MessageRejected({ message: 'Email address is not verified.', ...metadata })],
    [
      'MailFromDomainNotVerifiedException',
      Object.assign(new Error('not verified'), { name: 'MailFromDomainNotVerifiedException' }),
    ],
    ['BadRequestException', Object.assign(new Error('bad'), { name: 'BadRequestException' })],
  ])('turns %s into a permanent failure', async (code, error) => {
    const ses = client('http://127.0.0.1:1');
    failWith(ses, error);
    const mail = await sampleMail();
    const thrown = await new SesMailSender({ client: ses }).send(mail).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(MailSendRejectedError);
    expect(thrown).toBeInstanceOf(PermanentFailureError);
    expect((thrown as MailSendRejectedError).reason).toBe('send-rejected');
    expect((thrown as MailSendRejectedError).providerCode).toBe(code);
    expect((thrown as Error).message).toContain(mail.messageId);
    expect((thrown as Error).cause).toBe(error);
  });

  it.each([
    ['TooManyRequestsException', new TooManyRequestsException({ message: 'slow down', ...metadata })],
    ['Throttling', Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling' })],
    ['MaxSendingRateExceeded', Object.assign(new Error('rate exceeded'), { name: 'MaxSendingRateExceeded' })],
  ])('classifies %s as a throttled send, transient and carrying its cause', async (code, error) => {
    const ses = client('http://127.0.0.1:1');
    failWith(ses, error);
    const mail = await sampleMail();
    const thrown = await new SesMailSender({ client: ses }).send(mail).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(SendThrottledError);
    expect(thrown).not.toBeInstanceOf(PermanentFailureError);
    expect((thrown as SendThrottledError).providerCode).toBe(code);
    expect((thrown as Error).message).toContain(mail.messageId);
    expect((thrown as Error).cause).toBe(error);
  });

  it('lets quota and service errors propagate for the queue to retry', async () => {
    const quota = Object.assign(new Error('Daily message quota exceeded.'), {
      name: 'LimitExceededException',
    });
    const ses = client('http://127.0.0.1:1');
    failWith(ses, quota);
    await expect(new SesMailSender({ client: ses }).send(await sampleMail())).rejects.toBe(quota);

    const internal = Object.assign(new Error('boom'), { name: 'InternalServiceErrorException' });
    const other = client('http://127.0.0.1:1');
    failWith(other, internal);
    await expect(new SesMailSender({ client: other }).send(await sampleMail())).rejects.toBe(internal);
  });

  it('derives the Message-ID host from the region', () => {
    expect(sesMessageIdHost('us-east-1')).toBe('email.amazonses.com');
    expect(sesMessageIdHost('eu-west-1')).toBe('eu-west-1.amazonses.com');
    expect(sesMessageIdHost('us-west-2')).toBe('us-west-2.amazonses.com');
  });
});
