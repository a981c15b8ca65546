import { simpleParser } from 'mailparser';
import {
  BENCH_CONFIG,
  type EnginesProcess,
  envNumber,
  meteredInbound,
  percentile,
  round,
} from '../support/harness.js';
import { corpusMails, ownerAnswer } from '../support/mail.js';
import { summarize } from '../support/meter.js';

export interface LatencyResult {
  messages: number;
  distinctFiles: number;
  wallMs: { p50: number; p99: number };
  handlerCpuMs: { p50: number; p99: number; mean: number };
  parseOnlyCpuMs: { p50: number; p99: number; mean: number };
  cpuRatioP50: number;
  /** Second baseline, same run: CPU of one SDK call (a DynamoDB GetItem through the store), median. */
  sdkCallCpuMs: number;
  /** AWS calls per message, median, all kinds together. */
  awsCallsP50: number;
  byOutcome: Record<string, { count: number; wallP50: number; cpuP50: number; roundTripsP50: number }>;
  /**
   * Handler CPU per kind of mail, p50 and p99, and each as a ratio to the parse-only p50 / p99 of all mails
   * of the run (`ratio`) and of the same mails (`ownParseRatio`).
   */
  byKind: Record<OutcomeKind, KindCpu>;
}

/** The kinds of outcome the CPU target is set for. */
export type OutcomeKind = 'automatic' | 'duplicate' | 'relayed-to-owner' | 'relayed-to-customer';
export const OUTCOME_KINDS: OutcomeKind[] = [
  'automatic',
  'duplicate',
  'relayed-to-owner',
  'relayed-to-customer',
];

export interface KindCpu {
  count: number;
  cpuMs: { p50: number; p99: number };
  parseOnlyCpuMs: { p50: number; p99: number };
  ratio: { p50: number; p99: number };
  ownParseRatio: { p50: number; p99: number };
}

