import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OutboxMailSender } from '../../lib/adapters/outbox/outbox-mail-sender.js';
import { parseConfig } from '../../lib/config/load-config.js';
import { createInboundBatchHandler } from '../../lib/handlers/inbound-batch.js';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { createLocalDeps } from '../../lib/local/local-deps.js';
import type { InboundDeps } from '../../lib/use-cases/inbound-deps.js';
import { corpusAvailable, corpusDir } from '../support/corpus.js';
import { TEST_CONFIG_INPUT } from '../support/local-harness.js';

const sesEvents = () => join(corpusDir(), 'ses-events');

/** Wraps an SNS notification body the way an SNS → SQS subscription delivers it. */
function sqsRecord(body: string, messageId: string): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1632773800000',
      SenderId: 'AIDA',
      ApproximateFirstReceiveTimestamp: '1632773800000',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:spoc-inbound',
    awsRegion: 'us-east-1',
  };
}

/**
 * A notification sample as an SQS body. The samples' S3 key starts with a slash, which s3rver cannot
 * serve; the key is moved under the prefix this stack uses, the rest stays as published.
 */
async function fixture(name: string): Promise<string> {
  const text = await readFile(join(sesEvents(), 'fx-private-relay', name), 'utf8');
  return text.replaceAll('/emails/objectkey123', 'inbound/objectkey123');
}

describe.skipIf(!corpusAvailable())('inbound Lambda handler on SES notification samples', () => {
  let engines: EmbeddedEngines;
  let deps: InboundDeps;
  let outbox: string;
  let handler: (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

  beforeAll(async () => {
    engines = await startEmbeddedEngines();
  });
  afterAll(async () => {
    await engines.close();
  });
  beforeEach(async () => {
    outbox = await mkdtemp(join(tmpdir(), 'spoc-lambda-outbox-'));
    // Each test gets its own table so ids in the samples (all "objectkey123") do not collide.
    const tableName = `t${Math.random().toString(36).slice(2, 10)}`;
    const { ensureTable } = await import('../../lib/local/embedded-engines.js');
    await ensureTable(engines.dynamodb, tableName);
    deps = createLocalDeps({
      clients: engines,
      tableName,
      bucket: engines.bucket,
      config: parseConfig({ ...TEST_CONFIG_INPUT, supportAddress: 'sender@test.com' }),
      replyTokenSecret: 'test-secret-test-secret-test-secret',
      sender: new OutboxMailSender({ directory: outbox }),
    });
    const createdAt = new Date().toISOString();
    for (const owner of TEST_CONFIG_INPUT.owners)
      await deps.store.putOwner({ ...owner, active: true, createdAt });
    handler = createInboundBatchHandler(() => Promise.resolve(deps), new Logger({ logLevel: 'SILENT' }));
    return () => rm(outbox, { recursive: true, force: true });
  });

  const sent = async () => (await readdir(outbox)).filter((f) => f.endsWith('.eml'));

  it('processes an S3-action notification: reads the raw mail at the object key and relays it once', async () => {
    const body = await fixture('s3_stored_email_sns_body.json');
    await deps.rawMail.putRaw(
      'inbound/objectkey123',
      await readFile(join(sesEvents(), 'fx-private-relay', 'plain_text_incoming.email')),
    );
    const event = { Records: [sqsRecord(body, 'r1')] };
    expect((await handler(event)).batchItemFailures).toEqual([]);
    expect(await sent()).toHaveLength(1);
    const record = await deps.store.getInbound('objectkey123');
    expect(record?.outcome).toMatchObject({ status: 'relayed-to-owner' });

    // SES and SQS deliver at least once: the same notification again changes nothing.
    expect((await handler(event)).batchItemFailures).toEqual([]);
    expect((await handler(event)).batchItemFailures).toEqual([]);
    expect(await sent()).toHaveLength(1);
    expect((await deps.store.getInbound('objectkey123'))?.attempts).toBe(3);
  });

  it('records a missing raw object as a failed outcome instead of retrying forever', async () => {
    await engines.s3.send(new DeleteObjectCommand({ Bucket: engines.bucket, Key: 'inbound/objectkey123' }));
    const event = { Records: [sqsRecord(await fixture('s3_stored_email_sns_body.json'), 'r1')] };
    expect((await handler(event)).batchItemFailures).toEqual([]);
    expect((await deps.store.getInbound('objectkey123'))?.outcome).toMatchObject({
      status: 'failed',
      reason: 'raw-mail-missing',
    });
    expect(await sent()).toHaveLength(0);
  });

  it('stores mail carried inside an SNS-action notification, then processes it', async () => {
    const body = await fixture('single_recipient_email_sns_body.json');
    expect((await handler({ Records: [sqsRecord(body, 'r1')] })).batchItemFailures).toEqual([]);
    const id = JSON.parse(JSON.parse(body).Message).mail.messageId as string;
    expect((await deps.rawMail.getRaw(`inbound/${id}`)).length).toBeGreaterThan(100);
    expect((await deps.store.getInbound(id))?.outcome?.status).toBe('relayed-to-owner');
  });

  it('quarantines a customer mail with a spam verdict FAIL and keeps it', async () => {
    const body = await fixture('spamVerdict_FAIL_email_sns_body.json');
    expect((await handler({ Records: [sqsRecord(body, 'r1')] })).batchItemFailures).toEqual([]);
    const id = JSON.parse(JSON.parse(body).Message).mail.messageId as string;
    expect((await deps.store.getInbound(id))?.outcome).toMatchObject({
      status: 'quarantined',
      reason: 'spam',
    });
    expect(await sent()).toHaveLength(0);
    expect((await deps.rawMail.getRaw(`inbound/${id}`)).length).toBeGreaterThan(0);
  });

  it('reports only the unreadable records of a batch as failed, so only they retry', async () => {
    await deps.rawMail.putRaw(
      'inbound/objectkey123',
      await readFile(join(sesEvents(), 'fx-private-relay', 'plain_text_incoming.email')),
    );
    const event = {
      Records: [
        sqsRecord(await fixture('subscription_confirmation_invalid_sns_body.json'), 'bad-1'),
        sqsRecord(await fixture('s3_stored_email_sns_body.json'), 'good'),
        sqsRecord('{"not":"sns"}', 'bad-2'),
        sqsRecord(await fixture('hard_bounce_sns_body.json'), 'bad-3'),
      ],
    };
    const result = await handler(event);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['bad-1', 'bad-2', 'bad-3']);
    expect(await sent()).toHaveLength(1);
  });

  it('accepts the powertools SQS-with-SNS sample shape but fails its non-SES payload', async () => {
    const sample = JSON.parse(
      await readFile(join(sesEvents(), 'powertools', 'sqs', 'sns-body.json'), 'utf8'),
    ) as SQSEvent;
    // A batch where every record fails is thrown whole, which Lambda retries whole.
    await expect(handler(sample)).rejects.toThrow(/All records failed/);
  });
});
