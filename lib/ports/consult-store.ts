import type { ConsultQuestion } from '../domain/consult-round.js';

/** Where one question's reminder is found by the time-driven sweep. */
export interface DueConsultReminder {
  conversationId: string;
  questionId: string;
  colleague: string;
  remindAt: string;
}

/**
 * The consult rounds of conversations: one item per question to one colleague, in the conversation's
 * partition (so forgetting the conversation removes them and exporting it includes them). Colleagues'
 * answers are stored as the conversation's internal notes (`putMessage` with direction `note`).
 */
export interface ConsultStore {
  /** Stores a question unless it is stored; a repeated `#ask` keeps the first record. */
  putConsultQuestion(question: ConsultQuestion): Promise<void>;
  /** The questions of a conversation, oldest first. */
  listConsultQuestions(conversationId: string): Promise<ConsultQuestion[]>;
  /**
   * Records an answer of the colleague to a question: the first answer's time is kept, the newest is
   * set, and the question leaves the reminder index. Idempotent; throws `ConditionFailedError` when the
   * question does not exist.
   */
  recordConsultAnswer(
    question: Pick<ConsultQuestion, 'conversationId' | 'questionId' | 'colleague'>,
    at: string,
  ): Promise<void>;
  /**
   * Marks the one reminder of a question as sent and takes it off the reminder index; false when it was
   * marked already (another sweep reminded first).
   */
  markConsultReminded(
    question: Pick<ConsultQuestion, 'conversationId' | 'questionId' | 'colleague'>,
    at: string,
  ): Promise<boolean>;
  /**
   * Takes a question off the reminder index without reminding anyone (its conversation was closed): the
   * sweep stops finding it. Nothing when the question is gone or already off the index.
   */
  dropConsultReminder(
    question: Pick<ConsultQuestion, 'conversationId' | 'questionId' | 'colleague'>,
  ): Promise<void>;
  /**
   * Questions whose reminder time lies in [`from`, `until`] and that are neither answered nor reminded:
   * read from the reminder index one day bucket at a time, never a scan. Oldest first.
   */
  listDueConsultReminders(from: string, until: string): Promise<DueConsultReminder[]>;
}
