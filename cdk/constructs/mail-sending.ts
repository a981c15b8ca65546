import { type Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { NotificationKey } from './notification-key.js';
import { QueueWithDeadLetter } from './queue-with-dead-letter.js';

/** The SES actions a sender needs: v2 SendEmail (raw content) and v1 SendRawEmail. */
export const SES_SEND_ACTIONS = ['ses:SendEmail', 'ses:SendRawEmail'] as const;

export interface MailSendingProps {
  notificationKey: NotificationKey;
  /** Visibility timeout of the delivery events queue (a multiple of its function's timeout). */
  queueVisibilityTimeout: Duration;
}

/**
 * Sending: the SES configuration set every mail is sent with, publishing bounce and complaint events to an
 * SNS topic that feeds an SQS queue (with a dead-letter queue) read by the delivery-events function.
 * The configuration set also adds the addresses to the account suppression list and emits reputation
 * metrics (the bounce and complaint rate alarms read them).
 */
export class MailSending extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly eventsTopic: sns.Topic;
  readonly queues: QueueWithDeadLetter;

  constructor(scope: Construct, id: string, props: MailSendingProps) {
    super(scope, id);

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });

    this.eventsTopic = props.notificationKey.createTopic(this, 'EventsTopic', 'spoc-inbox delivery events');
    // Also adds the topic policy statement letting SES publish for this configuration set only.
    this.configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: ses.EventDestination.snsTopic(this.eventsTopic),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });

    this.queues = new QueueWithDeadLetter(this, 'Events', {
      topic: this.eventsTopic,
      visibilityTimeout: props.queueVisibilityTimeout,
    });
  }

  /** ARN of the configuration set; SES v2 SendEmail authorizes against it as well as the identity. */
  get configurationSetArn(): string {
    return Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });
  }

  /** Lets `grantee` send mail from the given identities, with this configuration set only. */
  grantSend(grantee: iam.IGrantable, identityArns: readonly string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendFromSupportIdentities',
        actions: [...SES_SEND_ACTIONS],
        resources: [...identityArns, this.configurationSetArn],
      }),
    );
  }
}
