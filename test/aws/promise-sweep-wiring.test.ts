import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
import type { ScheduleReport } from '../../lib/use-cases/schedule-due-promises.js';
import { type MotoAccount, startMotoAccount } from '../support/moto-account.js';
import type { MotoServer } from '../support/moto-server.js';
import { seedPromisedConversation } from '../support/seed-promise.js';
import { sqsRecordOf } from '../support/sqs-record.js';

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
  let proxy: MotoAccount['proxy'];
  let stop: MotoAccount['stop'];
  let sqs: SQSClient;
  let queueUrl: string;
  let queueArn: string;
  let dynamodb: DynamoDBClient;
  let schedule: (event: unknown) => Promise<ScheduleReport>;
  let step: (event: SQSEvent) => Promise<SQSBatchResponse>;
  const saved = { ...process.env };

  beforeAll(async () => {
    ({ moto, proxy, stop } = await startMotoAccount({
      region: REGION,
      table: TABLE,
      secret: { id: SECRET_ID, value: 'moto-promise-key-0123456789abcdef' },
    }));
    sqs = new SQSClient({});
    dynamodb = new DynamoDBClient({});
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
    await stop?.();
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
    await seedPromisedConversation(store, {
      id: 'moto-promise-1',
      subject: 'Order 4711',
      receivedAt: received,
      times: { nudgeAt: new Date(Date.now() - HOUR), dueAt: new Date(Date.now() + 5 * HOUR) },
    });

    const report = await schedule({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });
    expect(report.enqueued).toEqual(['moto-promise-1']);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((m) => m.Body)).toEqual([JSON.stringify({ conversationId: 'moto-promise-1' })]);
    const event: SQSEvent = { Records: Messages.map((m) => sqsRecordOf(m, queueArn, REGION)) };
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
