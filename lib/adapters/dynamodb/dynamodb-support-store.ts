import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SupportStore } from '../../ports/support-store.js';
import { DynamoDbConsultStore } from './dynamodb-consult-store.js';
import { DynamoDbConversationStore } from './dynamodb-conversation-store.js';
import { DynamoDbDirectoryStore } from './dynamodb-directory-store.js';
import { DynamoDbGuardStore } from './dynamodb-guard-store.js';
import { DynamoDbInboundLedger, type InboundLedgerTtl } from './dynamodb-inbound-ledger.js';
import { DynamoDbOpsQueries } from './dynamodb-ops-queries.js';
import { DynamoDbPromiseStore } from './dynamodb-promise-store.js';
import { DynamoDbTable } from './dynamodb-table.js';

export { ITEM_TYPE_ATTRIBUTE, keys } from './item-keys.js';

/** Options of {@link createDynamoDbSupportStore} and {@link DynamoDbSupportStore}. */
export interface DynamoDbSupportStoreOptions extends InboundLedgerTtl {
  /** A document client created once by the caller (one per process / Lambda container). */
  client: DynamoDBDocumentClient;
  tableName: string;
}

/**
 * {@link SupportStore} over one DynamoDB table (see `table-schema.ts`): the role adapters on one shared
 * {@link DynamoDbTable}. Every write is a conditional or deterministic single-item write, so any step can
 * be repeated by an at-least-once pipeline; no transactions, which the embedded engine lacks. Transient
 * SDK errors propagate for the queue to retry.
 */
export function createDynamoDbSupportStore(options: DynamoDbSupportStoreOptions): SupportStore {
  const table = new DynamoDbTable(options.client, options.tableName);
  const conversations = new DynamoDbConversationStore(table);
  return {
    ...methodsOf(new DynamoDbDirectoryStore(table)),
    ...methodsOf(conversations),
    ...methodsOf(new DynamoDbConsultStore(table)),
    ...methodsOf(new DynamoDbInboundLedger(table, options)),
    ...methodsOf(new DynamoDbGuardStore(table)),
    ...methodsOf(new DynamoDbOpsQueries(table, conversations)),
    ...methodsOf(new DynamoDbPromiseStore(table)),
  };
}

/** The store as a class, for callers that construct it with `new`: see {@link createDynamoDbSupportStore}. */
export interface DynamoDbSupportStore extends SupportStore {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the constructor assigns every member of the interface.
export class DynamoDbSupportStore {
  constructor(options: DynamoDbSupportStoreOptions) {
    Object.assign(this, createDynamoDbSupportStore(options));
  }
}

/**
 * A role adapter's methods bound to it, as own properties, so the roles compose by spreading. A role
 * class's prototype holds its port's methods only (helpers are module functions).
 */
function methodsOf<T extends object>(role: T): Pick<T, keyof T> {
  const methods: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(role))) {
    const member = (role as Record<string, unknown>)[name];
    if (name !== 'constructor' && typeof member === 'function') methods[name] = member.bind(role);
  }
  return methods as Pick<T, keyof T>;
}
