import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { tableSchema } from '../../lib/adapters/dynamodb/table-schema.js';

/**
 * The item-level actions behind the commands the storage adapter sends (Get, BatchGet, Query, Scan, Put,
 * Update, Delete); no table management, no streams, no PartiQL, no transactions. A test keeps this list
 * and the adapter in step.
 */
export const TABLE_DATA_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/**
 * What the functions may do: the adapter's actions but `Scan`. Only the CLI's listings and exports scan
 * (all customers, a data request, statistics); the functions read by key and by index.
 */
export const FUNCTION_TABLE_ACTIONS = TABLE_DATA_ACTIONS.filter((action) => action !== 'dynamodb:Scan');

const KEY_TYPES = { S: dynamodb.AttributeType.STRING } as const;
const PROJECTIONS = {
  ALL: dynamodb.ProjectionType.ALL,
  INCLUDE: dynamodb.ProjectionType.INCLUDE,
} as const;

function attribute(key: { name: string; type: keyof typeof KEY_TYPES }): dynamodb.Attribute {
  return { name: key.name, type: KEY_TYPES[key.type] };
}

export interface SupportTableProps {
  /** Refuse DeleteTable while set (config `deploy.deletionProtection`). */
  deletionProtection: boolean;
}

/**
 * The one DynamoDB table, built from the adapter's `tableSchema` (keys, GSI, TTL attribute) so the
 * deployed and the local table cannot drift apart: on demand, point-in-time recovery, deletion protection
 * as configured. Retained when the stack is deleted.
 */
export class SupportTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: SupportTableProps) {
    super(scope, id);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: attribute(tableSchema.partitionKey),
      sortKey: attribute(tableSchema.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection,
      timeToLiveAttribute: tableSchema.timeToLiveAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of tableSchema.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: PROJECTIONS[index.projection],
        ...('nonKeyAttributes' in index ? { nonKeyAttributes: [...index.nonKeyAttributes] } : {}),
      });
    }
  }

  /**
   * Item reads and writes on the table and each of its indexes, named one by one (no `index/*`):
   * {@link FUNCTION_TABLE_ACTIONS} unless `actions` says otherwise.
   */
  grantData(grantee: iam.IGrantable, actions: readonly string[] = FUNCTION_TABLE_ACTIONS): void {
    grantee.grantPrincipal.addToPrincipalPolicy(this.dataStatement(actions));
  }

  /** The statement {@link grantData} adds, for a policy document of its own (the operator policy). */
  dataStatement(actions: readonly string[] = TABLE_DATA_ACTIONS): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'SupportTableData',
      actions: [...actions],
      resources: [
        this.table.tableArn,
        ...tableSchema.globalSecondaryIndexes.map(
          (index) => `${this.table.tableArn}/index/${index.indexName}`,
        ),
      ],
    });
  }
}
