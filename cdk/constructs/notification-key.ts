import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * The customer managed key that encrypts the stack's SNS topics (mail notifications carry senders,
 * recipients and subjects). An AWS managed key cannot be used: SES and CloudWatch publish to these topics
 * and only a customer managed key's policy can let them, which this one does for this account only.
 */
export class NotificationKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.key = new kms.Key(this, 'Key', {
      description: 'spoc-inbox: encrypts the SNS topics of inbound mail, delivery events and alarms',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSesAndCloudWatchToPublishToEncryptedTopics',
        principals: [
          new iam.ServicePrincipal('ses.amazonaws.com'),
          new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
        ],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
  }

  /** A topic encrypted with this key that refuses publishing over plain HTTP. */
  createTopic(scope: Construct, id: string, displayName: string): sns.Topic {
    return new sns.Topic(scope, id, { displayName, masterKey: this.key, enforceSSL: true });
  }
}

/** Lets an AWS service of this account publish to `topic` (the topic policy replaces SNS's default one). */
export function allowServiceToPublish(topic: sns.Topic, service: string, sourceArn?: string): void {
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: `Allow${service.split('.')[0]}Publish`,
      principals: [new iam.ServicePrincipal(service)],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ...(sourceArn === undefined ? {} : { ArnLike: { 'aws:SourceArn': sourceArn } }),
      },
    }),
  );
}
