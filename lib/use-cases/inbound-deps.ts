import type { SpocConfig } from '../config/config-schema.js';
import type { MailSender } from '../ports/mail-sender.js';
import type { RawMailStore } from '../ports/raw-mail-store.js';
import type { SupportStore } from '../ports/support-store.js';

/** Ports and settings the inbound use cases run with; built once per process and injected. */
export interface InboundDeps {
  store: SupportStore;
  rawMail: RawMailStore;
  sender: MailSender;
  config: SpocConfig;
  replyTokenSecret: string;
  now: () => Date;
}

// The notice is read from SES's event (lib/events) and handled here; it is defined beside its reader.
export type { InboundNotice } from '../events/inbound-notice.js';
