import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_SERVER_STATE_FILE } from '../local/dev-server.js';
import type { LocalEndpoints } from '../local/embedded-engines.js';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The engines of a `spoc dev` running on this data directory, if one is: its engines hold the data
 * files, so other commands must go through them rather than open the files themselves.
 */
export function runningDevServer(dataDir: string): LocalEndpoints | undefined {
  const stateFile = join(dataDir, DEV_SERVER_STATE_FILE);
  if (!existsSync(stateFile)) return undefined;
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number; endpoints: LocalEndpoints };
  return processAlive(state.pid) ? state.endpoints : undefined;
}
