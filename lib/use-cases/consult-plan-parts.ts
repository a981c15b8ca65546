import type { ConsultQuestion } from '../domain/consult-round.js';
import type { ConversationMessage } from '../domain/types.js';
import type { ComposeInput } from '../mail/mail-types.js';

/** A question as the store addresses it. */
export type ConsultQuestionRef = Pick<ConsultQuestion, 'conversationId' | 'questionId' | 'colleague'>;

/** The idempotent writes of consult rounds, carried out by the delivery module like its other writes. */
export type ConsultWrite =
  | { kind: 'put-consult-question'; question: ConsultQuestion }
  | { kind: 'record-consult-answer'; question: ConsultQuestionRef; at: string }
  | { kind: 'mark-consult-reminded'; question: ConsultQuestionRef; at: string }
  | { kind: 'put-message'; message: ConversationMessage }
  | {
      kind: 'append-to-thread';
      conversationId: string;
      thread: 'customerThread' | 'ownerThread';
      messageIds: string[];
      at: string;
    };

/** One mail of a consult decision, sent at most once under `key`. */
export interface ConsultMail {
  key: string;
  mail: { compose: ComposeInput; envelope: { from: string; to: string[] }; messageId: string };
}
