import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { arnOf, logicalIdOf, templateOf, withDeploy } from './support/stack-fixture.js';

const ZONE = { id: 'Z0123456789EXAMPLE', name: 'example.org' };

describe('mail sending', () => {
  const { template, stack } = templateOf();
  const configSetId = logicalIdOf(stack.sending.configurationSet);
  const eventsTopicId = logicalIdOf(stack.sending.eventsTopic);

  it('sends through a configuration set with reputation metrics and the suppression list', () => {
    template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      ReputationOptions: { ReputationMetricsEnabled: true },
      SendingOptions: { SendingEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
  });

  it('publishes bounces and complaints to an encrypted topic SES may publish to for this set only', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: configSetId },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint'],
        SnsDestination: { TopicARN: { Ref: eventsTopicId } },
      },
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'spoc-inbox delivery events',
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: eventsTopicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: {
                'AWS:SourceAccount': { Ref: 'AWS::AccountId' },
                'AWS:SourceArn': Match.objectLike({ 'Fn::Join': Match.anyValue() }),
              },
            },
          }),
        ]),
      },
    });
  });

  it('feeds the delivery events queue (with its dead-letter queue) from that topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      TopicArn: { Ref: eventsTopicId },
      Endpoint: arnOf(logicalIdOf(stack.sending.queues.queue)),
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 180,
      RedrivePolicy: {
        deadLetterTargetArn: arnOf(logicalIdOf(stack.sending.queues.deadLetterQueue)),
        maxReceiveCount: 5,
      },
    });
  });

  it('creates Easy DKIM identities for both domains, defaulting to the configuration set', () => {
    template.resourceCountIs('AWS::SES::EmailIdentity', 2);
    for (const domain of ['support.example.org', 'reply.example.org']) {
      template.hasResourceProperties('AWS::SES::EmailIdentity', {
        EmailIdentity: domain,
        ConfigurationSetAttributes: { ConfigurationSetName: { Ref: configSetId } },
        DkimAttributes: { SigningEnabled: true },
        DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
      });
    }
  });

  it('lists the DNS records to add when no hosted zone is given', () => {
    for (const label of ['Support', 'Reply']) {
      for (const n of [1, 2, 3]) {
        template.hasOutput(`${label}DomainDkimCname${n}`, {
          Value: { 'Fn::Join': ['', Match.arrayWith([' CNAME '])] },
        });
      }
    }
    template.hasOutput('SupportDomainMx', {
      Value: {
        'Fn::Join': [
          '',
          ['support.example.org MX 10 inbound-smtp.', { Ref: 'AWS::Region' }, '.amazonaws.com'],
        ],
      },
    });
    template.hasOutput('ReplyDomainMx', { Value: Match.anyValue() });
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  it('writes the DKIM and MX records to Route 53 when a hosted zone is given', () => {
    const { template: zoned } = templateOf({ config: withDeploy({ hostedZone: ZONE }) });
    // 3 DKIM CNAMEs and 1 MX per domain; both domains are inside example.org.
    zoned.resourceCountIs('AWS::Route53::RecordSet', 8);
    zoned.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: ZONE.id,
      Type: 'CNAME',
      TTL: '1800',
      Name: { 'Fn::GetAtt': [Match.stringLikeRegexp('SupportIdentity'), 'DkimDNSTokenName1'] },
    });
    zoned.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: ZONE.id,
      Type: 'MX',
      Name: 'reply.example.org.',
      ResourceRecords: [{ 'Fn::Join': ['', ['10 inbound-smtp.', { Ref: 'AWS::Region' }, '.amazonaws.com']] }],
    });
    expect(Object.keys(zoned.findOutputs('*')).filter((key) => /Dkim|Mx$/.test(key))).toEqual([]);
  });

  it('leaves domains outside the hosted zone to the outputs', () => {
    const { template: zoned } = templateOf({
      config: withDeploy({ hostedZone: { id: ZONE.id, name: 'reply.example.org' } }),
    });
    zoned.resourceCountIs('AWS::Route53::RecordSet', 4);
    zoned.hasOutput('SupportDomainMx', Match.anyValue());
    zoned.hasOutput('SupportDomainDkimCname1', Match.anyValue());
  });

  it('can leave existing SES identities alone and still print the MX records', () => {
    const { template: other } = templateOf({ config: withDeploy({ manageSesIdentities: false }) });
    other.resourceCountIs('AWS::SES::EmailIdentity', 0);
    other.hasOutput('SupportDomainMx', Match.anyValue());
    expect(Object.keys(other.findOutputs('*')).filter((key) => key.includes('Dkim'))).toEqual([]);
  });
});
