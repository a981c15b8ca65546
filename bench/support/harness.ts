import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSEvent } from 'aws-lambda';
import { SesMailSender } from '../../lib/adapters/ses/ses-mail-sender.js';
import { withoutSdkLogging } from '../../lib/adapters/without-sdk-logging.js';
import type { SpocConfig } from '../../lib/config/config-schema.js';
import { parseConfig } from '../../lib/config/load-config.js';
import { createInboundBatchHandler } from '../../lib/handlers/inbound-batch.js';
import {
  createLocalDynamoClients,
  createLocalS3Client,
  ensureTable,
  LOCAL_REGION,
} from '../../lib/local/embedded-engines.js';
import { createLocalDeps } from '../../lib/local/local-deps.js';
import { newInboundId, synthesizeSesEvent } from '../../lib/local/synthesize-ses-event.js';
import type { InboundDeps } from '../../lib/use-cases/inbound-deps.js';
import { AwsMeter } from './meter.js';

export const BENCH_CONFIG: SpocConfig = parseConfig({
  supportAddress: 'support@example.test',
  supportName: 'Support',
  replyDomain: 'reply.example.test',
  owners: [
    { email: 'alice@example.test', name: 'Alice Smith' },
    { email: 'bob@example.test', name: 'Bob Jones' },
  ],
  // Benchmarks create hundreds of customers in minutes: the hourly new-customer cap is not what they measure.
  limits: { maxNewCustomersPerHour: 1_000_000 },
});

/** Embedded engines running in a child process. */
export interface EnginesProcess {
  endpoints: { dynamodb: string; s3: string };
  bucket: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const childEntry = fileURLToPath(new URL('./engines-child.ts', import.meta.url));

export async function startEnginesProcess(): Promise<EnginesProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', childEntry], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`engines process exited with ${code}`)));
  });
  // Never leave the engines running if the benchmark dies.
  const killChild = () => child.kill();
  process.once('exit', killChild);
  child.once('exit', () => process.off('exit', killChild));
  const { endpoints, bucket } = JSON.parse(line) as {
    endpoints: EnginesProcess['endpoints'];
    bucket: string;
  };
  return {
    endpoints,
    bucket,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The inbound handler against the engines, every client metered, SES answered by a local stub. */
export interface MeteredInbound {
  deps: InboundDeps;
  meter: AwsMeter;
  tableName: string;
  /** Runs one stored raw mail through the handler as SES would announce it; returns its inbound id. */
  receive(
    raw: Buffer,
    envelope: { from: string; to: string[] },
    options?: { stored?: boolean },
  ): Promise<string>;
  /** Stores the raw mail as SES's S3 action would, without metering it. */
  store(raw: Buffer): Promise<{ inboundId: string; rawKey: string }>;
  handle(event: SQSEvent): Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
  /** The SQS event local mode builds for a stored mail; `receivedAt` defaults to now. */
  event(
    inboundId: string,
    rawKey: string,
    envelope: { from: string; to: string[] },
    raw?: Buffer,
    receivedAt?: Date,
  ): SQSEvent;
  close(): void;
}

export async function meteredInbound(
  engines: Pick<EnginesProcess, 'endpoints' | 'bucket'>,
  options: { config?: SpocConfig; keepSent?: boolean } = {},
): Promise<MeteredInbound> {
  const config = options.config ?? BENCH_CONFIG;
  const meter = new AwsMeter({ keepSent: options.keepSent ?? true });
  const { dynamodb, doc } = createLocalDynamoClients(engines.endpoints.dynamodb);
  const s3 = createLocalS3Client(engines.endpoints.s3);
  const tableName = `bench${randomBytes(5).toString('hex')}`;
  await ensureTable(dynamodb, tableName);
  // As the composition root creates it, so the send costs what it costs in AWS.
  const ses = withoutSdkLogging(
    new SESv2Client({
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    }),
  );
  meter.stubSes(ses);
  const deps = createLocalDeps({
    clients: { dynamodb, doc, s3 },
    tableName,
    bucket: engines.bucket,
    config,
    replyTokenSecret: 'bench-secret-bench-secret-bench-secret',
    sender: new SesMailSender({ client: ses, region: LOCAL_REGION, configurationSetName: 'bench' }),
  });
  const createdAt = new Date().toISOString();
  for (const owner of config.owners) await deps.store.putOwner({ ...owner, active: true, createdAt });
  meter.attach(dynamodb, 'dynamodb');
  meter.attach(s3, 's3');
  meter.attach(ses, 'ses');
  const handle = createInboundBatchHandler(() => Promise.resolve(deps), new Logger({ logLevel: 'SILENT' }));
  const event = (
    inboundId: string,
    rawKey: string,
    envelope: { from: string; to: string[] },
    raw?: Buffer,
    receivedAt = new Date(),
  ) =>
    synthesizeSesEvent({
      inboundId,
      rawKey,
      bucket: engines.bucket,
      envelopeFrom: envelope.from,
      recipients: envelope.to,
      receivedAt,
      verdict: 'PASS',
      ...(raw ? { raw } : {}),
    });
  const store = async (raw: Buffer) => {
    const inboundId = newInboundId(new Date());
    const rawKey = `inbound/${inboundId}`;
    await deps.rawMail.putRaw(rawKey, raw);
    return { inboundId, rawKey };
  };
  return {
    deps,
    meter,
    tableName,
    store,
    handle,
    event,
    async receive(raw, envelope) {
      // Storing is SES's work, not the handler's: it is left out of the count.
      const before = meter.calls.length;
      const { inboundId, rawKey } = await store(raw);
      meter.calls.length = before;
      const result = await handle(event(inboundId, rawKey, envelope, raw));
      if (result.batchItemFailures.length > 0) throw new Error(`inbound ${inboundId} failed`);
      return inboundId;
    },
    close() {
      doc.destroy();
      dynamodb.destroy();
      s3.destroy();
      ses.destroy();
    },
  };
}

/** Percentile of a sorted-or-not list (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function envNumber(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`${name} must be a positive number`);
  return parsed;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
