import { simpleParser } from 'mailparser';
import { meteredInbound } from './harness.js';
import { customerMail } from './mail.js';

// One large mail through the handler in a fresh process: peak RSS over the idle baseline.
const [endpointsJson, bucket, rawKey, inboundId, mode] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  'handler' | 'parse-only',
];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const inbound = await meteredInbound({ endpoints: JSON.parse(endpointsJson), bucket }, { keepSent: false });
const envelope = { from: 'big@customer.test', to: ['support@example.test'] };
// Warm-up with a small mail: modules loaded and connections open belong to the idle baseline.
await inbound.receive(await customerMail('warmup@customer.test'), envelope);
await inbound.receive(await customerMail('warmup@customer.test'), envelope);
gc();
await new Promise((resolve) => setTimeout(resolve, 50));
gc();
const idle = process.memoryUsage().rss;
let peak = idle;
// Attributes each sample to what runs at that moment: the AWS call in flight, or the handler's own work
// (parse, compose) between calls. This is the memory profile by phase.
const byPhase: Record<string, number> = {};
const phase = () => {
  const open = inbound.meter.calls.filter((c) => c.end === 0).map((c) => c.command.replace(/Command$/, ''));
  return open.length > 0
    ? open.join('+')
    : `after ${inbound.meter.calls.at(-1)?.command.replace(/Command$/, '') ?? 'start'}`;
};
const sample = () => {
  const rss = process.memoryUsage().rss;
  peak = Math.max(peak, rss);
  const label = phase();
  byPhase[label] = Math.max(byPhase[label] ?? 0, Math.round((rss - idle) / 1024 / 1024));
};
const sampler = setInterval(sample, 2);
inbound.meter.reset();
const started = performance.now();
let failures = 0;
if (mode === 'parse-only') {
  // The baseline: the same read from S3, then mailparser alone with the options parseMail uses.
  const raw = await inbound.deps.rawMail.getRaw(rawKey);
  await simpleParser(raw, {
    keepCidLinks: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    checksumAlgo: false,
  });
} else {
  failures = (await inbound.handle(inbound.event(inboundId, rawKey, envelope))).batchItemFailures.length;
}
const ms = performance.now() - started;
clearInterval(sampler);
sample();
// The kernel's high-water mark catches peaks inside synchronous work the sampler cannot interrupt.
peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
const outcome = mode === 'handler' ? (await inbound.deps.store.getInbound(inboundId))?.outcome : undefined;
inbound.close();
process.stdout.write(
  `${JSON.stringify({ idle, peak, ms, byPhase, failures, status: outcome?.status, reason: outcome && 'reason' in outcome ? outcome.reason : undefined })}\n`,
);
process.exit(0);
