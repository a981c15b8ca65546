#!/usr/bin/env node
// The SDK warns on every run that its 2027 releases will need Node 22: nothing a user of this command can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = new URL('../dist/cli/main.js', import.meta.url);

/** Newest modification time of the sources a build is made of. */
function newestSource() {
  let newest = 0;
  for (const file of ['package-lock.json', 'cdk/function-bundling.ts']) {
    newest = Math.max(newest, statSync(`${root}${file}`, { throwIfNoEntry: false })?.mtimeMs ?? 0);
  }
  for (const entry of readdirSync(`${root}lib`, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    newest = Math.max(newest, statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs);
  }
  return newest;
}

// The build (`npm install` runs lib/cli/build-cli.ts) starts in a fraction of the time; a missing or
// stale build (sources edited since) runs the TypeScript through tsx, so `spoc` always runs the sources.
const buildTime = statSync(built, { throwIfNoEntry: false })?.mtimeMs;
if (buildTime !== undefined && buildTime > newestSource()) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../lib/cli/main.ts');
}
