import type { MailSender } from '../ports/mail-sender.js';
import type { RawMailStore } from '../ports/raw-mail-store.js';
import type { SupportStore } from '../ports/support-store.js';

/** The ports the delivery module works with (the relay's fit reads where the raw mail is). */
export interface DeliveryDeps {
  store: SupportStore;
  sender: MailSender;
  rawMail: Pick<RawMailStore, 'locate'>;
  now: () => Date;
}
