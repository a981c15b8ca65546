import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { MailSending } from './mail-sending.js';
import { SpocFunction } from './spoc-function.js';
import type { SupportTable } from './support-table.js';

/** Recording a suppressed address and telling its owner is a few small calls. */
export const DELIVERY_EVENTS_FUNCTION_TIMEOUT = Duration.seconds(30);
export const DELIVERY_EVENTS_BATCH_SIZE = 10;

export interface DeliveryEventsFunctionProps {
  /** The Lambda environment contract (`lib/config/lambda-env.ts`), minus AWS_REGION which Lambda sets. */
  environment: Record<string, string>;
  table: SupportTable;
  sending: MailSending;
  /** SES identities the function may send from (to tell an owner). */
  identityArns: readonly string[];
}

/**
 * `lambdas/delivery-events.ts` on the delivery events queue (SES bounce and complaint events): reads and
 * writes the table and sends from the configured identities. No access to raw mail or the reply-token key.
 */
export class DeliveryEventsFunction extends Construct {
  readonly handler: SpocFunction;

  constructor(scope: Construct, id: string, props: DeliveryEventsFunctionProps) {
    super(scope, id);

    this.handler = new SpocFunction(this, 'Handler', {
      entry: 'lambdas/delivery-events.ts',
      description: 'spoc-inbox: records bounced and complaining addresses and tells their owners',
      serviceName: 'spoc-delivery-events',
      memorySize: 512,
      timeout: DELIVERY_EVENTS_FUNCTION_TIMEOUT,
      environment: props.environment,
    });
    const role = this.handler.role;

    props.table.grantData(role);
    props.sending.grantSend(role, props.identityArns);

    this.handler.function.addEventSource(
      new SqsEventSource(props.sending.queues.queue, {
        batchSize: DELIVERY_EVENTS_BATCH_SIZE,
        reportBatchItemFailures: true,
      }),
    );
  }
}
