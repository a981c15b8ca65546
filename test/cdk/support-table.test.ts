import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TABLE_DATA_ACTIONS } from '../../cdk/constructs/support-table.js';
import { PROJECT_ROOT } from '../../cdk/load-stack-config.js';
import { templateOf, withDeploy } from './support/stack-fixture.js';

/** lib-dynamodb / client-dynamodb command → the IAM action it needs. */
const ACTION_OF_COMMAND: Record<string, string> = {
  GetCommand: 'dynamodb:GetItem',
  GetItemCommand: 'dynamodb:GetItem',
  BatchGetCommand: 'dynamodb:BatchGetItem',
  BatchGetItemCommand: 'dynamodb:BatchGetItem',
  QueryCommand: 'dynamodb:Query',
  ScanCommand: 'dynamodb:Scan',
  PutCommand: 'dynamodb:PutItem',
  PutItemCommand: 'dynamodb:PutItem',
  UpdateCommand: 'dynamodb:UpdateItem',
  UpdateItemCommand: 'dynamodb:UpdateItem',
  DeleteCommand: 'dynamodb:DeleteItem',
  DeleteItemCommand: 'dynamodb:DeleteItem',
  BatchWriteCommand: 'dynamodb:BatchWriteItem',
  BatchWriteItemCommand: 'dynamodb:BatchWriteItem',
};

describe('support table', () => {
  const { template } = templateOf();

  it('is one on-demand table with pk/sk, the gsi1 index (all attributes), the due index (keys and what a listing shows) and TTL on expiresAt', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'due',
          KeySchema: [
            { AttributeName: 'duepk', KeyType: 'HASH' },
            { AttributeName: 'duesk', KeyType: 'RANGE' },
          ],
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: ['customerEmail', 'ownerEmail', 'promise'],
          },
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('is retained when the stack is deleted', () => {
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table'));
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.UpdateReplacePolicy).toBe('Retain');
  });

  it('takes deletion protection from config', () => {
    const { template: other } = templateOf({ config: withDeploy({ deletionProtection: false }) });
    other.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });

  it('grants every action the storage adapter needs, and only item-level actions', () => {
    const adapterDir = resolve(PROJECT_ROOT, 'lib/adapters/dynamodb');
    const source = readdirSync(adapterDir)
      .filter((file) => file.endsWith('.ts'))
      .map((file) => readFileSync(resolve(adapterDir, file), 'utf8'))
      .join('\n');
    const commands = new Set([...source.matchAll(/new (\w+Command)\(/g)].map((match) => match[1] ?? ''));
    expect(commands.size).toBeGreaterThan(0);
    for (const command of commands) {
      const action = ACTION_OF_COMMAND[command];
      expect(action, `${command} has no known IAM action: extend the map and the grant`).toBeDefined();
      expect(TABLE_DATA_ACTIONS, `${command} needs ${action}`).toContain(action);
    }
    for (const action of TABLE_DATA_ACTIONS) {
      expect(action).toMatch(/^dynamodb:(Get|BatchGet|Query|Scan|Put|Update|Delete|BatchWrite)/);
    }
  });
});
