import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbSupportStore } from '../../lib/adapters/dynamodb/dynamodb-support-store.js';
import { parseConfig } from '../../lib/config/load-config.js';
import { openPromise } from '../../lib/domain/promise-state.js';
import { ensureTable } from '../../lib/local/embedded-engines.js';
import type { ScheduleReport } from '../../lib/use-cases/schedule-due-promises.js';
import { type MotoServer, startMotoServer, startRecordingProxy } from '../support/moto-server.js';

const REGION = 'us-east-1';
const TABLE = 'spoc-moto-promises';
const SECRET_ID = 'spoc-moto-promise-reply-token';
const CONFIGURATION_SET = 'spoc-moto-promise-events';
const CONFIG = {
  supportAddress: 'support@example.test',
  supportName: 'Support',
  replyDomain: 'reply.example.test',
  owners: [{ email: 'alice@example.test', name: 'Alice Smith' }],
  firstContact: { enabled: false },
};
const HOUR = 3_600_000;

/**
 * The two promise-sweep entry points as Lambda loads them, each reading the environment the stack sets
 * and building its clients through the AWS composition, against moto_server (DynamoDB, SQS, SES,
 * Secrets Manager): one run of the scheduler, then the worker on what it enqueued.
 */
describe('the promise-sweep functions wired against moto_server', () => {
  let moto: MotoServer;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let sqs: SQSClient;
  let queueUrl: string;
  let queueArn: string;
  let dynamodb: DynamoDBClient;
  let schedule: (event: unknown) => Promise<ScheduleReport>;
  let step: (event: SQSEvent) => Promise<SQSBatchResponse>;
  const saved = { ...process.env };

  beforeAll(async () => {
    moto = await startMotoServer();
    proxy = await startRecordingProxy(moto.endpoint);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ENDPOINT_URL_SESV2: proxy.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: REGION,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    sqs = new SQSClient({});
    dynamodb = new DynamoDBClient({});
    const ses = new SESv2Client({ endpoint: moto.endpoint });
    const secrets = new SecretsManagerClient({});
    await Promise.all([
      ensureTable(dynamodb, TABLE),
      secrets.send(
        new CreateSecretCommand({ Name: SECRET_ID, SecretString: 'moto-promise-key-0123456789abcdef' }),
      ),
      ...['example.test', 'reply.example.test'].map((identity) =>
        ses.send(new CreateEmailIdentityCommand({ EmailIdentity: identity })),
      ),
    ]);
    ses.destroy();
    secrets.destroy();
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'spoc-promise-steps' })))
      .QueueUrl as string;
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    queueArn = Attributes?.QueueArn as string;
    // The environments the stack sets (test/cdk/promise-sweep.test.ts checks the contract).
    Object.assign(process.env, {
      TABLE_NAME: TABLE,
      PROMISE_QUEUE_URL: queueUrl,
      REPLY_TOKEN_SECRET_ID: SECRET_ID,
      SES_CONFIGURATION_SET: CONFIGURATION_SET,
      SPOC_CONFIG_JSON: JSON.stringify(parseConfig(CONFIG)),
    });
    schedule = (await import('../../lambdas/promise-schedule.js')).handler;
    step = (await import('../../lambdas/promise-step.js')).handler;
  }, 60_000);

  afterAll(async () => {
    sqs?.destroy();
    dynamodb?.destroy();
    await proxy?.stop();
    await moto?.stop();
    process.env = saved;
  });

  it('enqueues a due promise and nudges its owner once, with the configuration set', async () => {
    const store = new DynamoDbSupportStore({
      client: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      tableName: TABLE,
    });
    await store.putOwner({
      email: 'alice@example.test',
      name: 'Alice Smith',
      active: true,
      createdAt: new Date().toISOString(),
    });
    // The functions read the clock: the nudge was due an hour ago, the due time is hours ahead.
    const received = new Date(Date.now() - 3 * HOUR);
    await store.createConversation({
      id: 'moto-promise-1',
      customerEmail: 'jane@customer.test',
      ownerEmail: 'alice@example.test',
      subject: 'Order 4711',
      status: 'open',
      createdAt: received.toISOString(),
      updatedAt: received.toISOString(),
      customerThread: [],
      ownerThread: [],
    });
    const slot = openPromise(
      {},
      {
        receivedAt: received,
        kind: 'first-response',
        times: { nudgeAt: new Date(Date.now() - HOUR), dueAt: new Date(Date.now() + 5 * HOUR) },
      },
    );
    expect(await store.writePromise('moto-promise-1', slot, 0, received.toISOString())).toBe(true);

    const report = await schedule({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });
    expect(report.enqueued).toEqual(['moto-promise-1']);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((m) => m.Body)).toEqual([JSON.stringify({ conversationId: 'moto-promise-1' })]);
    const event: SQSEvent = {
      Records: Messages.map((m) => ({
        messageId: m.MessageId as string,
        receiptHandle: m.ReceiptHandle as string,
        body: m.Body as string,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'moto',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: REGION,
      })),
    };
    expect((await step(event)).batchItemFailures).toEqual([]);
    expect((await step(event)).batchItemFailures).toEqual([]);

    const nudges = (await moto.sentRawMails()).filter((m) => m.raw.includes('Order 4711'));
    expect(nudges.map((m) => m.destinations[0])).toEqual(['alice@example.test']);
    const requests = proxy.bodies
      .filter((body) => body.includes('"Content"'))
      .map((body) => JSON.parse(body) as { ConfigurationSetName?: string });
    expect(requests.map((r) => r.ConfigurationSetName)).toEqual([CONFIGURATION_SET]);
    expect((await store.getConversation('moto-promise-1'))?.promise?.nudgedAt).toBeDefined();
    // Moved on to its due time: the next run enqueues nothing.
    expect((await schedule({})).enqueued).toEqual([]);
  });
});
