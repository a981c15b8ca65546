import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { EngineTestsFirst } from './test/support/engine-tests-first.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default leaves one core idle, which on a 2-core machine runs every file one after another.
    // Many files wait on child processes, sockets and engines; with a worker per core the cores were
    // still idle a quarter of the run, so there is one worker more than cores (on 2 shared, busy cores the
    // e2e files took 189 s instead of 272 s, at the same CPU time).
    maxWorkers: availableParallelism() + 1,
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
