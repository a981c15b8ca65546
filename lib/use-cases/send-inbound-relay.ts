import type { InboundOutcome } from '../domain/types.js';
import type { OutgoingMail } from '../ports/mail-sender.js';
import type { InboundRecord, SentMailRecord } from '../ports/support-store.js';
import type { InboundAttempt } from './inbound-attempt.js';
import type { InboundDeps } from './inbound-deps.js';
import { sendOnce } from './send-once.js';

/** What {@link sendInboundRelay} needs beside the mail. */
export interface InboundRelayInput {
  inboundId: string;
  /** The attempt whose claim holds the lease, and the record that claim returned. */
  attempt: InboundAttempt;
  record: InboundRecord;
  /** The writes that store the message, already under way. */
  stored: Promise<unknown>;
  /** The message's outcome once its relay went out as `sent`. */
  outcomeOf: (sent: SentMailRecord) => InboundOutcome;
  /** Whether the outcome is written with the relay's record (false when more follows the relay). */
  endsHere: boolean;
  /** Idempotent writes that need the sent mail's ids (thread entries, links). */
  afterSend: (sent: SentMailRecord) => Promise<unknown>;
}

/**
 * Sends an inbound message's one relay while the writes that store the message finish. The claim's lease
 * guards it, and its record goes on the inbound record: with the outcome when the relay ends the
 * message and the message is stored, else alone (the outcome then comes later, or from the retry). A
 * failed store is thrown only after the send settled, so the record keeps the retry from resending.
 *
 * If the thread writes fail, the outcome written beside them is taken back so the retry makes them;
 * only a process that dies between those two writes leaves the outcome without its thread entries (the
 * mail is stored and relayed once either way).
 */
export async function sendInboundRelay(
  deps: Pick<InboundDeps, 'store' | 'sender' | 'now'>,
  key: string,
  mail: OutgoingMail,
  input: InboundRelayInput,
): Promise<{ sent: SentMailRecord; recorded: boolean }> {
  const { inboundId, attempt, record, stored } = input;
  stored.catch(() => undefined);
  let recorded = false;
  const [sending] = await Promise.allSettled([
    sendOnce(deps, key, mail, {
      inboundRelay: {
        ...(record.relay ? { existing: record.relay } : {}),
        onSending: () => {
          attempt.relayUnrecorded = true;
        },
        onRecorded: () => {
          attempt.relayUnrecorded = false;
        },
        record: async (sent) => {
          const storedOk = await stored.then(
            () => true,
            () => false,
          );
          if (!input.endsHere || !storedOk) return deps.store.recordRelay(inboundId, sent);
          await deps.store.recordOutcome(inboundId, input.outcomeOf(sent), sent);
          recorded = true;
        },
        afterSendFailed: () => deps.store.reopenInbound(inboundId),
      },
      afterSend: input.afterSend,
    }),
    stored,
  ]);
  if (sending.status === 'rejected') throw sending.reason;
  await stored;
  return { sent: sending.value, recorded };
}
