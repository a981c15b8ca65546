import { Logger } from '@aws-lambda-powertools/logger';
import { readLambdaEnv } from '../lib/config/lambda-env.js';
import { createInboundBatchHandler } from '../lib/handlers/inbound-batch.js';
import { buildAwsInboundDeps } from '../lib/runtime/aws-inbound-deps.js';

const logger = new Logger({ serviceName: 'spoc-inbound' });
const env = readLambdaEnv();
let deps: ReturnType<typeof buildAwsInboundDeps> | undefined;

/** SQS → inbound use case, one record per received mail; reports partial batch failures. */
export const handler = createInboundBatchHandler(() => {
  // Built on first use and kept for the container's life; a failed build is retried on the next event.
  deps ??= buildAwsInboundDeps(env).catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  return deps;
}, logger);
