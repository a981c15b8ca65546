import { Logger } from '@aws-lambda-powertools/logger';
import { readCoreLambdaEnv } from '../lib/config/lambda-env.js';
import { createDeliveryEventsBatchHandler } from '../lib/handlers/delivery-events-batch.js';
import { buildAwsCoreDeps } from '../lib/runtime/aws-inbound-deps.js';

const logger = new Logger({ serviceName: 'spoc-delivery-events' });
// Clients are built once per container; nothing here needs the network until the first event.
const deps = Promise.resolve(buildAwsCoreDeps(readCoreLambdaEnv()));

/** SQS (SES configuration-set bounce and complaint events via SNS) → suppression and owner notice. */
export const handler = createDeliveryEventsBatchHandler(() => deps, logger);
