import type { Customer, Owner } from '../../domain/types.js';
import type { DirectoryStore, DomainRule } from '../../ports/directory-store.js';
import { compareStrings, type DynamoDbTable, isConditionalCheckFailed, toDomain } from './dynamodb-table.js';
import { ITEM_TYPE_ATTRIBUTE, directoryKeys as keys } from './item-keys.js';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, PARTITION_KEY } from './table-schema.js';

/** Attribute of an owner's load item: how many open conversations are counted for them. */
const OPEN_COUNT = 'open';
/** Attribute of the assignment counter: the owner the round robin gave the last new customer. */
const LAST_ASSIGNED = 'lastAssigned';

/** {@link DirectoryStore} over the one table: owners, customers, the assignment counter, domain rules. */
export class DynamoDbDirectoryStore implements DirectoryStore {
  constructor(private readonly table: DynamoDbTable) {}

  async putOwner(owner: Owner): Promise<void> {
    await this.table.put({
      ...owner,
      ...keys.owner(owner.email),
      [ITEM_TYPE_ATTRIBUTE]: 'OWNER',
      ...keys.ownerIndexKeys(owner.email),
    });
  }

  async getOwner(email: string): Promise<Owner | undefined> {
    return this.table.get<Owner>(keys.owner(email));
  }

  /** Eventually consistent, as the owner listing (a GSI) always was: owners change rarely. */
  async getOwners(emails: readonly string[]): Promise<Owner[]> {
    if (emails.length === 0) return [];
    const wanted = [...new Set(emails)].map((email) => keys.owner(email));
    const items = await this.table.batchGet(wanted, false);
    return items.map((item) => toDomain<Owner>(item)).sort((a, b) => compareStrings(a.email, b.email));
  }

  /** Owners by email. Reads the GSI, so an owner written a moment ago may be missing for a moment. */
  async listOwners(): Promise<Owner[]> {
    return this.table.queryIndex<Owner>(keys.ownersIndex, 'OWNER#');
  }

  /** Removes the owner record; their customers keep pointing at them until handed off. */
  async deleteOwner(email: string): Promise<void> {
    await this.table.delete(keys.owner(email));
  }

  async getCustomer(email: string): Promise<Customer | undefined> {
    return this.table.get<Customer>(keys.customer(email));
  }

  async createCustomer(customer: Customer): Promise<Customer> {
    const created = await this.table.putIfAbsent({
      ...customer,
      ...keys.customer(customer.email),
      [ITEM_TYPE_ATTRIBUTE]: 'CUSTOMER',
      ...keys.customerIndexKeys(customer.ownerEmail, customer.email),
    });
    if (created) return customer;
    return this.table.getExisting<Customer>(keys.customer(customer.email), `customer ${customer.email}`);
  }

  /** Throws `ConditionFailedError` when the customer does not exist (a handoff never creates one). */
  async updateCustomerOwner(email: string, ownerEmail: string): Promise<void> {
    await this.table.updateExisting(
      {
        Key: keys.customer(email),
        UpdateExpression: 'SET #owner = :owner, #gpk = :gpk',
        ExpressionAttributeNames: { '#owner': 'ownerEmail', '#gpk': GSI1_PARTITION_KEY },
        ExpressionAttributeValues: {
          ':owner': ownerEmail,
          ':gpk': keys.customerIndexPartition(ownerEmail),
        },
      },
      `customer ${email} does not exist`,
    );
  }

  async fillCustomerName(email: string, name: string): Promise<void> {
    try {
      await this.table.update({
        Key: keys.customer(email),
        UpdateExpression: 'SET #name = :name',
        ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#name) OR #name = :empty)',
        ExpressionAttributeNames: { '#name': 'name', '#pk': PARTITION_KEY },
        ExpressionAttributeValues: { ':name': name, ':empty': '' },
      });
    } catch (error) {
      // A name is already there (or the customer is gone): nothing to fill in.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * Customers of one owner (a GSI query, ordered by email), or every customer (a filtered scan of the
   * whole table: meant for ops tools, not for the mail path).
   */
  async listCustomers(ownerEmail?: string): Promise<Customer[]> {
    if (ownerEmail !== undefined) {
      return this.table.queryAll<Customer>({
        IndexName: GSI1_NAME,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': GSI1_PARTITION_KEY, '#sk': GSI1_SORT_KEY },
        ExpressionAttributeValues: { ':pk': keys.customerIndexPartition(ownerEmail), ':prefix': 'CUSTOMER#' },
      });
    }
    const customers = await this.table.scanAll<Customer>({
      FilterExpression: '#type = :type',
      ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE },
      ExpressionAttributeValues: { ':type': 'CUSTOMER' },
    });
    return customers.sort((a, b) => compareStrings(a.email, b.email));
  }

  async nextAssignmentSequence(): Promise<number> {
    const result = await this.table.update({
      Key: keys.assignmentCounter(),
      UpdateExpression: 'SET #type = :type ADD #seq :one',
      ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE, '#seq': 'sequence' },
      ExpressionAttributeValues: { ':type': 'COUNTER', ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    });
    const value = result.Attributes?.sequence;
    if (typeof value !== 'number') throw new Error('assignment counter update returned no sequence');
    return value;
  }

