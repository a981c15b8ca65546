import { Logger } from '@aws-lambda-powertools/logger';
import { readPromiseScheduleEnv } from '../lib/config/lambda-env.js';
import { createPromiseScheduleHandler } from '../lib/handlers/promise-schedule.js';
import { buildAwsPromiseSchedule } from '../lib/runtime/aws-inbound-deps.js';

const logger = new Logger({ serviceName: 'spoc-promise-schedule' });
// Clients are built once per container; nothing here needs the network until the first run.
const deps = buildAwsPromiseSchedule(readPromiseScheduleEnv());

/** EventBridge (every minute) → the due index → one queue message per due conversation. */
export const handler = createPromiseScheduleHandler(() => deps, logger);
