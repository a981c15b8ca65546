import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_DIR_ENV } from './memory-tmpdir.js';

/** Where a test run's one DynamoDB Local keeps its process id and announces its endpoint. */
export function sharedDynamoDbLocalDir(runDir: string): string {
  return join(runDir, 'dynamodb-local');
}

/**
 * Vitest global setup: stops the run's one DynamoDB Local when the run ends, if a test file started it
 * (see `dynamoDbLocalEngine` in test/adapters/engines.ts). Listed after memory-tmpdir.ts, so that this
 * teardown runs before the run's directory, which holds the process id, is removed.
 */
export default function stopSharedDynamoDbLocal(): () => void {
  return () => {
    const runDir = process.env[RUN_DIR_ENV];
    if (runDir === undefined) return;
    let pid: number;
    try {
      pid = Number(readFileSync(join(sharedDynamoDbLocalDir(runDir), 'pid'), 'utf8'));
    } catch {
      return;
    }
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  };
}
