import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_ALIASES, ESM_REQUIRE_BANNER } from '../../cdk/function-bundling.js';

/** Where the built CLI goes; `bin/spoc.js` runs `main.js` from here when it is newer than the sources. */
export const CLI_BUILD_DIR = 'dist/cli';

/**
 * Builds the `spoc` command once (npm's `prepare`, run by `npm install` and `npm ci`): the CLI with its
 * packages in one ESM bundle, split so that a command loads only its own modules. Run through tsx, the
 * CLI compiled its TypeScript and read hundreds of package files on every call (2–9 s for
 * `spoc owner list`); built, it starts in a fraction of that. The engines (dynalite's native LevelDB,
 * s3rver) and jsdom, loaded only for HTML answers, stay in `node_modules`.
 */
export async function buildCli(root: string): Promise<void> {
  const outdir = `${root}/${CLI_BUILD_DIR}`;
  await rm(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: ['lib/cli/main.ts'],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    alias: BUNDLE_ALIASES,
    external: ['dynalite', 's3rver', 'jsdom'],
    // Less to parse on every start; names kept for readable stack traces.
    minify: true,
    keepNames: true,
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildCli(fileURLToPath(new URL('../..', import.meta.url)));
}
