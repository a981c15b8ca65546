import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { readPromiseStepEnv } from '../lib/config/lambda-env.js';
import {
  METRICS_NAMESPACE,
  PROMISE_STEP_METRICS_SERVICE,
  publishPromiseStepMetrics,
} from '../lib/handlers/inbound-metrics.js';
import { createPromiseStepBatchHandler } from '../lib/handlers/promise-step-batch.js';
import { buildAwsSweepDeps } from '../lib/runtime/aws-inbound-deps.js';
import type { SweepDeps } from '../lib/use-cases/sweep-promises.js';

const logger = new Logger({ serviceName: PROMISE_STEP_METRICS_SERVICE });
const env = readPromiseStepEnv();
let deps: Promise<SweepDeps> | undefined;
const newMetrics = () =>
  new Metrics({ namespace: METRICS_NAMESPACE, serviceName: PROMISE_STEP_METRICS_SERVICE });

/** SQS (one due conversation a record) → that promise's step; reports partial batch failures. */
export const handler = createPromiseStepBatchHandler(
  () => {
    // Built on first use and kept for the container's life; a failed build (the key unreadable) is
    // retried on the next event.
    deps ??= buildAwsSweepDeps(env).catch((error: unknown) => {
      deps = undefined;
      throw error;
    });
    return deps;
  },
  logger,
  () => new Date(),
  (result) => publishPromiseStepMetrics(newMetrics, result.step),
);
