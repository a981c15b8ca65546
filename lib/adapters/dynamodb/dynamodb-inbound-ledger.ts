import { LeaseHeldError } from '../../domain/errors.js';
import type { InboundOutcome } from '../../domain/types.js';
import type {
  InboundLease,
  InboundLedger,
  InboundRecord,
  SentMailRecord,
} from '../../ports/inbound-ledger.js';
import {
  type DynamoDbTable,
  isConditionalCheckFailed,
  toDomain,
  ttlFrom,
  withoutUndefined,
} from './dynamodb-table.js';
import { ITEM_TYPE_ATTRIBUTE, ledgerKeys as keys } from './item-keys.js';
import { PARTITION_KEY, TTL_ATTRIBUTE } from './table-schema.js';

/** Expiry of the ledger's records; absent: kept forever. */
export interface InboundLedgerTtl {
  /**
   * When set, `INBOUND#` claims carry `expiresAt` = `receivedAt` + this many seconds. Absent: kept
   * forever (the outcome is the audit trail of every inbound message).
   */
  inboundTtlSeconds?: number;
  /** When set, `SENT#` records carry `expiresAt` = `sentAt` + this many seconds. Absent: kept forever. */
  sentMailTtlSeconds?: number;
}

/** {@link InboundLedger} over the one table: inbound claims and their leases, sent records, send leases. */
export class DynamoDbInboundLedger implements InboundLedger {
  constructor(
    private readonly table: DynamoDbTable,
    private readonly ttl: InboundLedgerTtl = {},
  ) {}

