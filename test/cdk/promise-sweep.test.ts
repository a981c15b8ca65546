import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  PROMISE_STEP_FUNCTION_TIMEOUT,
  PROMISE_STEP_MAX_RECEIVE_COUNT,
} from '../../cdk/constructs/promise-sweep.js';
import { FUNCTION_TABLE_ACTIONS } from '../../cdk/constructs/support-table.js';
import { promiseScheduleEnvSchema, promiseStepEnvSchema } from '../../lib/config/lambda-env.js';
import { SEND_LEASE_MS } from '../../lib/delivery/deliver-mail.js';
import {
  actionsOf,
  arnOf,
  logicalIdOf,
  resourcesOf,
  roleStatements,
  type Statement,
  templateOf,
} from './support/stack-fixture.js';

const tableArn = (stack: ReturnType<typeof templateOf>['stack']) => arnOf(logicalIdOf(stack.store.table));

describe('the promise sweep in the stack', () => {
  const { template, stack } = templateOf();
  const sweep = stack.promiseSweep;
  const schedulerId = logicalIdOf(sweep.scheduler.function);
  const workerId = logicalIdOf(sweep.worker.function);
  const functionProps = (id: string) =>
    template.findResources('AWS::Lambda::Function')[id]?.Properties as {
      Timeout: number;
      Environment: { Variables: Record<string, unknown> };
    };
  const statementsOf = (role: typeof sweep.scheduler.role): Statement[] => roleStatements(template, role);

  it('runs the scheduler every minute from an EventBridge rule, and does not retry a failed run', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: arnOf(schedulerId), RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(schedulerId),
      Principal: 'events.amazonaws.com',
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: schedulerId },
      MaximumRetryAttempts: 0,
    });
    expect(functionProps(schedulerId).Timeout).toBeLessThan(60);
  });

  it('feeds the worker from a queue with partial batch responses, its DLQ after 5 receives', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: workerId },
      EventSourceArn: arnOf(logicalIdOf(sweep.queue)),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    const queue = template.findResources('AWS::SQS::Queue')[logicalIdOf(sweep.queue)]?.Properties as {
      VisibilityTimeout: number;
      RedrivePolicy: unknown;
    };
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: arnOf(logicalIdOf(sweep.deadLetterQueue)),
      maxReceiveCount: PROMISE_STEP_MAX_RECEIVE_COUNT,
    });
    expect(PROMISE_STEP_MAX_RECEIVE_COUNT).toBe(5);
    // Longer than the function's timeout and than the send lease, so a retried record finds the lease run out.
    expect(queue.VisibilityTimeout).toBeGreaterThan(functionProps(workerId).Timeout);
    expect(functionProps(workerId).Timeout).toBe(PROMISE_STEP_FUNCTION_TIMEOUT.toSeconds());
    expect(queue.VisibilityTimeout * 1000).toBeGreaterThan(SEND_LEASE_MS);
    for (const q of [sweep.queue, sweep.deadLetterQueue]) {
      expect(template.findResources('AWS::SQS::Queue')[logicalIdOf(q)]?.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
      });
    }
  });

  it('gives each function the environment its contract names', () => {
    const scheduler = functionProps(schedulerId).Environment.Variables;
    expect(scheduler).toMatchObject({
      TABLE_NAME: { Ref: logicalIdOf(stack.store.table) },
      PROMISE_QUEUE_URL: { Ref: logicalIdOf(sweep.queue) },
      POWERTOOLS_SERVICE_NAME: 'spoc-promise-schedule',
    });
    // The scheduler reads no configuration, no key and sends no mail.
    expect(Object.keys(scheduler)).not.toContain('SPOC_CONFIG_JSON');
    expect(Object.keys(scheduler)).not.toContain('REPLY_TOKEN_SECRET_ID');
    const worker = functionProps(workerId).Environment.Variables;
    expect(worker).toMatchObject({
      REPLY_TOKEN_SECRET_ID: { Ref: logicalIdOf(stack.replyTokenSecret.secret) },
      SES_CONFIGURATION_SET: { Ref: logicalIdOf(stack.sending.configurationSet) },
      POWERTOOLS_SERVICE_NAME: 'spoc-promise-step',
    });
    const contract = (schema: { shape: object }) =>
      Object.keys(schema.shape).filter((name) => name !== 'AWS_REGION');
    expect(Object.keys(scheduler)).toEqual(expect.arrayContaining(contract(promiseScheduleEnvSchema)));
    expect(Object.keys(worker)).toEqual(expect.arrayContaining(contract(promiseStepEnvSchema)));
  });

  it('lets the scheduler query the due and reminder indexes, keep the cursor item and send to its queue, nothing more', () => {
    const statements = statementsOf(sweep.scheduler.role);
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap(actionsOf).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    const query = dynamo.find((s) => actionsOf(s).includes('dynamodb:Query'));
    expect(query && resourcesOf(query)).toEqual([
      { 'Fn::Join': ['', [tableArn(stack), '/index/due']] },
      { 'Fn::Join': ['', [tableArn(stack), '/index/gsi1']] },
    ]);
    const cursor = dynamo.find((s) => actionsOf(s).includes('dynamodb:PutItem'));
    expect(cursor && resourcesOf(cursor)).toEqual([tableArn(stack)]);
    expect(cursor?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SWEEP#cursor'] },
    });
    const sqs = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
    expect(sqs.flatMap(actionsOf)).toEqual(['sqs:SendMessage']);
    expect(sqs.flatMap(resourcesOf)).toEqual([arnOf(logicalIdOf(sweep.queue))]);
    const services = new Set(statements.flatMap(actionsOf).map((a) => a.split(':')[0]));
    expect([...services].sort()).toEqual(['dynamodb', 'logs', 'sqs']);
  });

  it('lets the worker use the table without Scan, read the key, send with the configuration set and consume its queue', () => {
    const statements = statementsOf(sweep.worker.role);
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap(actionsOf).sort()).toEqual([...FUNCTION_TABLE_ACTIONS].sort());
    expect(
      statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue')).flatMap(resourcesOf),
    ).toEqual([{ Ref: logicalIdOf(stack.replyTokenSecret.secret) }]);
    const ses = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')));
    const sesResources = JSON.stringify(ses.flatMap(resourcesOf));
    expect(sesResources).toContain(':configuration-set/');
    expect(sesResources).toContain(JSON.stringify({ Ref: logicalIdOf(stack.sending.configurationSet) }));
    const sqs = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
    expect(sqs.flatMap(resourcesOf)).toEqual([arnOf(logicalIdOf(sweep.queue))]);
    expect(statements.flatMap(actionsOf)).not.toContain('s3:GetObject');
  });

  it('grants neither function Scan', () => {
    for (const role of [sweep.scheduler.role, sweep.worker.role]) {
      expect(statementsOf(role).flatMap(actionsOf)).not.toContain('dynamodb:Scan');
      expect(statementsOf(role).flatMap(actionsOf)).not.toContain('dynamodb:*');
    }
  });

  it('alarms on a message in the promise DLQ and on an error of either function', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'SpocInbox-PromiseStepDeadLetters',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(sweep.deadLetterQueue), 'QueueName'] } },
      ],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    for (const [name, id] of [
      ['SpocInbox-PromiseScheduleErrors', schedulerId],
      ['SpocInbox-PromiseStepErrors', workerId],
    ] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: name,
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: id } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });
});
