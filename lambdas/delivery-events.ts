import { Logger } from '@aws-lambda-powertools/logger';
import { readLambdaEnv } from '../lib/config/lambda-env.js';
import { createDeliveryEventsBatchHandler } from '../lib/handlers/delivery-events-batch.js';
import { buildAwsInboundDeps } from '../lib/runtime/aws-inbound-deps.js';

const logger = new Logger({ serviceName: 'spoc-delivery-events' });
const env = readLambdaEnv();
let deps: ReturnType<typeof buildAwsInboundDeps> | undefined;

/** SQS (SES configuration-set bounce and complaint events via SNS) → suppression and owner notice. */
export const handler = createDeliveryEventsBatchHandler(() => {
  // Built on first use and kept for the container's life; a failed build is retried on the next event.
  deps ??= buildAwsInboundDeps(env).catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  return deps;
}, logger);
