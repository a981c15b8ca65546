import { Worker } from 'node:worker_threads';
import { simpleParser } from 'mailparser';
import { sliceStream } from '../../lib/mail/slice-stream.js';
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

// RSS is sampled every millisecond by a worker thread, so that peaks inside synchronous work of the main
// thread (composing, serialising the SES request) are seen and attributed too. The main thread publishes
// the index of the phase it is in; the worker keeps the highest RSS per phase.
const MAX_PHASES = 256;
const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const phase = new Int32Array(workerData.phase);
const peaks = new Float64Array(workerData.peaks);
setInterval(() => {
  const rss = process.memoryUsage.rss();
  const index = Atomics.load(phase, 0);
  if (index >= 0 && rss > peaks[index]) peaks[index] = rss;
}, 1);
parentPort.postMessage('sampling');
`;
const phaseIndex = new Int32Array(new SharedArrayBuffer(4));
const peaks = new Float64Array(new SharedArrayBuffer(8 * MAX_PHASES));
Atomics.store(phaseIndex, 0, -1);
const sampler = new Worker(SAMPLER, {
  eval: true,
  workerData: { phase: phaseIndex.buffer, peaks: peaks.buffer },
});
await new Promise((resolve) => sampler.once('message', resolve));

const inbound = await meteredInbound({ endpoints: JSON.parse(endpointsJson), bucket }, { keepSent: false });
const envelope = { from: 'big@customer.test', to: ['support@example.test'] };
// Warm-up with a small mail: modules loaded and connections open belong to the idle baseline.
await inbound.receive(await customerMail('warmup@customer.test'), envelope);
await inbound.receive(await customerMail('warmup@customer.test'), envelope);
gc();
await new Promise((resolve) => setTimeout(resolve, 50));
gc();
const idle = process.memoryUsage().rss;

// A phase is the AWS calls in flight, or the handler's own work (parse, compose) after the last call.
const labels: string[] = [];
const label = () => {
  const open = inbound.meter.calls.filter((c) => c.end === 0).map((c) => c.command.replace(/Command$/, ''));
  return open.length > 0
    ? open.join('+')
    : `after ${inbound.meter.calls.at(-1)?.command.replace(/Command$/, '') ?? 'start'}`;
};
const publish = () => {
  const name = label();
  let index = labels.indexOf(name);
  if (index < 0 && labels.length < MAX_PHASES) index = labels.push(name) - 1;
  Atomics.store(phaseIndex, 0, index);
};
inbound.meter.reset();
inbound.meter.onChange = publish;
publish();
const started = performance.now();
let failures = 0;
if (mode === 'parse-only') {
  // The baseline: the same read from S3, then mailparser alone with the options and the input slices
  // parseMail gives it.
  const raw = await inbound.deps.rawMail.getRaw(rawKey);
  await simpleParser(sliceStream(raw, 64 * 1024), {
    keepCidLinks: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    checksumAlgo: false,
  });
} else {
  failures = (await inbound.handle(inbound.event(inboundId, rawKey, envelope))).batchItemFailures.length;
}
const ms = performance.now() - started;
await new Promise((resolve) => setTimeout(resolve, 5));
await sampler.terminate();
const byPhase: Record<string, number> = {};
labels.forEach((name, index) => {
  if ((peaks[index] ?? 0) > 0) byPhase[name] = Math.round(((peaks[index] ?? 0) - idle) / 1024 / 1024);
});
// The kernel's high-water mark catches what falls between two samples.
const peak = Math.max(idle, ...peaks, process.resourceUsage().maxRSS * 1024);
const outcome = mode === 'handler' ? (await inbound.deps.store.getInbound(inboundId))?.outcome : undefined;
inbound.close();
process.stdout.write(
  `${JSON.stringify({ idle, peak, ms, byPhase, failures, status: outcome?.status, reason: outcome && 'reason' in outcome ? outcome.reason : undefined })}\n`,
);
process.exit(0);
