import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbSupportStore } from '../../lib/adapters/dynamodb/dynamodb-support-store.js';
import { withoutSdkLogging } from '../../lib/adapters/without-sdk-logging.js';
import { SEND_LEASE_MS } from '../../lib/delivery/deliver-mail.js';
import {
  type EmbeddedEngines,
  LOCAL_REGION,
  type LocalClients,
  startEmbeddedEngines,
} from '../../lib/local/embedded-engines.js';
import { type FaultStats, injectedTotal, injectFaults } from '../../lib/local/fault-injection.js';
import type { MailSender, OutgoingMail, SendReceipt } from '../../lib/ports/mail-sender.js';
import { type CapturingMailSender, HandlerRig } from '../support/handler-rig.js';
import { customerMail } from '../support/mail-builder.js';
import { SimulatedQueue } from '../support/simulated-queue.js';

const SUPPORT = ['support@example.test'];
const FAULT_RATE = 0.1;

/** A small seeded generator (mulberry32), so a failing run can be repeated exactly. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Mails in the run: each is relayed exactly once whatever fails. About 540 injected DynamoDB faults of
 * all three kinds and 20 SES refusals a run. Which paths fail varies from run to run with the
 * interleaving more than with the count: measured with V8 coverage of lib/, two runs of 300 mails
 * reached 1,452 and 1,476 statements, two of 200 reached 1,477 each, at two thirds of the CPU (500
 * mails had drawn no path that 300 did not, at 60 % more).
 */
const MAILS = 200;

/**
 * SES refusing a share of sends with throttling before accepting them, as it does under its send rate:
 * a refused mail is accepted on its next try, which comes after a visibility timeout (seconds, where
 * SES's rate is per second). Refusing the same mail again at random added its 10% to the 4% of
 * deliveries that AWS faults fail, and one of the 500 mails failed all 5 receives in about one run in
 * 40 (0.14⁵ × 500; now about one in 1,000). Which mail draws the faults depends on how the concurrent
 * deliveries interleave, so a loaded machine drew differently from a quiet one despite the seed. A mail
 * that SES refuses over and over takes the throttling path (test/e2e/send-throttling.test.ts).
 */
class ThrottlingSender implements MailSender {
  refused = 0;
  private readonly refusedOnce = new Set<string>();
  constructor(
    private readonly inner: MailSender,
    private readonly rate: number,
    private readonly random: () => number,
  ) {}
  send(mail: OutgoingMail): Promise<SendReceipt> {
    if (!this.refusedOnce.has(mail.messageId) && this.random() < this.rate) {
      this.refusedOnce.add(mail.messageId);
      this.refused += 1;
      // Shaped as the SDK's: every service error carries the response's metadata.
      const error = Object.assign(new Error('Maximum sending rate exceeded.'), {
        name: 'TooManyRequestsException',
        $metadata: { httpStatusCode: 429 },
      });
      return Promise.reject(error);
    }
    return this.inner.send(mail);
  }
}

/** A logger that keeps the errors it is given, so a DLQ entry can be matched to its logged reason. */
class KeepingLogger extends Logger {
  readonly errors: string[] = [];
  override error(...args: Parameters<Logger['error']>): void {
    this.errors.push(JSON.stringify(args));
  }
}

