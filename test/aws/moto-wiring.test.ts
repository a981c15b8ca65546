import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateConfigurationSetCommand,
  CreateConfigurationSetEventDestinationCommand,
  CreateReceiptRuleSetCommand,
  SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../lib/cli/cli-io.js';
import { doctorCommand } from '../../lib/cli/commands/doctor-command.js';
import { runCli } from '../../lib/cli/run-cli.js';
import { parseConfig } from '../../lib/config/load-config.js';
import { newInboundId, synthesizeSesEvent } from '../../lib/local/synthesize-ses-event.js';
import { AwsComposition } from '../../lib/runtime/aws-composition.js';
import { rawMail } from '../support/mail-builder.js';
import { type MotoAccount, startMotoAccount } from '../support/moto-account.js';
import { type MotoServer, snsAction } from '../support/moto-server.js';
import { sqsRecordOf } from '../support/sqs-record.js';

const REGION = 'us-east-1';
const TABLE = 'spoc-moto';
const BUCKET = 'spoc-moto-raw';
const SECRET_ID = 'spoc-moto-reply-token';
const CONFIGURATION_SET = 'spoc-moto-events';
const CUSTOMER = 'jane@customer.test';
const CONFIG = {
  supportAddress: 'support@example.test',
  supportName: 'Support',
  replyDomain: 'reply.example.test',
  owners: [{ email: 'alice@example.test', name: 'Alice Smith' }],
  firstContact: { enabled: false },
};

type Handler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * The deployed composition root (the Lambda entry points themselves, and the CLI with `--table`)
 * against moto_server: SES, S3, SNS, SQS, DynamoDB and Secrets Manager emulated in one process.
 */
