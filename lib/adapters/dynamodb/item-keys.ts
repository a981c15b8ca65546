import {
  DUE_PARTITION_KEY,
  DUE_SORT_KEY,
  GSI1_PARTITION_KEY,
  GSI1_SORT_KEY,
  PARTITION_KEY,
  SORT_KEY,
} from './table-schema.js';

/** An item as stored in the one table. */
export type Item = Record<string, unknown>;
/** The primary key of one item. */
export type ItemKey = { [PARTITION_KEY]: string; [SORT_KEY]: string };

/** Attribute holding the item type (`OWNER`, `CUSTOMER`, ...), used to filter scans. */
export const ITEM_TYPE_ATTRIBUTE = 'type';

const key = (pk: string, sk: string): ItemKey => ({ [PARTITION_KEY]: pk, [SORT_KEY]: sk });

/** The directory's items: owners, their open counts, customers, the round-robin counter, domain rules. */
export const directoryKeys = {
  owner: (email: string) => key(`OWNER#${email}`, 'OWNER'),
  /** An owner's open-conversation count, beside the owner record so rewriting the owner keeps it. */
  ownerLoad: (email: string) => key(`OWNER#${email}`, 'LOAD'),
  customer: (email: string) => key(`CUSTOMER#${email}`, 'CUSTOMER'),
  assignmentCounter: () => key('COUNTER#assignment', 'COUNTER'),
  domainRule: (domain: string) => key(`DOMAIN#${domain}`, 'DOMAIN'),
  /** All owners share one GSI partition so listing them is a query, not a table scan. */
  ownersIndex: 'OWNERS',
  /** All domain rules share one GSI partition so listing them is a query. */
  domainsIndex: 'DOMAINS',
  ownerIndexKeys: (email: string) => ({
    [GSI1_PARTITION_KEY]: directoryKeys.ownersIndex,
    [GSI1_SORT_KEY]: `OWNER#${email}`,
  }),
  /** A customer is listed under their owner, so an owner's customers are one query. */
  customerIndexPartition: (ownerEmail: string) => `OWNER#${ownerEmail}`,
  customerIndexKeys: (ownerEmail: string, email: string) => ({
    [GSI1_PARTITION_KEY]: directoryKeys.customerIndexPartition(ownerEmail),
    [GSI1_SORT_KEY]: `CUSTOMER#${email}`,
  }),
  domainRuleIndexKeys: (domain: string) => ({
    [GSI1_PARTITION_KEY]: directoryKeys.domainsIndex,
    [GSI1_SORT_KEY]: `DOMAIN#${domain}`,
  }),
} as const;

/**
 * A conversation's items: the conversation and, in its partition, its messages and former owners (so
 * forgetting the conversation removes them too); the customer's pointer to it; Message-ID links.
 */
export const conversationKeys = {
  conversation: (id: string) => key(`CONV#${id}`, 'CONV'),
  /** A customer's pointer to one of their conversations, in the customer's partition. */
  customerConversation: (customerEmail: string, conversationId: string) =>
    key(`CUSTOMER#${customerEmail}`, `CONV#${conversationId}`),
  /** Sort key prefix of the pointers in a customer's partition. */
  customerConversationPrefix: 'CONV#',
  message: (conversationId: string, at: string, id: string) =>
    key(`CONV#${conversationId}`, `MSG#${at}#${id}`),
  /** Sort key prefix of the messages in a conversation's partition. */
  messagePrefix: 'MSG#',
  /**
   * A note's copy (its text only) beside the note's message, so an owner answer's check against the notes
   * reads the notes alone, however many mails the conversation holds.
   */
  note: (conversationId: string, at: string, id: string) => key(`CONV#${conversationId}`, `NOTE#${at}#${id}`),
  /** Sort key prefix of the note copies in a conversation's partition. */
  notePrefix: 'NOTE#',
  formerOwner: (conversationId: string, ownerEmail: string) =>
    key(`CONV#${conversationId}`, `FORMER#${ownerEmail}`),
  messageId: (rfcMessageId: string) => key(`MSGID#${rfcMessageId}`, 'MSGID'),
} as const;

/**
 * Consult rounds: one item per question to one colleague in the conversation's partition (forgetting the
 * conversation removes them); an open question is also listed in `gsi1` under the UTC day its reminder
 * is due, so the sweep reads one day bucket at a time and an answered or reminded question leaves it.
 */
export const consultKeys = {
  question: (conversationId: string, questionId: string, colleague: string) =>
    key(`CONV#${conversationId}`, `CONSULT#${questionId}#${colleague}`),
  /** Sort key prefix of the questions in a conversation's partition. */
  questionPrefix: 'CONSULT#',
  /** The reminder index's partition of one UTC day (`YYYY-MM-DD`). */
  reminderBucket: (day: string) => `CONSULT-REMIND#${day}`,
  reminderIndexKeys: (remindAt: string, conversationId: string, questionId: string, colleague: string) => ({
    [GSI1_PARTITION_KEY]: consultKeys.reminderBucket(remindAt.slice(0, 10)),
    [GSI1_SORT_KEY]: `${remindAt}#${conversationId}#${questionId}#${colleague}`,
  }),
} as const;

/** The inbound ledger's items: inbound claims, sent records, send leases. */
export const ledgerKeys = {
  inbound: (id: string) => key(`INBOUND#${id}`, 'INBOUND'),
  sent: (sentKey: string) => key(`SENT#${sentKey}`, 'SENT'),
  sendLease: (sentKey: string) => key(`SENDLEASE#${sentKey}`, 'SENDLEASE'),
} as const;

/** The guards' items: Message-ID claims, rate counters, capped counters, suppressed addresses. */
export const guardKeys = {
  rfcMessage: (sender: string, rfcMessageId: string) => key(`RFCMSG#${sender}#${rfcMessageId}`, 'RFCMSG'),
  rate: (sender: string, window: string) => key(`RATE#${sender}#${window}`, 'RATE'),
  capped: (counter: string, window: string) => key(`CAPPED#${counter}#${window}`, 'CAPPED'),
  suppressed: (address: string) => key(`SUPPRESSED#${address}`, 'SUPPRESSED'),
} as const;

/** The response promises' due index (attributes of the conversation item) and the sweep's cursor. */
export const promiseKeys = {
  /** Partition of one due-index bucket: a day (`YYYY-MM-DD`), `later` or `idle`. */
  dueIndexPartition: (bucket: string) => `DUE#${bucket}`,
  dueIndexKeys: (bucket: string, sortKey: string) => ({
    [DUE_PARTITION_KEY]: promiseKeys.dueIndexPartition(bucket),
    [DUE_SORT_KEY]: sortKey,
  }),
  sweepCursor: () => key('SWEEP#cursor', 'SWEEP'),
} as const;

/** Every item key builder, exported so tests and tools address the same items. */
export const keys = {
  owner: directoryKeys.owner,
  ownerLoad: directoryKeys.ownerLoad,
  customer: directoryKeys.customer,
  assignmentCounter: directoryKeys.assignmentCounter,
  domainRule: directoryKeys.domainRule,
  conversation: conversationKeys.conversation,
  customerConversation: conversationKeys.customerConversation,
  message: conversationKeys.message,
  note: conversationKeys.note,
  formerOwner: conversationKeys.formerOwner,
  messageId: conversationKeys.messageId,
  consultQuestion: consultKeys.question,
  ...ledgerKeys,
  ...guardKeys,
  sweepCursor: promiseKeys.sweepCursor,
} as const;