describe('faults in every AWS call and the queue retrying (Lambda handler, real engines)', () => {
  let engines: EmbeddedEngines;
  let clients: LocalClients;
  let dynamoStats: FaultStats;
  let s3Stats: FaultStats;
  const random = seeded(20261123);
  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    // The SDK's own retries (3 attempts) with short pauses: the backoff is not what is under test, and the
    // default 100–1000 ms pauses would make the run take minutes.
    const retryStrategy = new ConfiguredRetryStrategy(3, (attempt) => 5 * attempt);
    const dynamodb = withoutSdkLogging(
      new DynamoDBClient({
        endpoint: engines.endpoints.dynamodb,
        region: LOCAL_REGION,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        retryStrategy,
      }),
    );
    const s3 = withoutSdkLogging(
      new S3Client({
        endpoint: engines.endpoints.s3,
        region: LOCAL_REGION,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        retryStrategy,
      }),
    );
    clients = {
      dynamodb,
      doc: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      s3,
    };
    dynamoStats = injectFaults(clients.dynamodb, { rate: FAULT_RATE, random });
    s3Stats = injectFaults(clients.s3, { rate: FAULT_RATE, random });
  });
  afterAll(async () => {
    clients.doc.destroy();
    clients.s3.destroy();
    await engines.close();
  });

  /** Checks read through clients without faults: the assertions are not under test. */
  function cleanStore(rig: HandlerRig): DynamoDbSupportStore {
    return new DynamoDbSupportStore({ client: engines.doc, tableName: rig.tableName });
  }

  async function rigWithFaults(logger?: Logger) {
    let throttling: ThrottlingSender | undefined;
    const rig = await HandlerRig.create(engines, {
      clients,
      config: {
        limits: {
          maxMessageBytes: 40 * 1024 * 1024,
          maxMailsPerSenderPerHour: 1000,
          maxNewCustomersPerHour: 1000,
        },
      },
      wrapSender: (inner: CapturingMailSender) => {
        throttling = new ThrottlingSender(inner, FAULT_RATE, random);
        return throttling;
      },
      ...(logger ? { logger } : {}),
    });
    const queue = new SimulatedQueue(rig.handler, {
      maxReceiveCount: 5,
      batchSize: 10,
      concurrency: 8,
      onVisibilityTimeout: () => rig.advance(SEND_LEASE_MS + 1000),
    });
    return { rig, queue, sender: throttling as ThrottlingSender };
  }

  it(`${MAILS} customer mails at 10% injected failures: each relayed exactly once, nothing in the DLQ`, async () => {
    const { rig, queue, sender } = await rigWithFaults();
    const before = { dynamo: injectedTotal(dynamoStats), s3: injectedTotal(s3Stats) };
    const received = await Promise.all(
      Array.from({ length: MAILS }, async (_, n) => {
        const from = `customer${n % (MAILS / 4)}@customer.test`;
        const raw = await customerMail(from, `Question ${n}`, `Message number ${n}.`);
        return rig.receive(raw, { from, to: SUPPORT });
      }),
    );
    const ids = received.map((r) => r.inboundId);
    for (const { record } of received) queue.send(record);
    const started = Date.now();
    const report = await queue.drain();

    expect(report.dlq).toEqual([]);
    const store = cleanStore(rig);
    const outcomes = await Promise.all(ids.map((id) => store.getInbound(id)));
    expect(outcomes.filter((o) => o?.outcome?.status !== 'relayed-to-owner')).toEqual([]);
    const sentIds = rig.sender.mails.map((m) => m.messageId);
    expect(sentIds).toHaveLength(MAILS);
    expect(new Set(sentIds).size).toBe(MAILS);
    expect(new Set(ids.map((id) => `<${id}.owner@reply.example.test>`))).toEqual(new Set(sentIds));
    expect((await rig.setupRaw.listKeys('inbound/')).filter((k) => ids.includes(k.slice(8)))).toHaveLength(
      MAILS,
    );
    const injected = {
      dynamodb: injectedTotal(dynamoStats) - before.dynamo,
      s3: injectedTotal(s3Stats) - before.s3,
      ses: sender.refused,
    };
    expect(injected.dynamodb).toBeGreaterThan(100);
    expect(injected.ses).toBeGreaterThan(5);
    console.info(
      `${MAILS} msgs, ${FAULT_RATE * 100}% faults: injected dynamodb=${injected.dynamodb} s3=${injected.s3} ses=${injected.ses} ` +
        `(kinds dynamodb ${JSON.stringify(dynamoStats.injected)}), ${report.deliveries} deliveries, ` +
        `${report.redeliveries} queue retries, ${sentIds.length} delivered once, ${report.dlq.length} DLQ, ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 300_000);

  it('permanent failures end in a recorded outcome or the DLQ with the reason; raw mail is never deleted', async () => {
    const logger = new KeepingLogger({ logLevel: 'ERROR' });
    const { rig, queue } = await rigWithFaults(logger);
    const good: string[] = [];
    for (let n = 0; n < 20; n += 1) {
      const from = `steady${n}@customer.test`;
      const { record, inboundId } = await rig.receive(await customerMail(from, `Hi ${n}`, 'text'), {
        from,
        to: SUPPORT,
      });
      good.push(inboundId);
      queue.send(record);
    }
    // A notification whose raw object was never stored (or was deleted by hand).
    const {
      record: missing,
      inboundId: missingId,
      rawKey,
    } = await rig.receive('x', {
      from: 'gone@customer.test',
      to: SUPPORT,
    });
    await engines.s3.send(new DeleteObjectCommand({ Bucket: engines.bucket, Key: rawKey }));
    queue.send(missing);
    const unreadable: SQSRecord = { ...missing, messageId: 'unreadable-1', body: '{"Type":"Notification"}' };
    queue.send(unreadable);

    const report = await queue.drain();
    expect(report.dlq.map((d) => [d.record.messageId, d.receiveCount])).toEqual([['unreadable-1', 5]]);
    expect(
      logger.errors.some((e) => e.includes('unreadable notification') && e.includes('unreadable-1')),
    ).toBe(true);
    const store = cleanStore(rig);
    expect((await store.getInbound(missingId))?.outcome).toMatchObject({
      status: 'failed',
      reason: 'raw-mail-missing',
    });
    const outcomes = await Promise.all(good.map((id) => store.getInbound(id)));
    expect(outcomes.every((o) => o?.outcome?.status === 'relayed-to-owner')).toBe(true);
    const kept = await rig.setupRaw.listKeys('inbound/');
    expect(good.every((id) => kept.includes(`inbound/${id}`))).toBe(true);
  }, 120_000);
});
