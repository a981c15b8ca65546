import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { synthesizeSesEvent } from '../../lib/local/synthesize-ses-event.js';
import { BENCH_CONFIG, envNumber, percentile, round } from '../support/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Lambda entry points the stack bundles; the ones not present in this tree are skipped. */
const LAMBDAS = ['inbound', 'delivery-events'];

export interface ColdStartResult {
  bundles: Record<string, { bytes: number; mb: number }>;
  runs: number;
  inbound: { loadedMs: number; readyMs: number };
  baseline: { loadedMs: number; readyMs: number };
  readyRatio: number;
  loadedRatio: number;
  /** The inbound bundle with iconv-lite external (see ICONV_EXTERNAL). */
  inboundIconvExternal: { loadedMs: number; readyMs: number };
  iconvExternalReadyRatio: number;
}

/**
 * Externals of a variant that leaves iconv-lite out of the bundle (installed beside it, e.g. with the
 * stack's `nodeModules`): its code-page tables (~460 KB minified) are then read from disk only when a
 * mail in a CJK charset needs them, instead of being parsed at every cold start.
 */
const ICONV_EXTERNAL = ['jsdom', 'iconv-lite'];

/** The stack's bundling: ESM for node22, minified, SDK v3 bundled, `require` for CJS dependencies. */
async function bundle(entry: string, outfile: string, external = ['jsdom']): Promise<number> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    sourcemap: 'external',
    mainFields: ['module', 'main'],
    // Loaded lazily (dynamic import) for HTML owner replies only; shipped beside the bundle.
    external,
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'silent',
  });
  return (await stat(outfile)).size;
}

/** Answers the two first calls of a cold start (reply-token secret, inbound claim) like AWS would. */
function startStubAws() {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      let body: unknown = {};
      if (target.endsWith('GetSecretValue')) {
        body = {
          ARN: 'arn:aws:secretsmanager:us-east-1:0:secret:bench',
          Name: 'bench',
          SecretString: 'x'.repeat(40),
        };
      } else if (target.endsWith('UpdateItem')) {
        // A claim that finds the mail already finished: the invocation ends as a duplicate.
        body = {
          Attributes: {
            id: { S: 'bench' },
            rawKey: { S: 'inbound/bench' },
            receivedAt: { S: '2026-01-01T00:00:00.000Z' },
            attempts: { N: '2' },
            outcome: { M: { status: { S: 'automatic' }, reason: { S: 'bench' }, detail: { S: 'bench' } } },
          },
        };
      }
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(body));
    });
  });
  return new Promise<{ url: string; close: () => void }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => {
          server.closeAllConnections();
          server.close();
        },
      }),
    ),
  );
}

function runFresh(measure: string, bundleFile: string, eventFile: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ loaded: number; ready: number }>((resolve, reject) => {
    const child = spawn(process.execPath, [measure, bundleFile, eventFile], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{'))
        return reject(new Error(`cold-start run failed (${code}): ${err}${out}`));
      resolve(JSON.parse(last) as { loaded: number; ready: number });
    });
  });
}

/**
 * Bundles each Lambda as the stack does, and times fresh node processes loading the inbound bundle and
 * making its first invocation, against a bundle that only builds the same SDK clients and makes the same
 * first calls. Runs alternate between the two so machine noise hits both alike.
 */
export async function runColdStart(): Promise<ColdStartResult> {
  const runs = envNumber('BENCH_COLD_RUNS', 15);
  // Inside the tree, so an external package resolves from its node_modules like it would beside a bundle.
  await mkdir(join(root, 'bench/.bundles'), { recursive: true });
  const dir = await mkdtemp(join(root, 'bench/.bundles/run-'));
  const stub = await startStubAws();
  try {
    const bundles: ColdStartResult['bundles'] = {};
    for (const name of LAMBDAS) {
      const entry = join(root, 'lambdas', `${name}.ts`);
      if (!existsSync(entry)) continue;
      const bytes = await bundle(entry, join(dir, `${name}.mjs`));
      bundles[name] = { bytes, mb: round(bytes / 1024 / 1024, 3) };
    }
    const iconvBytes = await bundle(
      join(root, 'lambdas/inbound.ts'),
      join(dir, 'inbound-iconv-external.mjs'),
      ICONV_EXTERNAL,
    );
    bundles['inbound, iconv-lite external'] = { bytes: iconvBytes, mb: round(iconvBytes / 1024 / 1024, 3) };
    const baselineBytes = await bundle(join(root, 'bench/cold/baseline-entry.ts'), join(dir, 'baseline.mjs'));
    bundles['baseline (SDK clients only)'] = {
      bytes: baselineBytes,
      mb: round(baselineBytes / 1024 / 1024, 3),
    };

    const measure = join(dir, 'measure.mjs');
    await copyFile(join(root, 'bench/cold/measure.mjs'), measure);
    const eventFile = join(dir, 'event.json');
    await writeFile(
      eventFile,
      JSON.stringify(
        synthesizeSesEvent({
          inboundId: 'bench',
          rawKey: 'inbound/bench',
          bucket: 'bench',
          envelopeFrom: 'a@b.test',
          recipients: [BENCH_CONFIG.supportAddress],
          receivedAt: new Date(),
          verdict: 'PASS',
        }),
      ),
    );
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_OPTIONS: '',
      NODE_NO_WARNINGS: '1',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_ENDPOINT_URL: stub.url,
      AWS_EC2_METADATA_DISABLED: 'true',
      TABLE_NAME: 'bench',
      RAW_MAIL_BUCKET: 'bench',
      REPLY_TOKEN_SECRET_ID: 'bench',
      SES_CONFIGURATION_SET: 'bench',
      SPOC_CONFIG_JSON: JSON.stringify(BENCH_CONFIG),
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
    const inbound = join(dir, 'inbound.mjs');
    const baseline = join(dir, 'baseline.mjs');
    // One unmeasured run each warms the file cache.
    await runFresh(measure, inbound, eventFile, env);
    await runFresh(measure, baseline, eventFile, env);
    const iconvExternal = join(dir, 'inbound-iconv-external.mjs');
    await runFresh(measure, iconvExternal, eventFile, env);
    type Times = Array<{ loaded: number; ready: number }>;
    const times = { inbound: [] as Times, baseline: [] as Times, iconv: [] as Times };
    for (let i = 0; i < runs; i++) {
      times.inbound.push(await runFresh(measure, inbound, eventFile, env));
      times.baseline.push(await runFresh(measure, baseline, eventFile, env));
      times.iconv.push(await runFresh(measure, iconvExternal, eventFile, env));
    }
    const median = (list: Array<{ loaded: number; ready: number }>) => ({
      loadedMs: round(
        percentile(
          list.map((t) => t.loaded),
          50,
        ),
        1,
      ),
      readyMs: round(
        percentile(
          list.map((t) => t.ready),
          50,
        ),
        1,
      ),
    });
    const i = median(times.inbound);
    const b = median(times.baseline);
    const v = median(times.iconv);
    return {
      bundles,
      runs,
      inbound: i,
      baseline: b,
      readyRatio: round(i.readyMs / b.readyMs, 2),
      loadedRatio: round(i.loadedMs / b.loadedMs, 2),
      inboundIconvExternal: v,
      iconvExternalReadyRatio: round(v.readyMs / b.readyMs, 2),
    };
  } finally {
    stub.close();
    await rm(dir, { recursive: true, force: true });
  }
}
