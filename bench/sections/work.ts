import { readFile } from 'node:fs/promises';
import {
  BENCH_CONFIG,
  type EnginesProcess,
  envNumber,
  meteredInbound,
  percentile,
  round,
} from '../support/harness.js';
import { customerMail, ownerAnswer } from '../support/mail.js';
import { type AwsCall, type CallSummary, describeRounds, summarize } from '../support/meter.js';

export type MessageKind = 'new-customer' | 'follow-up' | 'owner-reply';
export const KINDS: MessageKind[] = ['new-customer', 'follow-up', 'owner-reply'];

interface Prices {
  sesReceivePerMail: number;
  sesReceivePerChunk256KB: number;
  sesSendPerMail: number;
  sesSendPerGB: number;
  s3GetPerRequest: number;
  s3PutPerRequest: number;
  dynamoWritePerUnit: number;
  dynamoReadPerUnit: number;
  sqsPerRequest64KB: number;
  snsPublishPerRequest: number;
  lambdaArmPerGBSecond: number;
  lambdaPerRequest: number;
}

export interface KindFigures extends CallSummary {
  sequentialRoundTripsMax: number;
  rounds: string;
  inboundBytes: number;
  cpuMs: number;
  /** Modelled Lambda duration: CPU + sequential round trips × the assumed round-trip time. */
  lambdaMs: number;
  costPer10k: Record<string, number>;
  sesCostPer10k: number;
  otherCostPer10k: number;
  otherToSes: number;
}

export interface WorkResult {
  samples: number;
  roundTripMs: number;
  lambdaMemoryMb: number;
  kinds: Record<MessageKind, KindFigures>;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

function costs(
  prices: Prices,
  s: Omit<KindFigures, 'costPer10k' | 'sesCostPer10k' | 'otherCostPer10k' | 'otherToSes'>,
  memoryMb: number,
) {
  const n = 10_000;
  const chunks = Math.max(1, Math.ceil(s.inboundBytes / (256 * 1024)));
  const notificationChunks = 1;
  const c = {
    sesReceive: n * (prices.sesReceivePerMail + chunks * prices.sesReceivePerChunk256KB),
    sesSend: n * (s.sesSends * prices.sesSendPerMail + (s.sesBytes / 1024 ** 3) * prices.sesSendPerGB),
    // SES's S3 action stores every received mail: one PUT, plus the handler's own S3 calls.
    s3: n * ((1 + s.s3Puts) * prices.s3PutPerRequest + s.s3Gets * prices.s3GetPerRequest),
    dynamodb:
      n * (s.dynamoWriteUnits * prices.dynamoWritePerUnit + s.dynamoReadUnits * prices.dynamoReadPerUnit),
    sns: n * prices.snsPublishPerRequest,
    sqs: n * 3 * notificationChunks * prices.sqsPerRequest64KB,
    lambda:
      n * (prices.lambdaPerRequest + (memoryMb / 1024) * (s.lambdaMs / 1000) * prices.lambdaArmPerGBSecond),
  };
  const ses = c.sesReceive + c.sesSend;
  const other = c.s3 + c.dynamodb + c.sns + c.sqs + c.lambda;
  const rounded = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, round(v, 4)]));
  return {
    costPer10k: rounded,
    sesCostPer10k: round(ses, 4),
    otherCostPer10k: round(other, 4),
    otherToSes: round(other / ses, 3),
  };
}

/**
 * Runs new-customer mails, their follow-ups and the owners' replies through the inbound handler and
 * counts each one's AWS calls, DynamoDB units, bytes and sequential round trips.
 */
export async function runWork(engines: EnginesProcess): Promise<WorkResult> {
  const samples = envNumber('BENCH_WORK_SAMPLES', 20);
  const roundTripMs = envNumber('BENCH_ROUND_TRIP_MS', 8);
  const memoryMb = BENCH_CONFIG.deploy.inboundMemoryMb;
  const prices = JSON.parse(await readFile(new URL('../prices.json', import.meta.url), 'utf8')) as Prices;
  const inbound = await meteredInbound(engines);
  const seen: Record<MessageKind, Array<{ calls: AwsCall[]; bytes: number; cpuMs: number }>> = {
    'new-customer': [],
    'follow-up': [],
    'owner-reply': [],
  };
  const run = async (kind: MessageKind, raw: Buffer, envelope: { from: string; to: string[] }) => {
    inbound.meter.reset();
    const cpu = process.cpuUsage();
    await inbound.receive(raw, envelope);
    const used = process.cpuUsage(cpu);
    seen[kind].push({
      calls: inbound.meter.calls,
      bytes: raw.length,
      cpuMs: (used.user + used.system) / 1000,
    });
    return inbound.meter.sentRaw;
  };
  try {
    for (let i = 0; i < samples; i++) {
      const customer = `customer${i}@customer.test`;
      const first = await customerMail(customer);
      const firstId = /^Message-ID: (.*)$/im.exec(first.toString('latin1'))?.[1]?.trim() ?? '';
      const envelope = { from: customer, to: [BENCH_CONFIG.supportAddress] };
      const [relay] = await run('new-customer', first, envelope);
      await run('follow-up', await customerMail(customer, { references: [firstId] }), envelope);
      if (!relay) throw new Error('the new customer mail was not relayed');
      const owner = BENCH_CONFIG.owners.find((o) => relay.includes(Buffer.from(o.email)));
      if (!owner) throw new Error('relay to an unknown owner');
      const answer = await ownerAnswer(relay, { address: owner.email, name: owner.name });
      await run('owner-reply', answer.raw, answer.envelope);
    }
  } finally {
    inbound.close();
  }
  const kinds = {} as Record<MessageKind, KindFigures>;
  for (const kind of KINDS) {
    const runs = seen[kind];
    const summaries = runs.map((r) => summarize(r.calls));
    const avg = (pick: (s: CallSummary) => number) => round(mean(summaries.map(pick)), 2);
    const byCommand: Record<string, number> = {};
    for (const s of summaries)
      for (const [name, count] of Object.entries(s.byCommand))
        byCommand[name] = (byCommand[name] ?? 0) + count / summaries.length;
    const cpuMs = round(mean(runs.map((r) => r.cpuMs)), 2);
    // Timing can only approximate dependency: a lookup that happens to start after an unrelated parallel
    // one ended looks one round deeper. The median over the samples is the structure; the max is kept too.
    const trips = summaries.map((s) => s.sequentialRoundTrips);
    const sequentialRoundTrips = percentile(trips, 50);
    const base = {
      calls: avg((s) => s.calls),
      byCommand: Object.fromEntries(Object.entries(byCommand).map(([k, v]) => [k, round(v, 2)])),
      dynamoWriteUnits: avg((s) => s.dynamoWriteUnits),
      dynamoReadUnits: avg((s) => s.dynamoReadUnits),
      s3Gets: avg((s) => s.s3Gets),
      s3Puts: avg((s) => s.s3Puts),
      s3GetBytes: avg((s) => s.s3GetBytes),
      sesSends: avg((s) => s.sesSends),
      sesBytes: avg((s) => s.sesBytes),
      sequentialRoundTrips,
      sequentialRoundTripsMax: Math.max(...trips),
      rounds: describeRounds(runs.at(-1)?.calls ?? []),
      inboundBytes: round(mean(runs.map((r) => r.bytes)), 0),
      cpuMs,
      lambdaMs: round(cpuMs + sequentialRoundTrips * roundTripMs, 1),
    };
    kinds[kind] = { ...base, ...costs(prices, base, memoryMb) };
  }
  return { samples, roundTripMs, lambdaMemoryMb: memoryMb, kinds };
}
