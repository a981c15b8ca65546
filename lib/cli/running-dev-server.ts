import { type DevServerState, readDevServerState } from '../local/dev-server-state.js';
import type { LocalEndpoints } from '../local/embedded-engines.js';
import { UsageError } from './cli-io.js';

/** A `spoc dev` running on a data directory: where its engines, SMTP entry and outbox are. */
export interface RunningDevServer extends DevServerState {
  smtpPort: number;
  outboxDir: string;
  endpoints: LocalEndpoints;
}

/**
 * The `spoc dev` running on this data directory, if one is: its engines hold the data files, so other
 * commands must go through them rather than open the files themselves, and its SMTP port and outbox
 * are the ones that count, whatever this command's environment says.
 */
export function runningDevServer(dataDir: string): RunningDevServer | undefined {
  const state = readDevServerState(dataDir);
  if (!state) return undefined;
  if (state.endpoints === undefined || state.smtpPort === undefined || state.outboxDir === undefined) {
    throw new UsageError(`spoc dev (pid ${state.pid}) is starting on ${dataDir}; try again in a moment`);
  }
  return state as RunningDevServer;
}
