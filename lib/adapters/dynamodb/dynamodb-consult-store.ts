import type { ConsultQuestion } from '../../domain/consult-round.js';
import { sortedByAsked } from '../../domain/consult-round.js';
import { ConditionFailedError } from '../../domain/errors.js';
import type { ConsultStore, DueConsultReminder } from '../../ports/consult-store.js';
import { type DynamoDbTable, isConditionalCheckFailed } from './dynamodb-table.js';
import { consultKeys, conversationKeys, ITEM_TYPE_ATTRIBUTE } from './item-keys.js';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, PARTITION_KEY } from './table-schema.js';

const DAY_MS = 86_400_000;
/** Most day buckets one reminder query walks: a sweep reads what fell due since its last run. */
export const MAX_REMINDER_DAYS = 366;

type QuestionRef = Pick<ConsultQuestion, 'conversationId' | 'questionId' | 'colleague'>;

const keyOf = (q: QuestionRef) => consultKeys.question(q.conversationId, q.questionId, q.colleague.address);

/**
 * {@link ConsultStore} over the one table. A question item is written once and then only given fixed
 * fields; its reminder index keys are removed when it is answered or reminded, so the index holds
 * open, unreminded questions only.
 */
export class DynamoDbConsultStore implements ConsultStore {
  constructor(private readonly table: DynamoDbTable) {}

  /**
   * The question, then the conversation's `consulted` mark, so a relay reads consult rounds only of a
   * conversation that has some (both writes are idempotent; a retry makes the one that is missing).
   */
  async putConsultQuestion(question: ConsultQuestion): Promise<void> {
    await this.table.putIfAbsent({
      ...question,
      ...keyOf(question),
      ...consultKeys.reminderIndexKeys(
        question.remindAt,
        question.conversationId,
        question.questionId,
        question.colleague.address,
      ),
      [ITEM_TYPE_ATTRIBUTE]: 'CONSULT',
    });
    await this.table.updateExisting(
      {
        Key: conversationKeys.conversation(question.conversationId),
        UpdateExpression: 'SET #consulted = :true',
        ExpressionAttributeNames: { '#consulted': 'consulted' },
        ExpressionAttributeValues: { ':true': true },
      },
      `conversation ${question.conversationId} does not exist`,
    );
  }

  async listConsultQuestions(conversationId: string): Promise<ConsultQuestion[]> {
    return sortedByAsked(
      await this.table.queryPartition<ConsultQuestion>(
        conversationKeys.conversation(conversationId)[PARTITION_KEY],
        consultKeys.questionPrefix,
      ),
    );
  }

  /** Conditional on the item and on no newer answer recorded, so a late retry never moves time back. */
  async recordConsultAnswer(question: QuestionRef, at: string): Promise<void> {
    try {
      await this.table.update({
        Key: keyOf(question),
        UpdateExpression: 'SET #first = if_not_exists(#first, :at), #last = :at REMOVE #gpk, #gsk',
        ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#last) OR #last <= :at)',
        ExpressionAttributeNames: {
          '#pk': PARTITION_KEY,
          '#first': 'answeredAt',
          '#last': 'lastAnsweredAt',
          '#gpk': GSI1_PARTITION_KEY,
          '#gsk': GSI1_SORT_KEY,
        },
        ExpressionAttributeValues: { ':at': at },
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // A newer answer was recorded first: this older one changes nothing.
      if (await this.table.getItem(keyOf(question))) return;
      throw new ConditionFailedError(
        `consult question ${question.questionId} to ${question.colleague.address} does not exist`,
        { cause: error },
      );
    }
  }

  async markConsultReminded(question: QuestionRef, at: string): Promise<boolean> {
    try {
      await this.table.update({
        Key: keyOf(question),
        UpdateExpression: 'SET #reminded = :at REMOVE #gpk, #gsk',
        ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#reminded)',
        ExpressionAttributeNames: {
          '#pk': PARTITION_KEY,
          '#reminded': 'remindedAt',
          '#gpk': GSI1_PARTITION_KEY,
          '#gsk': GSI1_SORT_KEY,
        },
        ExpressionAttributeValues: { ':at': at },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async dropConsultReminder(question: QuestionRef): Promise<void> {
    try {
      await this.table.update({
        Key: keyOf(question),
        UpdateExpression: 'REMOVE #gpk, #gsk',
        ConditionExpression: 'attribute_exists(#gpk)',
        ExpressionAttributeNames: { '#gpk': GSI1_PARTITION_KEY, '#gsk': GSI1_SORT_KEY },
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** One query per UTC day from `from` to `until`, each bounded by the two times in its sort key. */
  async listDueConsultReminders(from: string, until: string): Promise<DueConsultReminder[]> {
    const firstDay = Date.parse(`${from.slice(0, 10)}T00:00:00.000Z`);
    const lastDay = Date.parse(`${until.slice(0, 10)}T00:00:00.000Z`);
    if (!(firstDay <= lastDay)) return [];
    const days = Math.min(MAX_REMINDER_DAYS, (lastDay - firstDay) / DAY_MS + 1);
    const start = lastDay - (days - 1) * DAY_MS;
    const due: DueConsultReminder[] = [];
    for (let day = 0; day < days; day += 1) {
      const bucket = new Date(start + day * DAY_MS).toISOString().slice(0, 10);
      const items = await this.table.queryAll<ConsultQuestion>({
        IndexName: GSI1_NAME,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :until',
        ExpressionAttributeNames: { '#pk': GSI1_PARTITION_KEY, '#sk': GSI1_SORT_KEY },
        // '$' sorts after '#', so every key of a question due at `until` is inside the range.
        ExpressionAttributeValues: {
          ':pk': consultKeys.reminderBucket(bucket),
          ':from': from,
          ':until': `${until}$`,
        },
      });
      for (const item of items) {
        due.push({
          conversationId: item.conversationId,
          questionId: item.questionId,
          colleague: item.colleague.address,
          remindAt: item.remindAt,
        });
      }
    }
    return due;
  }
}
