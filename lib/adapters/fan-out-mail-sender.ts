import type { MailSender, OutgoingMail, SendReceipt } from '../ports/mail-sender.js';

/**
 * Sends every mail through several senders at once (locally: the outbox and an SMTP relay). The receipt
 * carries the first provider Message-ID, in sender order. If any sender fails, the send fails after all
 * have finished, with that error (or an `AggregateError` of all of them).
 */
export class FanOutMailSender implements MailSender {
  private readonly senders: readonly MailSender[];

  constructor(senders: readonly MailSender[]) {
    if (senders.length === 0) throw new Error('FanOutMailSender needs at least one sender');
    this.senders = senders;
  }

  async send(mail: OutgoingMail): Promise<SendReceipt> {
    const results = await Promise.allSettled(this.senders.map((sender) => sender.send(mail)));
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} senders failed`);
    for (const result of results) {
      if (result.status === 'fulfilled' && result.value.providerMessageId !== undefined) {
        return { providerMessageId: result.value.providerMessageId };
      }
    }
    return {};
  }
}
