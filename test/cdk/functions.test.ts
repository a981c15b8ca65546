import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INBOUND_MAX_CONCURRENCY } from '../../cdk/constructs/inbound-function.js';
import type { SpocFunction } from '../../cdk/constructs/spoc-function.js';
import { FUNCTION_TABLE_ACTIONS } from '../../cdk/constructs/support-table.js';
import { PROJECT_ROOT } from '../../cdk/load-stack-config.js';
import { coreLambdaEnvSchema, lambdaEnvSchema } from '../../lib/config/lambda-env.js';
import { parseConfig } from '../../lib/config/load-config.js';
import {
  actionsOf,
  arnOf,
  buildStack,
  logicalIdOf,
  resourcesOf,
  roleStatements,
  type Statement,
  TEST_CONFIG,
  templateOf,
  withDeploy,
} from './support/stack-fixture.js';

const identityArn = (domain: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ses:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:identity/${domain}`,
    ],
  ],
});

/** The properties of an AWS::Lambda::Function these tests read. */
interface FunctionProperties {
  Runtime: string;
  MemorySize: number;
  Timeout: number;
  Environment: { Variables: Record<string, unknown> };
}

describe('functions', () => {
  const { template, stack } = templateOf();
  const fnProps = (fn: SpocFunction) =>
    template.findResources('AWS::Lambda::Function')[logicalIdOf(fn.function)]
      ?.Properties as FunctionProperties;
  const statementsOf = (fn: SpocFunction): Statement[] => roleStatements(template, fn.role);
  const withAction = (statements: Statement[], prefix: string) =>
    statements.filter((s) => actionsOf(s).some((action) => action.startsWith(prefix)));

  const inbound = stack.inbound.handler;
  const deliveryEvents = stack.deliveryEvents.handler;
  const activation = stack.ingest.activation?.handler;
  const tableArn = arnOf(logicalIdOf(stack.store.table));
  const sesResources = [
    identityArn('support.example.org'),
    identityArn('reply.example.org'),
    {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ses:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':configuration-set/',
          { Ref: logicalIdOf(stack.sending.configurationSet) },
        ],
      ],
    },
  ];

  it('runs every function on nodejs22.x, arm64, as an ESM bundle with its own log group', () => {
    for (const fn of [inbound, deliveryEvents, activation]) {
      expect(fn).toBeDefined();
      const props = fnProps(fn as SpocFunction);
      expect(props).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: { Ref: logicalIdOf((fn as SpocFunction).logGroup) } },
      });
    }
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('sizes the inbound function for 40 MB mail, from config', () => {
    expect(fnProps(inbound)).toMatchObject({ MemorySize: 1536, Timeout: 120 });
    expect(fnProps(deliveryEvents)).toMatchObject({ MemorySize: 512, Timeout: 30 });
    const { template: other, stack: bigger } = templateOf({ config: withDeploy({ inboundMemoryMb: 3008 }) });
    const biggerInbound =
      other.findResources('AWS::Lambda::Function')[logicalIdOf(bigger.inbound.handler.function)];
    expect(biggerInbound?.Properties).toMatchObject({ MemorySize: 3008, Timeout: 120 });
  });

  it('gives each function the environment it reads, plus Powertools and source maps', () => {
    const { owners: _owners, deploy: _deploy, ...read } = parseConfig(TEST_CONFIG);
    const core = {
      TABLE_NAME: { Ref: logicalIdOf(stack.store.table) },
      SES_CONFIGURATION_SET: { Ref: logicalIdOf(stack.sending.configurationSet) },
      SPOC_CONFIG_JSON: JSON.stringify(read),
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    };
    expect(fnProps(inbound).Environment.Variables).toEqual({
      ...core,
      RAW_MAIL_BUCKET: { Ref: logicalIdOf(stack.ingest.rawMailBucket) },
      REPLY_TOKEN_SECRET_ID: { Ref: logicalIdOf(stack.replyTokenSecret.secret) },
      POWERTOOLS_SERVICE_NAME: 'spoc-inbound',
    });
    expect(fnProps(deliveryEvents).Environment.Variables).toEqual({
      ...core,
      POWERTOOLS_SERVICE_NAME: 'spoc-delivery-events',
    });
    // Lambda provides AWS_REGION itself; everything else each contract names is set.
    const contract = (schema: { shape: object }) =>
      Object.keys(schema.shape).filter((name) => name !== 'AWS_REGION');
    expect(Object.keys(fnProps(inbound).Environment.Variables)).toEqual(
      expect.arrayContaining(contract(lambdaEnvSchema)),
    );
    expect(Object.keys(fnProps(deliveryEvents).Environment.Variables)).toEqual(
      expect.arrayContaining(contract(coreLambdaEnvSchema)),
    );
  });

  it('keeps owners and deployment settings out of every Lambda environment', () => {
    for (const fn of [inbound, deliveryEvents]) {
      const variables = JSON.stringify(fnProps(fn).Environment.Variables);
      const config = JSON.parse(fnProps(fn).Environment.Variables.SPOC_CONFIG_JSON as string) as object;
      expect(Object.keys(config)).not.toContain('owners');
      expect(Object.keys(config)).not.toContain('deploy');
      for (const secret of [
        'alice@example.org',
        'bob@example.org',
        'ops@example.org',
        'rawMailRetentionDays',
      ]) {
        expect(variables).not.toContain(secret);
      }
      // What the functions parse back is what they need: the config, owners left to the table.
      expect(parseConfig(config).supportAddress).toBe(TEST_CONFIG.supportAddress);
    }
  });

  it('consumes each queue with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(inbound.function) },
      EventSourceArn: arnOf(logicalIdOf(stack.ingest.queues.queue)),
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(deliveryEvents.function) },
      EventSourceArn: arnOf(logicalIdOf(stack.sending.queues.queue)),
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('reserves for the inbound function as many executions as its event source may run', () => {
    const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(inbound.function)];
    expect(fn?.Properties.ReservedConcurrentExecutions).toBe(INBOUND_MAX_CONCURRENCY);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(inbound.function) },
      ScalingConfig: { MaximumConcurrency: INBOUND_MAX_CONCURRENCY },
    });
  });

  it('takes the inbound batch size and concurrency from config', () => {
    const { template: other, stack: wider } = templateOf({
      config: withDeploy({ inboundBatchSize: 10, inboundMaxConcurrency: 50 }),
    });
    const fn = wider.inbound.handler.function;
    expect(
      other.findResources('AWS::Lambda::Function')[logicalIdOf(fn)]?.Properties.ReservedConcurrentExecutions,
    ).toBe(50);
    other.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(fn) },
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 50 },
    });
  });

  it('lets the inbound function return a throttled record early, on its own queue only', () => {
    const changing = statementsOf(inbound).filter((s) =>
      actionsOf(s).includes('sqs:ChangeMessageVisibility'),
    );
    expect(changing.flatMap(resourcesOf)).toEqual([arnOf(logicalIdOf(stack.ingest.queues.queue))]);
    const elsewhere = statementsOf(deliveryEvents).filter((s) =>
      actionsOf(s).includes('sqs:ChangeMessageVisibility'),
    );
    expect(elsewhere.flatMap(resourcesOf)).toEqual([arnOf(logicalIdOf(stack.sending.queues.queue))]);
  });

  describe('inbound function permissions', () => {
    const statements = statementsOf(inbound);

    it('reads and lists only inbound/* of its bucket, and cannot write it', () => {
      const s3 = withAction(statements, 's3:');
      expect(s3).toHaveLength(2);
      const [read, list] = s3 as [Statement, Statement];
      expect(actionsOf(read)).toEqual(['s3:GetObject']);
      expect(resourcesOf(read)).toEqual([
        { 'Fn::Join': ['', [arnOf(logicalIdOf(stack.ingest.rawMailBucket)), '/inbound/*']] },
      ]);
      expect(actionsOf(list)).toEqual(['s3:ListBucket']);
      expect(resourcesOf(list)).toEqual([arnOf(logicalIdOf(stack.ingest.rawMailBucket))]);
      expect((list as { Condition?: unknown }).Condition).toEqual({
        StringLike: { 's3:prefix': ['inbound/*'] },
      });
    });

    it('uses only its table and index', () => {
      const dynamo = withAction(statements, 'dynamodb:');
      expect(dynamo).toHaveLength(1);
      expect(resourcesOf(dynamo[0] as Statement)).toEqual([
        tableArn,
        { 'Fn::Join': ['', [tableArn, '/index/due']] },
        { 'Fn::Join': ['', [tableArn, '/index/gsi1']] },
      ]);
      expect(actionsOf(dynamo[0] as Statement).every((a) => /^dynamodb:\w+$/.test(a))).toBe(true);
    });

    it('sends only from the configured identities, with the configuration set', () => {
      const ses = withAction(statements, 'ses:');
      expect(ses).toHaveLength(1);
      expect(actionsOf(ses[0] as Statement).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      expect(resourcesOf(ses[0] as Statement)).toEqual(expect.arrayContaining(sesResources));
      expect(resourcesOf(ses[0] as Statement)).toHaveLength(3);
    });

    it('reads the one reply-token secret', () => {
      const secrets = withAction(statements, 'secretsmanager:');
      expect(secrets).toEqual([
        expect.objectContaining({
          Action: 'secretsmanager:GetSecretValue',
          Resource: { Ref: logicalIdOf(stack.replyTokenSecret.secret) },
        }),
      ]);
    });

    it('consumes its queue and writes its logs, and nothing else', () => {
      const sqs = withAction(statements, 'sqs:');
      expect(sqs.flatMap(resourcesOf)).toEqual([arnOf(logicalIdOf(stack.ingest.queues.queue))]);
      expect(actionsOf(sqs[0] as Statement)).not.toContain('sqs:SendMessage');
      const logs = withAction(statements, 'logs:');
      expect(logs.flatMap(resourcesOf)).toEqual([arnOf(logicalIdOf(inbound.logGroup))]);
      const prefixes = new Set(statements.flatMap(actionsOf).map((a) => a.split(':')[0]));
      expect([...prefixes].sort()).toEqual(['dynamodb', 'logs', 's3', 'secretsmanager', 'ses', 'sqs']);
      expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
      expect(statements.flatMap(resourcesOf)).not.toContain('*');
    });

    it('uses no AWS managed policy', () => {
      const role = template.findResources('AWS::IAM::Role')[logicalIdOf(inbound.role)];
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    });
  });

  describe('delivery-events function permissions', () => {
    const statements = statementsOf(deliveryEvents);

    it('uses the table, sends from the configured identities, consumes its own queue', () => {
      expect(withAction(statements, 'dynamodb:').flatMap(resourcesOf)).toEqual([
        tableArn,
        { 'Fn::Join': ['', [tableArn, '/index/due']] },
        { 'Fn::Join': ['', [tableArn, '/index/gsi1']] },
      ]);
      expect(withAction(statements, 'ses:').flatMap(resourcesOf)).toEqual(
        expect.arrayContaining(sesResources),
      );
      expect(withAction(statements, 'sqs:').flatMap(resourcesOf)).toEqual([
        arnOf(logicalIdOf(stack.sending.queues.queue)),
      ]);
    });

    it('cannot read raw mail or the reply-token key', () => {
      expect(withAction(statements, 's3:')).toEqual([]);
      expect(withAction(statements, 'secretsmanager:')).toEqual([]);
      expect(withAction(statements, 'kms:')).toEqual([]);
    });
  });

  it('grants no function Scan: the store methods that scan are the CLI’s alone', () => {
    for (const fn of [inbound, deliveryEvents]) {
      const actions = withAction(statementsOf(fn), 'dynamodb:').flatMap(actionsOf);
      expect(actions.sort(), fn.node.path).toEqual([...FUNCTION_TABLE_ACTIONS].sort());
      expect(actions, fn.node.path).not.toContain('dynamodb:Scan');
    }
    // The role adapters' scanning methods, found in their source: a method whose body scans the table.
    const adapterDir = resolve(PROJECT_ROOT, 'lib/adapters/dynamodb');
    const adapters = readdirSync(adapterDir)
      .filter((file) => file.endsWith('.ts') && file !== 'dynamodb-table.ts')
      .map((file) => readFileSync(join(adapterDir, file), 'utf8'));
    expect(adapters.join('\n')).toMatch(/this\.table\.scan\w*[<(]/);
    const scanning = adapters
      .flatMap((adapter) => adapter.split(/\n {2}(?=(?:async |private async )?\w+(?:<\w+>)?\()/))
      .filter((body) => /this\.table\.scan\w*[<(]/.test(body))
      .map((body) => /^(?:async |private async )?(\w+)(?:<\w+>)?\(/.exec(body)?.[1]);
    expect(scanning.sort()).toEqual(
      ['clearSendLeases', 'listConversationsUpdatedSince', 'listCustomerData', 'listCustomers'].sort(),
    );
    // listCustomers scans only when asked for every customer (no owner).
    const scanningCall =
      /\.(?:clearSendLeases|listConversationsUpdatedSince|listCustomerData)\(|\.listCustomers\(\)/;
    const functionCode = ['lambdas', 'lib']
      .flatMap((dir) =>
        readdirSync(resolve(PROJECT_ROOT, dir), { recursive: true, encoding: 'utf8' }).map((f) =>
          join(dir, f),
        ),
      )
      .filter((file) => file.endsWith('.ts') && !/^lib\/(cli|local|adapters)\//.test(file));
    expect(functionCode.length).toBeGreaterThan(20);
    for (const file of functionCode) {
      expect(readFileSync(resolve(PROJECT_ROOT, file), 'utf8'), file).not.toMatch(scanningCall);
    }
  });

  it('may also send to verified sandbox recipients, only when they are given', () => {
    const { template: sandbox, stack: sandboxStack } = templateOf({
      config: withDeploy({ sesSandboxRecipients: ['alice@example.org', 'tester@mail.example.net'] }),
    });
    for (const fn of [sandboxStack.inbound.handler, sandboxStack.deliveryEvents.handler]) {
      const ses = roleStatements(sandbox, fn.role).filter((s) => actionsOf(s).includes('ses:SendEmail'));
      expect(ses.flatMap(resourcesOf)).toEqual(
        expect.arrayContaining([identityArn('alice@example.org'), identityArn('tester@mail.example.net')]),
      );
      expect(ses.flatMap(resourcesOf)).toHaveLength(5);
    }
    const ses = withAction(statementsOf(inbound), 'ses:');
    expect(JSON.stringify(ses)).not.toContain('alice@example.org');
  });

  it('lets the activation function call the two rule set APIs and nothing else', () => {
    const statements = statementsOf(activation as SpocFunction);
    expect(withAction(statements, 'ses:')).toEqual([
      expect.objectContaining({
        Action: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet'],
        Resource: '*',
      }),
    ]);
    const prefixes = new Set(statements.flatMap(actionsOf).map((a) => a.split(':')[0]));
    expect([...prefixes].sort()).toEqual(['logs', 'ses']);
  });

  it('fails synth, naming the cause, when the config would overflow the 4 KB Lambda environment', () => {
    const domains = Object.fromEntries(
      Array.from({ length: 120 }, (_, i) => [`customer-domain-${i}.example.com`, 'alice@example.org']),
    );
    expect(() =>
      buildStack({ config: { ...TEST_CONFIG, assignment: { policy: 'round-robin', domains } } }),
    ).toThrow(/4096-byte limit.*"assignment\.domains"/s);
    // Owners no longer count: the functions read them from the table.
    const owners = Array.from({ length: 80 }, (_, i) => ({
      email: `owner${i}@example.org`,
      name: `Owner ${i}`,
    }));
    expect(() => buildStack({ config: { ...TEST_CONFIG, owners } })).not.toThrow();
  });
});
