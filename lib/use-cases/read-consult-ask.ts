import { awaitAll } from '../delivery/await-all.js';
import type { ConsultQuestion } from '../domain/consult-round.js';
import type { Conversation, ConversationMessage } from '../domain/types.js';
import { DEFAULT_MAX_ATTACHED_BYTES } from '../mail/consult-question.js';
import type { MailAddress, MailAttachment } from '../mail/mail-types.js';
import { parseMail } from '../mail/parse-mail.js';
import type { InboundDeps } from './inbound-deps.js';

/** What an `#ask` reads before it is decided (see `planConsultAsk`). */
export interface ConsultAskReading {
  customer: MailAddress;
  /** The conversation's stored messages, oldest first. */
  messages: ConversationMessage[];
  /** The questions asked in the conversation before. */
  earlier: ConsultQuestion[];
  /** The messages' attachments as far as they fit (`consult.attachments` = `attach`), by message id. */
  files?: ReadonlyMap<string, MailAttachment[]>;
}

/**
 * Reads what an `#ask` needs: the customer, the conversation's messages and earlier questions, and with
 * `consult.attachments` = `attach` the bytes of the customer's files, from their raw mails, newest last
 * and only as many as fit in what a question attaches. A raw mail that cannot be read leaves its files
 * listed instead.
 */
export async function readConsultAsk(
  deps: Pick<InboundDeps, 'store' | 'rawMail' | 'config'>,
  conversation: Conversation,
): Promise<ConsultAskReading> {
  const [customer, messages, earlier] = await awaitAll([
    deps.store.getCustomer(conversation.customerEmail),
    deps.store.listMessages(conversation.id),
    deps.store.listConsultQuestions(conversation.id),
  ]);
  const reading: ConsultAskReading = {
    customer: { address: conversation.customerEmail, name: customer?.name ?? '' },
    messages,
    earlier,
  };
  if (deps.config.consult.attachments !== 'attach') return reading;
  const files = new Map<string, MailAttachment[]>();
  let budget = DEFAULT_MAX_ATTACHED_BYTES;
  for (const message of messages) {
    if (message.direction === 'note' || !message.rawKey || message.attachments.length === 0) continue;
    const size = message.attachments.reduce((sum, a) => sum + a.size, 0);
    if (size > budget) continue;
    const raw = await deps.rawMail.getRaw(message.rawKey).catch(() => undefined);
    if (!raw) continue;
    const parsed = await parseMail(raw, { maxBytes: deps.config.limits.maxMessageBytes }).catch(
      () => undefined,
    );
    const attached = (parsed?.attachments ?? []).filter((a) => !a.inline);
    if (attached.length === 0) continue;
    budget -= size;
    files.set(message.id, attached);
  }
  return { ...reading, files };
}
