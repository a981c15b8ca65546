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
import { buildOnce } from '../lib/runtime/build-once.js';

const logger = new Logger({ serviceName: PROMISE_STEP_METRICS_SERVICE });
const env = readPromiseStepEnv();
const newMetrics = () =>
  new Metrics({ namespace: METRICS_NAMESPACE, serviceName: PROMISE_STEP_METRICS_SERVICE });

/** SQS (one due conversation a record) → that promise's step; reports partial batch failures. */
export const handler = createPromiseStepBatchHandler(
  buildOnce(() => buildAwsSweepDeps(env)),
  logger,
  () => new Date(),
  (result) => publishPromiseStepMetrics(newMetrics, result.step),
);
