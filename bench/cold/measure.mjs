// Run in a fresh node process: imports one bundle, makes its first invocation, prints the timings
// (milliseconds since the process started, node's own bootstrap included), the CPU time the process
// used until then (all its threads) and the files it loaded from node_modules, which are those of the
// packages installed beside the bundle.
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';

const [bundle, eventFile] = process.argv.slice(2);
const mod = await import(bundle);
const loaded = performance.now();
if (typeof mod.handler === 'function') {
  const result = await mod.handler(JSON.parse(readFileSync(eventFile, 'utf8')));
  if (result?.batchItemFailures?.length) throw new Error('cold-start invocation failed');
} else {
  await mod.run();
}
const ready = performance.now();
const { user, system } = process.cpuUsage();
// CommonJS modules only (the require cache); the packages kept beside the bundles are CommonJS.
const besideBundle = Object.keys(createRequire(import.meta.url).cache)
  .filter((file) => file.includes('/node_modules/'))
  .map((file) => ({ file, bytes: statSync(file).size }));
process.stdout.write(`\n${JSON.stringify({ loaded, ready, cpu: (user + system) / 1000, besideBundle })}\n`);
