import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildCli, CLI_BUILD_DIR } from '../../lib/cli/build-cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Newest modification time of what the build is made of, as `bin/spoc.js` judges a build stale. */
function newestSource(): number {
  let newest = 0;
  for (const file of ['package-lock.json', 'cdk/function-bundling.ts']) {
    newest = Math.max(newest, statSync(`${ROOT}${file}`, { throwIfNoEntry: false })?.mtimeMs ?? 0);
  }
  for (const entry of readdirSync(`${ROOT}lib`, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}

/**
 * Vitest global setup: the `spoc` command the tests start (dozens of times a run) is the built one.
 * `bin/spoc.js` runs the sources through tsx when the build is missing (a worktree that never ran
 * `npm install`) or older than a source (any edit since); that takes about a second of CPU more per
 * command than the build. Building here, from the same sources, takes a few seconds once, and the
 * commands still run exactly the code under test.
 */
export default async function useBuiltCli(): Promise<void> {
  const built = statSync(`${ROOT}${CLI_BUILD_DIR}/main.js`, { throwIfNoEntry: false })?.mtimeMs;
  if (built !== undefined && built > newestSource()) return;
  await buildCli(ROOT.replace(/\/$/, ''));
}
