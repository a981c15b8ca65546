import type { CreateTableCommandInput, UpdateTimeToLiveCommandInput } from '@aws-sdk/client-dynamodb';

/** Partition key of the one table (string). */
export const PARTITION_KEY = 'pk';
/** Sort key of the one table (string). */
export const SORT_KEY = 'sk';
/** The one global secondary index. */
export const GSI1_NAME = 'gsi1';
/** Partition key of `gsi1` (string). */
export const GSI1_PARTITION_KEY = 'gsi1pk';
/** Sort key of `gsi1` (string). */
export const GSI1_SORT_KEY = 'gsi1sk';
/** Projection of `gsi1`: every attribute, so a query never needs a second read. */
export const GSI1_PROJECTION = 'ALL';
/**
 * The due index: conversations with a running response promise, partitioned by the day (UTC) of the
 * promise's next event, sorted by `<next event time>#<conversation id>`. Sparse: only conversations
 * with a promise carry its keys, and moving the promise moves its entry.
 */
export const DUE_INDEX_NAME = 'due';
/** Partition key of the due index (string): `DUE#<YYYY-MM-DD>`, `DUE#later` or `DUE#idle`. */
export const DUE_PARTITION_KEY = 'duepk';
/** Sort key of the due index (string): `<ISO time>#<conversation id>`. */
export const DUE_SORT_KEY = 'duesk';
/**
 * What the due index copies besides its keys: enough to list a promise without a second read. Updates
 * of a conversation's other attributes (its thread lists) write no index copy.
 */
export const DUE_INDEX_ATTRIBUTES = ['customerEmail', 'ownerEmail', 'promise'] as const;
/** TTL attribute: epoch seconds after which DynamoDB may delete the item. */
export const TTL_ATTRIBUTE = 'expiresAt';
/** Every key attribute is a string. */
export const KEY_ATTRIBUTE_TYPE = 'S';

/**
 * The table's shape as plain data: keys, the GSI and the TTL attribute. The CDK stack and the local
 * engines both build from it, so the deployed and the embedded table cannot drift apart.
 */
export const tableSchema = {
  partitionKey: { name: PARTITION_KEY, type: KEY_ATTRIBUTE_TYPE },
  sortKey: { name: SORT_KEY, type: KEY_ATTRIBUTE_TYPE },
  globalSecondaryIndexes: [
    {
      indexName: GSI1_NAME,
      partitionKey: { name: GSI1_PARTITION_KEY, type: KEY_ATTRIBUTE_TYPE },
      sortKey: { name: GSI1_SORT_KEY, type: KEY_ATTRIBUTE_TYPE },
      projection: GSI1_PROJECTION,
    },
    {
      indexName: DUE_INDEX_NAME,
      partitionKey: { name: DUE_PARTITION_KEY, type: KEY_ATTRIBUTE_TYPE },
      sortKey: { name: DUE_SORT_KEY, type: KEY_ATTRIBUTE_TYPE },
      projection: 'INCLUDE',
      nonKeyAttributes: DUE_INDEX_ATTRIBUTES,
    },
  ],
  timeToLiveAttribute: TTL_ATTRIBUTE,
  billingMode: 'PAY_PER_REQUEST',
} as const;

/** `CreateTable` input for local and test engines (on-demand billing, no TTL: see `timeToLiveInput`). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY, AttributeType: KEY_ATTRIBUTE_TYPE },
      { AttributeName: SORT_KEY, AttributeType: KEY_ATTRIBUTE_TYPE },
      { AttributeName: GSI1_PARTITION_KEY, AttributeType: KEY_ATTRIBUTE_TYPE },
      { AttributeName: GSI1_SORT_KEY, AttributeType: KEY_ATTRIBUTE_TYPE },
      { AttributeName: DUE_PARTITION_KEY, AttributeType: KEY_ATTRIBUTE_TYPE },
      { AttributeName: DUE_SORT_KEY, AttributeType: KEY_ATTRIBUTE_TYPE },
    ],
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: GSI1_NAME,
        KeySchema: [
          { AttributeName: GSI1_PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: GSI1_SORT_KEY, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: GSI1_PROJECTION },
      },
      {
        IndexName: DUE_INDEX_NAME,
        KeySchema: [
          { AttributeName: DUE_PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: DUE_SORT_KEY, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...DUE_INDEX_ATTRIBUTES] },
      },
    ],
  };
}

/**
 * `UpdateTimeToLive` input enabling expiry on `expiresAt`. TTL is a separate call from `CreateTable`;
 * dynalite does not implement it (items keep the attribute but never expire).
 */
export function timeToLiveInput(tableName: string): UpdateTimeToLiveCommandInput {
  return {
    TableName: tableName,
    TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
  };
}
