import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SESClient } from '@aws-sdk/client-ses';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsMessageQueue } from '../adapters/sqs/sqs-message-queue.js';
import { withoutSdkLogging } from '../adapters/without-sdk-logging.js';
import { AwsInboundComposition } from './aws-inbound-composition.js';

/**
 * The composition as the CLI uses it: the same settings and clients, plus the clients only operators'
 * commands need (SES v1 for receipt rules, identities and quota; SQS for dead-letter queues;
 * CloudWatch for the functions' figures). Kept out of `aws-composition.ts` so the functions' bundles
 * do not carry them.
 */
export class AwsOpsComposition extends AwsInboundComposition {
  private sesClient?: SESClient;
  private sqsClient?: SQSClient;
  private cloudwatchClient?: CloudWatchClient;

  /** SES v1: receipt rules, identities, send quota. */
  get ses(): SESClient {
    if (!this.sesClient) {
      this.sesClient = withoutSdkLogging(new SESClient(this.clientOptions));
      this.extraClients.push(this.sesClient);
    }
    return this.sesClient;
  }

  get sqs(): SQSClient {
    if (!this.sqsClient) {
      this.sqsClient = withoutSdkLogging(new SQSClient(this.clientOptions));
      this.extraClients.push(this.sqsClient);
    }
    return this.sqsClient;
  }

  get cloudwatch(): CloudWatchClient {
    if (!this.cloudwatchClient) {
      this.cloudwatchClient = withoutSdkLogging(new CloudWatchClient(this.clientOptions));
      this.extraClients.push(this.cloudwatchClient);
    }
    return this.cloudwatchClient;
  }

  /** A dead-letter (or any) queue, over the one SQS client. */
  queue(queueUrl: string): SqsMessageQueue {
    return new SqsMessageQueue({ client: this.sqs, queueUrl });
  }
}