  async lastAssigned(): Promise<string | undefined> {
    const item = await this.table.getItem(keys.assignmentCounter());
    return typeof item?.[LAST_ASSIGNED] === 'string' ? item[LAST_ASSIGNED] : undefined;
  }

  async moveLastAssigned(seen: string | undefined, next: string): Promise<boolean> {
    try {
      await this.table.update({
        Key: keys.assignmentCounter(),
        UpdateExpression: 'SET #type = :type, #last = :next',
        ConditionExpression: seen === undefined ? 'attribute_not_exists(#last)' : '#last = :seen',
        ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE, '#last': LAST_ASSIGNED },
        ExpressionAttributeValues: {
          ':type': 'COUNTER',
          ':next': next,
          ...(seen === undefined ? {} : { ':seen': seen }),
        },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Reads the owners' GSI partition from `after` on: a page costs its owners, not the team. */
  async ownersAfter(after: string | undefined, limit: number): Promise<{ owners: Owner[]; more: boolean }> {
    const { items, more } = await this.table.queryPage({
      IndexName: GSI1_NAME,
      KeyConditionExpression:
        after === undefined ? '#pk = :pk AND begins_with(#sk, :prefix)' : '#pk = :pk AND #sk > :after',
      ExpressionAttributeNames: { '#pk': GSI1_PARTITION_KEY, '#sk': GSI1_SORT_KEY },
      ExpressionAttributeValues: {
        ':pk': keys.ownersIndex,
        ...(after === undefined ? { ':prefix': 'OWNER#' } : { ':after': `OWNER#${after}` }),
      },
      Limit: limit,
    });
    return { owners: items.map((item) => toDomain<Owner>(item)), more };
  }

  async openCounts(ownerEmails: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (ownerEmails.length === 0) return counts;
    const items = await this.table.batchGet([...new Set(ownerEmails)].map((email) => keys.ownerLoad(email)));
    for (const item of items) {
      const open = item[OPEN_COUNT];
      if (typeof item.ownerEmail === 'string' && typeof open === 'number') {
        counts.set(item.ownerEmail, Math.max(0, open));
      }
    }
    return counts;
  }

  async takeOpenCount(ownerEmail: string, seen: number): Promise<boolean> {
    try {
      await this.table.update({
        Key: keys.ownerLoad(ownerEmail),
        UpdateExpression: 'SET #type = :type, #owner = :owner, #open = :next',
        ConditionExpression: seen <= 0 ? 'attribute_not_exists(#open) OR #open <= :seen' : '#open = :seen',
        ExpressionAttributeNames: {
          '#type': ITEM_TYPE_ATTRIBUTE,
          '#owner': 'ownerEmail',
          '#open': OPEN_COUNT,
        },
        ExpressionAttributeValues: {
          ':type': 'LOAD',
          ':owner': ownerEmail,
          ':seen': Math.max(0, seen),
          ':next': Math.max(0, seen) + 1,
        },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async addOpenCount(ownerEmail: string, delta: number): Promise<void> {
    if (delta === 0) return;
    const names = { '#type': ITEM_TYPE_ATTRIBUTE, '#owner': 'ownerEmail', '#open': OPEN_COUNT };
    if (delta > 0) {
      await this.table.update({
        Key: keys.ownerLoad(ownerEmail),
        UpdateExpression: 'SET #type = :type, #owner = :owner ADD #open :delta',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':type': 'LOAD', ':owner': ownerEmail, ':delta': delta },
      });
      return;
    }
    const take = -delta;
    // Subtract when there is enough, else settle at 0; a concurrent change between the two tries again.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      for (const [update, condition] of [
        ['SET #open = #open - :take', '#open >= :take'],
        ['SET #open = :zero', 'attribute_exists(#open) AND #open < :take'],
      ] as const) {
        try {
          await this.table.update({
            Key: keys.ownerLoad(ownerEmail),
            UpdateExpression: update,
            ConditionExpression: condition,
            ExpressionAttributeNames: { '#open': OPEN_COUNT },
            ExpressionAttributeValues: update.includes(':zero')
              ? { ':zero': 0, ':take': take }
              : { ':take': take },
          });
          return;
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
        }
      }
      // Neither matched: the owner was never counted, so there is nothing to take away.
      if (!(await this.table.getItem(keys.ownerLoad(ownerEmail)))) return;
    }
  }

  async putDomainRule(rule: DomainRule): Promise<void> {
    await this.table.put({
      ...rule,
      ...keys.domainRule(rule.domain),
      [ITEM_TYPE_ATTRIBUTE]: 'DOMAIN',
      ...keys.domainRuleIndexKeys(rule.domain),
    });
  }

  async deleteDomainRule(domain: string): Promise<boolean> {
    return this.table.deleteReturningOld(keys.domainRule(domain));
  }

  async getDomainRule(domain: string): Promise<DomainRule | undefined> {
    return this.table.get<DomainRule>(keys.domainRule(domain));
  }

  async listDomainRules(): Promise<DomainRule[]> {
    return this.table.queryIndex<DomainRule>(keys.domainsIndex, 'DOMAIN#');
  }
}