function cpuMs(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** The same order on every run (a fixed-seed shuffle), mixing bounces, replies and MIME edge cases. */
function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  let seed = 0x5eed;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** mailparser alone, with the options `parseMail` gives it. */
async function parseOnly(raw: Buffer): Promise<void> {
  await simpleParser(raw, {
    keepCidLinks: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    checksumAlgo: false,
  }).catch(() => undefined);
}

/**
 * The inbound handler on `BENCH_LATENCY_MESSAGES` corpus mails (cycled), one at a time: wall time, the
 * process's CPU time per message (the engines run in another process) and, for each mail in the same
 * run, the CPU time of parsing it with mailparser alone.
 */
export async function runLatency(engines: EnginesProcess): Promise<LatencyResult> {
  const count = envNumber('BENCH_LATENCY_MESSAGES', 2000);
  const corpus = shuffled(await corpusMails());
  const inbound = await meteredInbound(engines);
  const wall: number[] = [];
  const cpu: number[] = [];
  const parse: number[] = [];
  const callCounts: number[] = [];
  const sdkCall: number[] = [];
  const byOutcome = new Map<string, { wall: number[]; cpu: number[]; trips: number[]; parse: number[] }>();
  // Each relay to an owner is answered by that owner (a Gmail reply), run next: the corpus holds no answers.
  const answers: Array<{ raw: Buffer; envelope: { from: string; to: string[] } }> = [];
  try {
    // Warm-up: the first mails load lazily required modules and fill the JIT; they are not counted.
    const warmup = Math.min(50, corpus.length);
    let fromCorpus = 0;
    for (let i = 0; i < count + warmup; i++) {
      const answer = answers.shift();
      const mail = answer
        ? { path: 'owner answer', raw: answer.raw }
        : (corpus[fromCorpus++ % corpus.length] as (typeof corpus)[number]);
      const envelope = answer?.envelope ?? {
        from: mail.path.startsWith('bounces-sisimai') ? '' : 'corpus@sender.test',
        to: [BENCH_CONFIG.supportAddress],
      };
      const { inboundId, rawKey } = await inbound.store(mail.raw);
      const event = inbound.event(inboundId, rawKey, envelope, mail.raw);
      inbound.meter.reset();
      const measureParse = async () => {
        const start = process.cpuUsage();
        await parseOnly(mail.raw);
        return cpuMs(start);
      };
      const measureHandler = async () => {
        const startCpu = process.cpuUsage();
        const startWall = performance.now();
        const result = await inbound.handle(event);
        const w = performance.now() - startWall;
        const c = cpuMs(startCpu);
        if (result.batchItemFailures.length > 0) throw new Error(`${mail.path} failed`);
        return { w, c };
      };
      // Alternate the order so neither side always runs on caches the other warmed.
      let p: number;
      let h: { w: number; c: number };
      if (i % 2 === 0) {
        p = await measureParse();
        h = await measureHandler();
      } else {
        h = await measureHandler();
        p = await measureParse();
      }
      // The handler's calls only: the outcome is read after them.
      const calls = [...inbound.meter.calls];
      const status = (await inbound.deps.store.getInbound(inboundId))?.outcome?.status ?? 'unfinished';
      const relay = status === 'relayed-to-owner' ? inbound.meter.sentRaw[0] : undefined;
      const owner = relay && BENCH_CONFIG.owners.find((o) => relay.includes(Buffer.from(o.email)));
      if (relay && owner) answers.push(await ownerAnswer(relay, { address: owner.email, name: owner.name }));
      if (i < warmup) continue;
      const trips = summarize(calls).sequentialRoundTrips;
      callCounts.push(calls.length);
      wall.push(h.w);
      cpu.push(h.c);
      parse.push(p);
      const entry = byOutcome.get(status) ?? { wall: [], cpu: [], trips: [], parse: [] };
      entry.wall.push(h.w);
      entry.cpu.push(h.c);
      entry.trips.push(trips);
      entry.parse.push(p);
      byOutcome.set(status, entry);
    }
    for (let i = 0; i < 300; i++) {
      const start = process.cpuUsage();
      await inbound.deps.store.getInbound('bench-missing');
      if (i >= 50) sdkCall.push(cpuMs(start));
    }
  } finally {
    inbound.close();
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const stats = (values: number[]) => ({
    p50: round(percentile(values, 50), 3),
    p99: round(percentile(values, 99), 3),
    mean: round(mean(values), 3),
  });
  const handlerCpuMs = stats(cpu);
  const parseOnlyCpuMs = stats(parse);
  const none = { wall: [], cpu: [], trips: [], parse: [] };
  const byKind = Object.fromEntries(
    OUTCOME_KINDS.map((kind) => {
      const e = byOutcome.get(kind) ?? none;
      const c = { p50: percentile(e.cpu, 50), p99: percentile(e.cpu, 99) };
      const own = { p50: percentile(e.parse, 50), p99: percentile(e.parse, 99) };
      return [
        kind,
        {
          count: e.cpu.length,
          cpuMs: { p50: round(c.p50, 3), p99: round(c.p99, 3) },
          parseOnlyCpuMs: { p50: round(own.p50, 3), p99: round(own.p99, 3) },
          ratio: {
            p50: round(c.p50 / parseOnlyCpuMs.p50, 2),
            p99: round(c.p99 / parseOnlyCpuMs.p99, 2),
          },
          ownParseRatio: { p50: round(c.p50 / own.p50, 2), p99: round(c.p99 / own.p99, 2) },
        },
      ];
    }),
  ) as Record<OutcomeKind, KindCpu>;
  return {
    messages: count,
    distinctFiles: corpus.length,
    wallMs: { p50: round(percentile(wall, 50), 3), p99: round(percentile(wall, 99), 3) },
    handlerCpuMs,
    parseOnlyCpuMs,
    cpuRatioP50: round(handlerCpuMs.p50 / parseOnlyCpuMs.p50, 2),
    sdkCallCpuMs: round(percentile(sdkCall, 50), 3),
    awsCallsP50: percentile(callCounts, 50),
    byKind,
    byOutcome: Object.fromEntries(
      [...byOutcome].map(([status, e]) => [
        status,
        {
          count: e.wall.length,
          wallP50: round(percentile(e.wall, 50), 2),
          cpuP50: round(percentile(e.cpu, 50), 2),
          roundTripsP50: percentile(e.trips, 50),
        },
      ]),
    ),
  };
}
