import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsMessageVisibility } from '../lib/adapters/sqs/sqs-message-queue.js';
import { readLambdaEnv } from '../lib/config/lambda-env.js';
import { createInboundBatchHandler } from '../lib/handlers/inbound-batch.js';
import {
  INBOUND_METRICS_SERVICE,
  METRICS_NAMESPACE,
  publishOutcomeMetrics,
  publishThrottledSend,
} from '../lib/handlers/inbound-metrics.js';
import { buildAwsInboundDeps } from '../lib/runtime/aws-inbound-deps.js';
import { buildOnce } from '../lib/runtime/build-once.js';

const logger = new Logger({ serviceName: 'spoc-inbound' });
const env = readLambdaEnv();

const newMetrics = () => new Metrics({ namespace: METRICS_NAMESPACE, serviceName: INBOUND_METRICS_SERVICE });

/** SQS → inbound use case, one record per received mail; reports partial batch failures. */
export const handler = createInboundBatchHandler(
  buildOnce(() => buildAwsInboundDeps(env)),
  logger,
  (outcome) => publishOutcomeMetrics(newMetrics, outcome),
  {
    visibility: new SqsMessageVisibility(new SQSClient({ region: env.AWS_REGION })),
    onThrottled: () => publishThrottledSend(newMetrics),
  },
);