describe('AWS wiring against moto_server', () => {
  let moto: MotoServer;
  let proxy: MotoAccount['proxy'];
  let stop: MotoAccount['stop'];
  let sqs: SQSClient;
  let s3: S3Client;
  let inboundTopic: string;
  let inboundQueue: string;
  let eventsTopic: string;
  let eventsQueue: string;
  let inbound: Handler;
  let deliveryEvents: Handler;
  let dir: string;
  let io: CliIo & { lines: string[] };
  const saved = { ...process.env };

  beforeAll(async () => {
    ({ moto, proxy, stop } = await startMotoAccount({
      region: REGION,
      table: TABLE,
      secret: { id: SECRET_ID, value: 'moto-reply-token-key-0123456789abcdef' },
      env: { POWERTOOLS_METRICS_DISABLED: 'true' },
    }));
    sqs = new SQSClient({});
    s3 = new S3Client({});
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    [inboundTopic, inboundQueue] = await topicIntoQueue('spoc-inbound');
    [eventsTopic, eventsQueue] = await topicIntoQueue('spoc-delivery-events');

    Object.assign(process.env, {
      TABLE_NAME: TABLE,
      RAW_MAIL_BUCKET: BUCKET,
      REPLY_TOKEN_SECRET_ID: SECRET_ID,
      SES_CONFIGURATION_SET: CONFIGURATION_SET,
      SPOC_CONFIG_JSON: JSON.stringify(parseConfig(CONFIG)),
    });
    // The very modules Lambda runs, reading the environment the stack sets.
    inbound = (await import('../../lambdas/inbound.js')).handler as Handler;
    deliveryEvents = (await import('../../lambdas/delivery-events.js')).handler as Handler;

    dir = await mkdtemp(join(tmpdir(), 'spoc-moto-'));
    await writeFile(join(dir, 'spoc.config.json'), JSON.stringify(CONFIG));
    const lines: string[] = [];
    io = {
      lines,
      out: (text) => lines.push(text),
      err: (text) => lines.push(text),
      env: { ...process.env, SPOC_CONFIG: join(dir, 'spoc.config.json'), SPOC_DATA_DIR: join(dir, 'data') },
      cwd: dir,
    };
  }, 60_000);

  afterAll(async () => {
    for (const client of [sqs, s3]) client?.destroy();
    await stop?.();
    process.env = saved;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function topicIntoQueue(name: string): Promise<[string, string]> {
    const topicArn = await snsAction(moto.endpoint, 'CreateTopic', { Name: name }, 'TopicArn');
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await snsAction(moto.endpoint, 'Subscribe', {
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes?.QueueArn as string,
    });
    return [topicArn, QueueUrl as string];
  }

  /** Receives what the queue holds and hands it to a handler as Lambda's SQS trigger would. */
  async function drainInto(queueUrl: string, handler: Handler): Promise<number> {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const result = await handler({
      Records: Messages.map((m) => sqsRecordOf(m, 'arn:aws:sqs:us-east-1:123456789012:moto', REGION)),
    });
    expect(result.batchItemFailures).toEqual([]);
    if (Messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })),
        }),
      );
    }
    return Messages.length;
  }

  /** SES's receipt: raw mail into S3 under inbound/, then the notification through SNS. */
  async function receive(raw: Buffer, from: string, to: string, notify = true): Promise<string> {
    const inboundId = newInboundId(new Date());
    const rawKey = `inbound/${inboundId}`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: rawKey, Body: raw }));
    if (notify) {
      const event = synthesizeSesEvent({
        inboundId,
        rawKey,
        bucket: BUCKET,
        envelopeFrom: from,
        recipients: [to],
        receivedAt: new Date(),
        verdict: 'PASS',
        raw,
      });
      const envelope = JSON.parse(event.Records[0]?.body as string) as { Message: string };
      await snsAction(moto.endpoint, 'Publish', { TopicArn: inboundTopic, Message: envelope.Message });
    }
    return inboundId;
  }

  async function sentTo(address: string) {
    const mails = (await moto.sentRawMails()).filter((m) => m.destinations.includes(address));
    return Promise.all(mails.map((m) => simpleParser(m.raw)));
  }

  function sendEmailRequests(): Array<{ ConfigurationSetName?: string; FromEmailAddress?: string }> {
    return proxy.bodies.filter((body) => body.includes('"Content"')).map((body) => JSON.parse(body));
  }

  async function cli(...argv: string[]): Promise<string> {
    io.lines.length = 0;
    const code = await runCli(argv, io);
    const output = io.lines.join('\n');
    expect(code, output).toBe(0);
    return output;
  }

  const stack = [
    '--table',
    TABLE,
    '--region',
    REGION,
    '--bucket',
    BUCKET,
    '--secret-id',
    SECRET_ID,
    '--configuration-set',
    CONFIGURATION_SET,
  ];

  it('runs a conversation, a bounce and the CLI through the deployed wiring', async () => {
    // The config's owners seed the deployed table, once however often it runs.
    expect(await cli('owner', 'sync', '--table', TABLE, '--region', REGION)).toContain(
      'added owner Alice Smith <alice@example.test>',
    );
    expect(await cli('owner', 'sync', '--table', TABLE, '--region', REGION)).toContain(
      'already match the config',
    );

    // A customer's mail: S3 + SNS → SQS → the inbound function → a relay sent with SES v2.
    const first = await receive(
      await rawMail({
        from: `Jane Doe <${CUSTOMER}>`,
        to: CONFIG.supportAddress,
        subject: 'Order 17',
        text: 'Where is my order?',
      }),
      CUSTOMER,
      CONFIG.supportAddress,
    );
    expect(await drainInto(inboundQueue, inbound)).toBe(1);
    const [relay] = await sentTo('alice@example.test');
    expect(relay?.subject).toContain('Order 17');
    expect(relay?.text).toContain('Where is my order?');
    const replyAddress = relay?.replyTo?.value[0]?.address as string;
    expect(replyAddress).toMatch(/^reply\+.+@reply\.example\.test$/);

    // The owner's answer comes back the same way and reaches the customer from the support address.
    await receive(
      await rawMail({
        from: 'Alice Smith <alice@example.test>',
        to: replyAddress,
        subject: `Re: ${relay?.subject}`,
        text: 'It ships tomorrow.',
        inReplyTo: relay?.messageId,
      }),
      'alice@example.test',
      replyAddress,
    );
    expect(await drainInto(inboundQueue, inbound)).toBe(1);
    const [answer] = await sentTo(CUSTOMER);
    expect(answer?.text).toContain('It ships tomorrow.');
    expect(answer?.from?.value[0]?.address).toBe(CONFIG.supportAddress);
    expect(answer?.text ?? '').not.toContain('alice@example.test');

    // A bounce of the customer's address through the configuration set's events → delivery-events.
    await snsAction(moto.endpoint, 'Publish', {
      TopicArn: eventsTopic,
      Message: JSON.stringify({
        eventType: 'Bounce',
        mail: {
          messageId: 'moto-sent-1',
          timestamp: new Date().toISOString(),
          source: CONFIG.supportAddress,
          destination: [CUSTOMER],
        },
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: [
            { emailAddress: CUSTOMER, status: '5.1.1', diagnosticCode: 'smtp; 550 no such user' },
          ],
          timestamp: new Date().toISOString(),
          feedbackId: 'moto-feedback-1',
        },
      }),
    });
    expect(await drainInto(eventsQueue, deliveryEvents)).toBe(1);
    const aws = new AwsComposition({ tableName: TABLE, region: REGION });
    try {
      expect((await aws.store.getSuppression(CUSTOMER))?.reason).toBe('hard-bounce');
    } finally {
      aws.close();
    }
    expect((await sentTo('alice@example.test')).map((m) => m.subject)).toContain(
      `[Support] Your customer ${CUSTOMER} bounced`,
    );

    // The CLI reads the same table…
    const shown = JSON.parse(await cli('customer', 'show', CUSTOMER, '--json', ...stack));
    expect(shown.customer.ownerEmail).toBe('alice@example.test');
    expect(shown.conversations).toHaveLength(1);

    // …fetches a received mail as it arrived, to a file or as a link signed now…
    const firstRaw = (
      await cli('raw', first, '--table', TABLE, '--region', REGION, '--bucket', BUCKET)
    ).match(/^wrote (\S+)/)?.[1];
    expect((await readFile(firstRaw as string, 'utf8')).includes('Where is my order?')).toBe(true);
    const link = (
      await cli('raw', first, '--link', '--table', TABLE, '--region', REGION, '--bucket', BUCKET)
    ).split('\n');
    expect(await (await fetch(link[0] as string)).text()).toContain('Where is my order?');
    expect(link[1]).toMatch(/^works until /);

    // …replays a mail whose notification never came, from the bucket…
    const lost = await receive(
      await rawMail({
        from: `Jane Doe <${CUSTOMER}>`,
        to: CONFIG.supportAddress,
        subject: 'Lost notification',
        text: 'Second question',
      }),
      CUSTOMER,
      CONFIG.supportAddress,
      false,
    );
    expect(await cli('replay', lost, ...stack)).toContain('replayed 1 of 1');
    expect((await sentTo('alice@example.test')).map((m) => m.subject).join('\n')).toContain(
      'Lost notification',
    );

    // …and hands the customer over: the introduction and history go out with the configuration set.
    await cli(
      'owner',
      'add',
      'bob@example.test',
      '--name',
      'Bob Jones',
      '--table',
      TABLE,
      '--region',
      REGION,
    );
    const before = sendEmailRequests().length;
    await cli('customer', 'assign', CUSTOMER, '--to', 'bob@example.test', ...stack);
    expect((await sentTo('bob@example.test')).length).toBeGreaterThan(0);
    const requests = sendEmailRequests();
    expect(requests.length).toBeGreaterThan(before);
    // Every mail sent, by the functions and by the CLI, carries the configuration set.
    expect(requests.map((r) => r.ConfigurationSetName)).toEqual(requests.map(() => CONFIGURATION_SET));
  });

  it('refuses a sending command without the configuration set, naming the flag', async () => {
    const env = { ...io.env };
    delete env.SPOC_SES_CONFIGURATION_SET;
    const lines: string[] = [];
    const code = await runCli(
      ['customer', 'assign', CUSTOMER, '--to', 'alice@example.test', ...stack.slice(0, -2)],
      { ...io, env, out: (t) => lines.push(t), err: (t) => lines.push(t) },
    );
    expect(code).toBe(2);
    expect(lines.join('\n')).toContain('--configuration-set');
  });

  it('spoc doctor reports each check in one line, with DNS answers injected, and fails on what is wrong', async () => {
    const ses = new SESClient({});
    const cloudwatch = new CloudWatchClient({});
    try {
      // Before the deploy: only the region and the config; the checks needing the stack are skipped.
      const resolver = {
        resolveMx: async (domain: string) =>
          domain === 'example.test'
            ? [{ exchange: 'inbound-smtp.us-east-1.amazonaws.com.', priority: 10 }]
            : [{ exchange: 'mx.elsewhere.test', priority: 10 }],
      };
      io.lines.length = 0;
      expect(await doctorCommand(io, { region: REGION }, resolver)).toBe(false);
      const before = io.lines.join('\n');
      expect(before).toMatch(/^ok +region +SES receives mail in us-east-1$/m);
      expect(before).toMatch(/^ok +receipt rule set +none active; the first deploy creates/m);
      expect(before).toMatch(/^ok +mx example\.test +points at inbound-smtp\.us-east-1\.amazonaws\.com$/m);
      expect(before).toMatch(/^FAIL +mx reply\.example\.test +points at mx\.elsewhere\.test, not at/m);
      expect(before).toContain(
        '→ publish the record: reply.example.test. MX 10 inbound-smtp.us-east-1.amazonaws.com',
      );
      // moto's account has SES's sandbox limits (200 a day, 1 a second).
      expect(before).toMatch(/^FAIL +sending +sandbox/m);
      expect(before).toMatch(/^skip +configuration set/m);

      // After the deploy: the stack's outputs name the rule set, configuration set, queues and function.
      await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'spoc-rules' }));
      await ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'spoc-rules' }));
      await ses.send(new CreateConfigurationSetCommand({ ConfigurationSet: { Name: CONFIGURATION_SET } }));
      await ses.send(
        new CreateConfigurationSetEventDestinationCommand({
          ConfigurationSetName: CONFIGURATION_SET,
          EventDestination: {
            Name: 'BouncesAndComplaints',
            Enabled: true,
            MatchingEventTypes: ['bounce', 'complaint'],
            SNSDestination: { TopicARN: eventsTopic },
          },
        }),
      );
      const { QueueUrl: deadLetters } = await sqs.send(
        new CreateQueueCommand({ QueueName: 'spoc-inbound-dlq' }),
      );
      await sqs.send(new SendMessageCommand({ QueueUrl: deadLetters, MessageBody: '{"not":"ses"}' }));
      await cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/Lambda',
          MetricData: [
            {
              MetricName: 'Invocations',
              Dimensions: [{ Name: 'FunctionName', Value: 'spoc-inbound-fn' }],
              Value: 1,
              Timestamp: new Date(Date.now() - 3600_000),
            },
          ],
        }),
      );
      const outputsFile = join(dir, 'cdk-outputs.json');
      await writeFile(
        outputsFile,
        JSON.stringify({
          SpocInbox: {
            Region: REGION,
            TableName: TABLE,
            ReceiptRuleSetName: 'spoc-rules',
            ConfigurationSetName: CONFIGURATION_SET,
            InboundDeadLetterQueueUrl: deadLetters,
            InboundFunctionName: 'spoc-inbound-fn',
          },
        }),
      );
      io.lines.length = 0;
      expect(await doctorCommand(io, { outputs: outputsFile, json: true }, resolver)).toBe(false);
      const report = JSON.parse(io.lines.join('\n')) as {
        ok: boolean;
        checks: Array<{ name: string; status: string; detail: string }>;
      };
      const status = Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
      expect(report.ok).toBe(false);
      expect(status['receipt rule set']).toBe('ok');
      expect(status['configuration set']).toBe('ok');
      expect(status['dead letters spoc-inbound-dlq']).toBe('fail');
      expect(status['last inbound']).toBe('ok');
      expect(status['mx reply.example.test']).toBe('fail');
    } finally {
      ses.destroy();
      cloudwatch.destroy();
    }
  });
});