  async claimInbound(id: string, rawKey: string, at: string, lease?: InboundLease): Promise<InboundRecord> {
    const { names, values, set } = claimParts(id, rawKey, at, this.ttl.inboundTtlSeconds);
    let condition: string | undefined;
    let update = set;
    if (lease) {
      // A finished message passes: the claim then only reports its outcome.
      names['#outcome'] = 'outcome';
      names['#holder'] = 'leaseHolder';
      names['#until'] = 'leaseUntil';
      values[':holder'] = lease.holder;
      values[':until'] = lease.until;
      values[':now'] = lease.now;
      update += ', #holder = :holder, #until = :until';
      condition = 'attribute_exists(#outcome) OR attribute_not_exists(#until) OR #until < :now';
    }
    try {
      const result = await this.table.update({
        Key: keys.inbound(id),
        UpdateExpression: `SET ${update} ADD #attempts :one`,
        ...(condition ? { ConditionExpression: condition } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      });
      if (!result.Attributes) throw new Error(`claim of inbound ${id} returned no attributes`);
      return toDomain<InboundRecord>(result.Attributes);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      throw new LeaseHeldError(`inbound ${id} is being processed by another attempt`, { cause: error });
    }
  }

  async settleInbound(
    id: string,
    rawKey: string,
    at: string,
    outcome: InboundOutcome,
  ): Promise<{ record: InboundRecord; settled: boolean }> {
    const { names, values, set } = claimParts(id, rawKey, at, this.ttl.inboundTtlSeconds);
    names['#outcome'] = 'outcome';
    values[':outcome'] = withoutUndefined(outcome);
    const result = await this.table.update({
      Key: keys.inbound(id),
      UpdateExpression: `SET ${set}, #outcome = if_not_exists(#outcome, :outcome) ADD #attempts :one`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'ALL_OLD',
    });
    const before = result.Attributes ? toDomain<InboundRecord>(result.Attributes) : undefined;
    const record: InboundRecord = {
      ...before,
      id,
      rawKey: before?.rawKey ?? rawKey,
      receivedAt: before?.receivedAt ?? at,
      attempts: (before?.attempts ?? 0) + 1,
      outcome: before?.outcome ?? outcome,
    };
    return { record, settled: before?.outcome === undefined };
  }

  /** Throws `ConditionFailedError` when the message was never claimed. Overwrites an earlier outcome. */
  async recordOutcome(id: string, outcome: InboundOutcome, relay?: SentMailRecord): Promise<void> {
    await updateInbound(
      this.table,
      id,
      `SET #outcome = :outcome${relay ? ', #relay = :relay' : ''} REMOVE #holder, #until`,
      {
        '#outcome': 'outcome',
        '#holder': 'leaseHolder',
        '#until': 'leaseUntil',
        ...(relay ? { '#relay': 'relay' } : {}),
      },
      { ':outcome': withoutUndefined(outcome), ...(relay ? { ':relay': withoutUndefined(relay) } : {}) },
    );
  }

  async recordRelay(id: string, relay: SentMailRecord): Promise<void> {
    await updateInbound(this.table, id, 'SET #relay = :relay', { '#relay': 'relay' }, { ':relay': relay });
  }

  async reopenInbound(id: string): Promise<void> {
    await updateInbound(this.table, id, 'REMOVE #outcome', { '#outcome': 'outcome' }, undefined);
  }

  async releaseInboundLease(id: string, holder: string): Promise<void> {
    try {
      await this.table.update({
        Key: keys.inbound(id),
        UpdateExpression: 'REMOVE #holder, #until',
        ConditionExpression: '#holder = :holder',
        ExpressionAttributeNames: { '#holder': 'leaseHolder', '#until': 'leaseUntil' },
        ExpressionAttributeValues: { ':holder': holder },
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async getInbound(id: string): Promise<InboundRecord | undefined> {
    return this.table.get<InboundRecord>(keys.inbound(id));
  }

  async noteTransientFailure(id: string, rawKey: string, at: string): Promise<void> {
    const { names, values, set } = claimParts(id, rawKey, at, this.ttl.inboundTtlSeconds);
    names['#failures'] = 'transientFailures';
    delete names['#attempts'];
    await this.table.update({
      Key: keys.inbound(id),
      UpdateExpression: `SET ${set} ADD #failures :one`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  }

  async clearFailedOutcome(id: string): Promise<boolean> {
    try {
      await this.table.update({
        Key: keys.inbound(id),
        // A duplicate delivery's claim may have left a lease on the ended message.
        UpdateExpression: 'REMOVE #outcome, #holder, #until',
        ConditionExpression: '#outcome.#status = :failed',
        ExpressionAttributeNames: {
          '#outcome': 'outcome',
          '#status': 'status',
          '#holder': 'leaseHolder',
          '#until': 'leaseUntil',
        },
        ExpressionAttributeValues: { ':failed': 'failed' },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async getSentMail(key: string): Promise<SentMailRecord | undefined> {
    return this.table.get<SentMailRecord>(keys.sent(key));
  }

  async recordSentMail(record: SentMailRecord): Promise<void> {
    const expiresAt = ttlFrom(record.sentAt, this.ttl.sentMailTtlSeconds);
    await this.table.put({
      ...record,
      ...keys.sent(record.key),
      [ITEM_TYPE_ATTRIBUTE]: 'SENT',
      ...(expiresAt === undefined ? {} : { [TTL_ATTRIBUTE]: expiresAt }),
    });
  }

  async claimSendLease(key: string, holder: string, now: number, until: number): Promise<boolean> {
    return this.table.putWhen(
      {
        ...keys.sendLease(key),
        [ITEM_TYPE_ATTRIBUTE]: 'SENDLEASE',
        holder,
        leaseUntil: until,
        [TTL_ATTRIBUTE]: Math.ceil(until / 1000) + 24 * 60 * 60,
      },
      {
        expression: 'attribute_not_exists(#pk) OR #until < :now OR #holder = :holder',
        names: { '#pk': PARTITION_KEY, '#until': 'leaseUntil', '#holder': 'holder' },
        values: { ':now': now, ':holder': holder },
      },
    );
  }

  async releaseSendLease(key: string, holder: string): Promise<void> {
    try {
      await this.table.delete(keys.sendLease(key), {
        expression: '#holder = :holder',
        names: { '#holder': 'holder' },
        values: { ':holder': holder },
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** A filtered scan: meant for local mode's start-up, where the table is small. Inbound leases too. */
  async clearSendLeases(): Promise<number> {
    const [leases, claims] = await Promise.all([
      this.table.scanType('SENDLEASE'),
      this.table.scanRaw({
        FilterExpression: '#type = :type AND attribute_exists(#holder)',
        ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE, '#holder': 'leaseHolder' },
        ExpressionAttributeValues: { ':type': 'INBOUND' },
      }),
    ]);
    await Promise.all([
      ...leases.map((item) => this.table.delete(item)),
      ...claims.map((item) => this.releaseInboundLease(String(item.id), String(item.leaseHolder))),
    ]);
    return leases.length + claims.length;
  }
}

/** The claim's common attributes: first-seen values are kept, the attempt is counted. */
function claimParts(id: string, rawKey: string, at: string, ttlSeconds: number | undefined) {
  const names: Record<string, string> = {
    '#id': 'id',
    '#rawKey': 'rawKey',
    '#receivedAt': 'receivedAt',
    '#attempts': 'attempts',
    '#type': ITEM_TYPE_ATTRIBUTE,
  };
  const values: Record<string, unknown> = {
    ':id': id,
    ':rawKey': rawKey,
    ':at': at,
    ':one': 1,
    ':type': 'INBOUND',
  };
  let set =
    '#id = :id, #type = :type, #rawKey = if_not_exists(#rawKey, :rawKey), #receivedAt = if_not_exists(#receivedAt, :at)';
  const expiresAt = ttlFrom(at, ttlSeconds);
  if (expiresAt !== undefined) {
    names['#ttl'] = TTL_ATTRIBUTE;
    values[':ttl'] = expiresAt;
    set += ', #ttl = if_not_exists(#ttl, :ttl)';
  }
  return { names, values, set };
}

/** An update of a claimed message; `ConditionFailedError` when it was never claimed. */
async function updateInbound(
  table: DynamoDbTable,
  id: string,
  expression: string,
  names: Record<string, string>,
  values: Record<string, unknown> | undefined,
): Promise<void> {
  await table.updateExisting(
    {
      Key: keys.inbound(id),
      UpdateExpression: expression,
      ExpressionAttributeNames: names,
      ...(values ? { ExpressionAttributeValues: values } : {}),
    },
    `inbound ${id} was never claimed`,
  );
}
