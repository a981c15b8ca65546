// Run in a fresh node process: imports one bundle, makes its first invocation, prints the timings
// (milliseconds since the process started, node's own bootstrap included).
import { readFileSync } from 'node:fs';

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
process.stdout.write(`\n${JSON.stringify({ loaded, ready })}\n`);
