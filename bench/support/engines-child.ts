import { startEmbeddedEngines } from '../../lib/local/embedded-engines.js';

// Runs dynalite and s3rver in their own process, so the benchmark process's CPU time is the handler's.
const engines = await startEmbeddedEngines();
process.stdout.write(`${JSON.stringify({ endpoints: engines.endpoints, bucket: engines.bucket })}\n`);
process.on('SIGTERM', () => {
  void engines.close().finally(() => process.exit(0));
});
