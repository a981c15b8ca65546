import type { ConsultStore } from './consult-store.js';
import type { ConversationStore } from './conversation-store.js';
import type { DirectoryStore } from './directory-store.js';
import type { GuardStore } from './guard-store.js';
import type { InboundLedger } from './inbound-ledger.js';
import type { OpsQueries } from './ops-queries.js';
import type { PromiseStore } from './promise-store.js';

export type { ConsultStore, DueConsultReminder } from './consult-store.js';
export type {
  ConversationStore,
  FormerOwnerRecord,
  LookUpResult,
  MessageLink,
} from './conversation-store.js';
export type { DirectoryStore, DomainRule } from './directory-store.js';
export type { GuardStore, SenderCount, SuppressionRecord } from './guard-store.js';
export type { InboundLease, InboundLedger, InboundRecord, SentMailRecord } from './inbound-ledger.js';
export type { CustomerData, OpsQueries } from './ops-queries.js';
export type { DueEntry, PromiseStore } from './promise-store.js';

/**
 * Everything the product stores, as the one store the use cases take: the role ports together.
 * Implemented over one DynamoDB table; every write is conditional or deterministic so an at-least-once
 * pipeline can repeat any step.
 */
export type SupportStore = DirectoryStore &
  ConversationStore &
  ConsultStore &
  InboundLedger &
  GuardStore &
  OpsQueries &
  PromiseStore;
