import { Logger } from '@aws-lambda-powertools/logger';
import { readPromiseStepEnv } from '../lib/config/lambda-env.js';
import { createPromiseStepBatchHandler } from '../lib/handlers/promise-step-batch.js';
import { buildAwsSweepDeps } from '../lib/runtime/aws-inbound-deps.js';
import type { SweepDeps } from '../lib/use-cases/sweep-promises.js';

const logger = new Logger({ serviceName: 'spoc-promise-step' });
const env = readPromiseStepEnv();
let deps: Promise<SweepDeps> | undefined;

/** SQS (one due conversation a record) → that promise's step; reports partial batch failures. */
export const handler = createPromiseStepBatchHandler(() => {
  // Built on first use and kept for the container's life; a failed build (the key unreadable) is
  // retried on the next event.
  deps ??= buildAwsSweepDeps(env).catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  return deps;
}, logger);
