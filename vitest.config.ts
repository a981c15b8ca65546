import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { EngineTestsFirst } from './test/support/engine-tests-first.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default leaves one core idle, which on a 2-core machine runs every file one after another:
    // a worker per core. Since the corpus run keeps its SMTP connections open, the files wait far less; a
    // third worker then only added CPU (each worker loads its own modules, and the engines, esbuild and
    // Java of three files fought over two cores): on this machine, back to back, 2 workers took 181 and
    // 159 s at 306 and 268 CPU-s, 3 workers 188 and 181 s at 337 and 327 CPU-s.
    maxWorkers: availableParallelism(),
    // Test files share their worker's loaded modules (the AWS SDK, aws-cdk-lib, mailparser, jsdom):
    // loading them once per file was half the run's CPU time. Tests keep no state in modules; each one
    // makes its own engines, tables, buckets and directories, and restores any environment it changes.
    isolate: false,
    globalSetup: [
      'test/support/memory-tmpdir.ts',
      'test/support/shared-dynamodb-local.ts',
      'test/support/built-cli.ts',
    ],
    sequence: { sequencer: EngineTestsFirst },
    // The SDK's notice that its 2027 releases need Node 22 is nothing a test run can act on.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
