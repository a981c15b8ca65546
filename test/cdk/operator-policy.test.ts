import { describe, expect, it } from 'vitest';
import { TABLE_DATA_ACTIONS } from '../../cdk/constructs/support-table.js';
import { arnOf, logicalIdOf, type Statement, templateOf } from './support/stack-fixture.js';

describe('operator policy', () => {
  const { template, stack } = templateOf();
  const policyId = logicalIdOf(stack.operatorPolicy.policy as never);
  const policy = template.findResources('AWS::IAM::ManagedPolicy')[policyId];
  const statements = policy?.Properties.PolicyDocument.Statement as Statement[];
  const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
  const tableArn = arnOf(logicalIdOf(stack.store.table));
  const bucketArn = arnOf(logicalIdOf(stack.ingest.rawMailBucket));

  it('is a stack output, for deploy.md to attach', () => {
    template.hasOutput('OperatorPolicyArn', { Value: { Ref: policyId } });
  });

  it('holds exactly what the spoc CLI does against the stack', () => {
    expect(statements.map((s) => s.Sid)).toEqual([
      'SupportTableData',
      'RawMailReadAndForget',
      'RawMailList',
      'ReplyTokenSecretRead',
      'SendFromSupportIdentities',
      'ReplayInboundDeadLetters',
    ]);
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    // The CLI's listings, statistics and data requests scan; the functions may not.
    expect([...((bySid('SupportTableData')?.Action as string[]) ?? [])].sort()).toEqual(
      [...TABLE_DATA_ACTIONS].sort(),
    );
    expect(bySid('SupportTableData')?.Resource).toEqual([
      tableArn,
      { 'Fn::Join': ['', [tableArn, '/index/due']] },
      { 'Fn::Join': ['', [tableArn, '/index/gsi1']] },
    ]);
    expect(bySid('RawMailReadAndForget')).toMatchObject({
      Action: ['s3:DeleteObject', 's3:GetObject'],
      Resource: { 'Fn::Join': ['', [bucketArn, '/inbound/*']] },
    });
    expect(bySid('RawMailList')).toMatchObject({
      Action: 's3:ListBucket',
      Resource: bucketArn,
      Condition: { StringLike: { 's3:prefix': ['inbound/*'] } },
    });
    expect(bySid('ReplyTokenSecretRead')?.Resource).toEqual({
      Ref: logicalIdOf(stack.replyTokenSecret.secret),
    });
    expect(bySid('SendFromSupportIdentities')?.Resource).toHaveLength(3);
    expect(bySid('ReplayInboundDeadLetters')).toMatchObject({
      Action: ['sqs:DeleteMessage', 'sqs:ReceiveMessage'],
      Resource: arnOf(logicalIdOf(stack.ingest.queues.deadLetterQueue)),
    });
    expect(JSON.stringify(statements)).not.toContain('"*"');
  });
});
