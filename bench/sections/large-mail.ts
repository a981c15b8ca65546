import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { S3RawMailStore } from '../../lib/adapters/s3/s3-raw-mail-store.js';
import { createLocalS3Client } from '../../lib/local/embedded-engines.js';
import { newInboundId } from '../../lib/local/synthesize-ses-event.js';
import { type EnginesProcess, round } from '../support/harness.js';
import { compose } from '../support/mail.js';

const child = fileURLToPath(new URL('../support/large-mail-child.ts', import.meta.url));
const MB = 1024 * 1024;

export interface LargeMailFigures {
  sizeMb: number;
  rawBytes: number;
  ms: number;
  idleMb: number;
  peakOverIdleMb: number;
  /** Peak memory above idle ÷ message size (target ≤ 4). */
  ratio: number;
  status: string;
  /** Baseline in the same run: S3 read + mailparser alone on the same mail, in a fresh process. */
  parseOnlyPeakOverIdleMb: number;
  parseOnlyRatio: number;
  /** Highest RSS over idle (MB) while each AWS call was in flight, or after it (the handler's own work). */
  byPhase: Record<string, number>;
}

/** A customer mail of about `bytes` with one random binary attachment. */
export function largeMail(bytes: number): Promise<Buffer> {
  // Base64 with line breaks grows the attachment by about 4/3 × 78/76.
  const attachment = randomBytes(Math.max(1, Math.floor((bytes - 2048) / 1.37)));
  return compose({
    from: { name: 'Big Sender', address: 'big@customer.test' },
    to: 'support@example.test',
    subject: 'Scans of the damaged parcel',
    text: 'Hello,\n\nthe scans are attached.\n\nRegards',
    attachments: [{ filename: 'scans.bin', content: attachment, contentType: 'application/octet-stream' }],
  });
}

function runChild(
  endpoints: EnginesProcess['endpoints'],
  bucket: string,
  rawKey: string,
  inboundId: string,
  mode: 'handler' | 'parse-only',
) {
  return new Promise<{
    idle: number;
    peak: number;
    ms: number;
    byPhase: Record<string, number>;
    failures: number;
    status?: string;
    reason?: string;
  }>((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', child, JSON.stringify(endpoints), bucket, rawKey, inboundId, mode],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
    );
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{'))
        return reject(new Error(`large-mail child failed (${code}): ${out}`));
      resolve(JSON.parse(last));
    });
  });
}

/** Mails of `BENCH_LARGE_SIZES_MB` (default 1,10,35) through the handler, each in a fresh process. */
export async function runLargeMail(engines: EnginesProcess): Promise<LargeMailFigures[]> {
  const sizes = (process.env.BENCH_LARGE_SIZES_MB ?? '1,10,35').split(',').map(Number);
  const s3 = createLocalS3Client(engines.endpoints.s3);
  const rawMail = new S3RawMailStore({ client: s3, bucket: engines.bucket });
  const out: LargeMailFigures[] = [];
  try {
    for (const sizeMb of sizes) {
      const raw = await largeMail(sizeMb * MB);
      const inboundId = newInboundId(new Date());
      const rawKey = `inbound/${inboundId}`;
      await rawMail.putRaw(rawKey, raw);
      const p = await runChild(engines.endpoints, engines.bucket, rawKey, inboundId, 'parse-only');
      const r = await runChild(engines.endpoints, engines.bucket, rawKey, inboundId, 'handler');
      const parseOver = (p.peak - p.idle) / MB;
      if (r.failures > 0) throw new Error(`the ${sizeMb} MB mail failed`);
      const over = (r.peak - r.idle) / MB;
      out.push({
        sizeMb,
        rawBytes: raw.length,
        ms: round(r.ms, 0),
        idleMb: round(r.idle / MB, 1),
        peakOverIdleMb: round(over, 1),
        ratio: round(over / (raw.length / MB), 2),
        parseOnlyPeakOverIdleMb: round(parseOver, 1),
        parseOnlyRatio: round(parseOver / (raw.length / MB), 2),
        byPhase: r.byPhase,
        status: r.reason ? `${r.status} (${r.reason})` : (r.status ?? 'unknown'),
      });
    }
  } finally {
    s3.destroy();
  }
  return out;
}
