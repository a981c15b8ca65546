import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_ALIASES, FUNCTION_BUNDLING, INBOUND_NODE_MODULES } from '../../cdk/function-bundling.js';
import { synthesizeSesEvent } from '../../lib/local/synthesize-ses-event.js';
import { BENCH_CONFIG, envNumber, percentile, round } from '../support/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Lambda entry points the stack bundles, each with the packages the stack installs beside its bundle
 * (its `nodeModules`); the ones not present in this tree are skipped.
 */
const LAMBDAS: Record<string, readonly string[]> = {
  inbound: INBOUND_NODE_MODULES,
  'delivery-events': [],
};

/** Bytes read from one package installed beside a bundle during a cold start. */
export interface BesideBundleLoad {
  files: number;
  bytes: number;
}

/** How many of the packages in a bundle's metafile are kept in the results, largest first. */
const TOP_PACKAGES = 10;

export interface ColdStartResult {
  bundles: Record<string, { bytes: number; mb: number }>;
  /** The inbound bundle's largest packages (bytes of minified output, from esbuild's metafile). */
  inboundPackages: Record<string, number>;
  /** Packages beside the inbound bundle that its cold start loads (CommonJS modules), not in its size. */
  inboundBesideBundleLoaded: Record<string, BesideBundleLoad>;
  /**
   * What an inbound cold start loads: the bundle and the files it reads from beside it. A package
   * installed beside the bundle only saves a cold start what it does not load there.
   */
  inboundLoaded: { bytes: number; mb: number };
  runs: number;
  inbound: ColdStartTimes;
  baseline: ColdStartTimes;
  readyRatio: number;
  loadedRatio: number;
  /** Ratio of the CPU time until ready: less sensitive than wall time to other load on the machine. */
  cpuRatio: number;
}

/** Medians over the fresh processes, in milliseconds since each process started. */
export interface ColdStartTimes {
  loadedMs: number;
  readyMs: number;
  /** CPU time (user + system, all threads) the process used until ready. */
  cpuMs: number;
}

/** The package a bundled file comes from (`@scope/name` or `name`, the innermost), else its directory. */
function packageOf(file: string): string {
  return /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split('/').slice(0, -1).join('/');
}

/**
 * Builds with the stack's bundling (`FUNCTION_BUNDLING`, `BUNDLE_ALIASES`, ESM, linked source map) and the given packages
 * external; returns the size and the output bytes per package, largest first.
 */
async function bundle(
  entry: string,
  outfile: string,
  external: readonly string[],
): Promise<{ bytes: number; packages: Record<string, number> }> {
  const { metafile } = await build({
    ...FUNCTION_BUNDLING,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    banner: { js: FUNCTION_BUNDLING.banner },
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // NodejsFunction's `sourceMap: true`: a map file, named in a comment at the end of the bundle.
    sourcemap: 'linked',
    external: [...external],
    alias: { ...BUNDLE_ALIASES },
    metafile: true,
    absWorkingDir: root,
    logLevel: 'silent',
  });
  const packages: Record<string, number> = {};
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(file);
      packages[name] = (packages[name] ?? 0) + bytesInOutput;
    }
  }
  const sorted = Object.entries(packages).sort(([, a], [, b]) => b - a);
  return { bytes: (await stat(outfile)).size, packages: Object.fromEntries(sorted) };
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

interface FreshRun {
  loaded: number;
  ready: number;
  cpu: number;
  /** Files under node_modules the process loaded: those of the packages beside the bundle. */
  besideBundle: Array<{ file: string; bytes: number }>;
}

function runFresh(measure: string, bundleFile: string, eventFile: string, env: NodeJS.ProcessEnv) {
  return new Promise<FreshRun>((resolve, reject) => {
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
      resolve(JSON.parse(last) as FreshRun);
    });
  });
}

/** Files under node_modules summed by package. */
function byPackage(files: FreshRun['besideBundle']): Record<string, BesideBundleLoad> {
  const packages: Record<string, BesideBundleLoad> = {};
  for (const { file, bytes } of files) {
    const name = packageOf(file);
    const seen = packages[name] ?? { files: 0, bytes: 0 };
    packages[name] = { files: seen.files + 1, bytes: seen.bytes + bytes };
  }
  return packages;
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
    let inboundPackages: Record<string, number> = {};
    for (const [name, external] of Object.entries(LAMBDAS)) {
      const entry = join(root, 'lambdas', `${name}.ts`);
      if (!existsSync(entry)) continue;
      const { bytes, packages } = await bundle(entry, join(dir, name, 'index.mjs'), external);
      bundles[name] = { bytes, mb: round(bytes / 1024 / 1024, 3) };
      if (name === 'inbound')
        inboundPackages = Object.fromEntries(Object.entries(packages).slice(0, TOP_PACKAGES));
    }
    const baseline = await bundle(
      join(root, 'bench/cold/baseline-entry.ts'),
      join(dir, 'baseline', 'index.mjs'),
      [],
    );
    bundles['baseline (SDK clients only)'] = {
      bytes: baseline.bytes,
      mb: round(baseline.bytes / 1024 / 1024, 3),
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
    const inboundFile = join(dir, 'inbound', 'index.mjs');
    const baselineFile = join(dir, 'baseline', 'index.mjs');
    // One unmeasured run each warms the file cache.
    const warm = await runFresh(measure, inboundFile, eventFile, env);
    await runFresh(measure, baselineFile, eventFile, env);
    const times = { inbound: [] as FreshRun[], baseline: [] as FreshRun[] };
    for (let i = 0; i < runs; i++) {
      times.inbound.push(await runFresh(measure, inboundFile, eventFile, env));
      times.baseline.push(await runFresh(measure, baselineFile, eventFile, env));
    }
    const median = (list: FreshRun[], key: 'loaded' | 'ready' | 'cpu') =>
      round(
        percentile(
          list.map((t) => t[key]),
          50,
        ),
        1,
      );
    const medians = (list: FreshRun[]): ColdStartTimes => ({
      loadedMs: median(list, 'loaded'),
      readyMs: median(list, 'ready'),
      cpuMs: median(list, 'cpu'),
    });
    const loadedBytes =
      (bundles.inbound?.bytes ?? 0) + warm.besideBundle.reduce((sum, file) => sum + file.bytes, 0);
    const i = medians(times.inbound);
    const b = medians(times.baseline);
    return {
      bundles,
      inboundPackages,
      inboundBesideBundleLoaded: byPackage(warm.besideBundle),
      inboundLoaded: { bytes: loadedBytes, mb: round(loadedBytes / 1024 / 1024, 3) },
      runs,
      inbound: i,
      baseline: b,
      readyRatio: round(i.readyMs / b.readyMs, 2),
      loadedRatio: round(i.loadedMs / b.loadedMs, 2),
      cpuRatio: round(i.cpuMs / b.cpuMs, 2),
    };
  } finally {
    stub.close();
    await rm(dir, { recursive: true, force: true });
  }
}
