import { describe, expect, it } from 'vitest';
import { templateOf } from './support/stack-fixture.js';

/**
 * Logical ids of the resources holding data or mail in flight. CloudFormation replaces a resource whose
 * logical id changes: a renamed construct would create an empty table beside the retained one, or drop
 * the queues with the mail in them. A change here must be a deliberate migration.
 */
const PINNED_LOGICAL_IDS = {
  StoreTable0CCFA19B: 'AWS::DynamoDB::Table',
  ReplyTokenSecret9CFF841B: 'AWS::SecretsManager::Secret',
  IngestRawMailBucketA59E1F51: 'AWS::S3::Bucket',
  IngestAccessLogsBucket5984F47D: 'AWS::S3::Bucket',
  IngestInboundQueue3BA29A02: 'AWS::SQS::Queue',
  IngestInboundDeadLetterQueueD0C265CD: 'AWS::SQS::Queue',
  SendingEventsQueueA3FAEB8A: 'AWS::SQS::Queue',
  SendingEventsDeadLetterQueue6CF22DC8: 'AWS::SQS::Queue',
  PromiseSweepQueue426E3399: 'AWS::SQS::Queue',
  PromiseSweepDeadLetterQueue41DE9F64: 'AWS::SQS::Queue',
} as const;

describe('resources holding data', () => {
  const { template } = templateOf();
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string }
  >;

  it('keep their logical ids', () => {
    const stateful = Object.entries(resources)
      .filter(([, resource]) => Object.values(PINNED_LOGICAL_IDS).includes(resource.Type as never))
      .map(([id, resource]) => [id, resource.Type]);
    expect(Object.fromEntries(stateful)).toEqual(PINNED_LOGICAL_IDS);
  });

  it('keep the buckets and the secret when the stack goes, but not after a failed first deploy', () => {
    for (const id of [
      'IngestRawMailBucketA59E1F51',
      'IngestAccessLogsBucket5984F47D',
      'ReplyTokenSecret9CFF841B',
    ]) {
      expect(resources[id]?.DeletionPolicy, id).toBe('RetainExceptOnCreate');
      expect(resources[id]?.UpdateReplacePolicy, id).toBe('Retain');
    }
  });

  it('keep the table whatever happens (deletion protection would fail a rollback that deletes it)', () => {
    expect(resources.StoreTable0CCFA19B?.DeletionPolicy).toBe('Retain');
    expect(resources.StoreTable0CCFA19B?.UpdateReplacePolicy).toBe('Retain');
  });
});
