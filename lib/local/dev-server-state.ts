import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createFileAtomic, writeFileAtomic } from './atomic-file.js';

/** File in the data directory that tells other `spoc` commands where a running dev server's engines are. */
export const DEV_SERVER_STATE_FILE = 'dev-server.json';

/** What a running `spoc dev` records about itself in its data directory. */
export interface DevServerState {
  pid: number;
  /** Absent while the server is still starting. */
  smtpPort?: number;
  outboxDir?: string;
  smtpRelay?: string;
  endpoints?: { dynamodb: string; s3: string };
}

/** Another `spoc dev` holds the data directory: its engines own the files. */
export class DevServerRunningError extends Error {
  override readonly name = 'DevServerRunningError';
  constructor(
    readonly dataDir: string,
    readonly state: DevServerState,
    options?: ErrorOptions,
  ) {
    super(
      `spoc dev is already running on ${dataDir} (pid ${state.pid}${
        state.smtpPort === undefined ? ', still starting' : `, SMTP port ${state.smtpPort}`
      }); stop it first, or use another SPOC_DATA_DIR`,
      options,
    );
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state of the `spoc dev` running on `dataDir`, or `undefined` when none is (a dead one's file is ignored). */
export function readDevServerState(dataDir: string): DevServerState | undefined {
  let state: DevServerState;
  try {
    state = JSON.parse(readFileSync(join(dataDir, DEV_SERVER_STATE_FILE), 'utf8')) as DevServerState;
  } catch {
    // Absent, or half-written by a process that died while writing it.
    return undefined;
  }
  return Number.isInteger(state.pid) && processAlive(state.pid) ? state : undefined;
}

/**
 * Claims `dataDir` for this process before any engine opens its files, so a second `spoc dev` stops with
 * {@link DevServerRunningError} instead of failing deep inside the engines. The state file is created
 * exclusively: of two servers starting at once, one wins. A file left by a dead process is taken over.
 */
export async function claimDataDir(dataDir: string): Promise<void> {
  const file = join(dataDir, DEV_SERVER_STATE_FILE);
  await mkdir(dataDir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      await createFileAtomic(file, JSON.stringify({ pid: process.pid } satisfies DevServerState));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const running = readDevServerState(dataDir);
      if (running) throw new DevServerRunningError(dataDir, running, { cause: error });
      if (attempt > 0) throw error;
    }
    await rm(file, { force: true });
  }
}

/** Records the running server's ports and outbox for other commands (replaces the claim's content). */
export async function writeDevServerState(dataDir: string, state: DevServerState): Promise<void> {
  await writeFileAtomic(join(dataDir, DEV_SERVER_STATE_FILE), JSON.stringify(state));
}

/** Lets go of the data directory. */
export async function releaseDataDir(dataDir: string): Promise<void> {
  await rm(join(dataDir, DEV_SERVER_STATE_FILE), { force: true });
}
