import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, type Diagnostics, type Parameters } from 'recheck';
import { RUN_DIR_ENV } from './memory-tmpdir.js';

/**
 * recheck's verdict on `pattern`, with no time limit: a limit turns a slow answer on a loaded machine
 * into `unknown`, while the test's own timeout still stops a check that never ends.
 *
 * Some patterns are checked by more than one test file (every pattern in lib/ by regex-safety, the
 * trace patterns again where they are used), at up to 3 s of CPU each. A verdict depends on nothing but
 * the pattern, its flags and the parameters, so within one test run it is kept in the run's own
 * directory (see memory-tmpdir.ts) and shared by the test workers; `unknown` is never kept.
 */
export async function recheckStatus(
  pattern: { source: string; flags: string },
  parameters: Omit<Parameters, 'timeout'> = {},
): Promise<Diagnostics> {
  const runDir = process.env[RUN_DIR_ENV];
  const key = createHash('sha256')
    .update(JSON.stringify([pattern.source, pattern.flags, parameters]))
    .digest('hex');
  const file = runDir === undefined ? undefined : join(runDir, 'recheck', `${key}.json`);
  if (file !== undefined) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Diagnostics;
    } catch {
      // Not checked yet in this run.
    }
  }
  const result = await check(pattern.source, pattern.flags, { ...parameters, timeout: null });
  if (file !== undefined && result.status !== 'unknown') {
    mkdirSync(join(file, '..'), { recursive: true });
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, JSON.stringify(result));
    renameSync(partial, file);
  }
  return result;
}
