import type { MailDelivery, StoreWrite } from '../delivery/delivery-plan.js';

export type { ConsultQuestionRef } from '../delivery/delivery-plan.js';

/** The writes consult decisions make: their own items, the answer as a note, the owner's thread entry. */
export type ConsultWrite = Extract<
  StoreWrite,
  {
    kind:
      | 'put-consult-question'
      | 'record-consult-answer'
      | 'mark-consult-reminded'
      | 'drop-consult-reminder'
      | 'put-message'
      | 'append-to-thread';
  }
>;

/** One mail of a consult decision, sent at most once under its key by the delivery module. */
export type ConsultMail = MailDelivery;
