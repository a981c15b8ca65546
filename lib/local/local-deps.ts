import { DynamoDbSupportStore } from '../adapters/dynamodb/dynamodb-support-store.js';
import { FanOutMailSender } from '../adapters/fan-out-mail-sender.js';
import { OutboxMailSender } from '../adapters/outbox/outbox-mail-sender.js';
import { S3RawMailStore } from '../adapters/s3/s3-raw-mail-store.js';
import { SmtpRelayMailSender } from '../adapters/smtp/smtp-relay-mail-sender.js';
import type { SpocConfig } from '../config/config-schema.js';
import type { MailSender } from '../ports/mail-sender.js';
import type { InboundDeps } from '../use-cases/inbound-deps.js';
import type { LocalClients } from './embedded-engines.js';
import { LocalRawMailStore } from './local-raw-mail-store.js';

/** Where local mode sends mail: always the outbox directory, and an SMTP relay when one is set. */
export function createLocalSender(outboxDir: string, smtpRelay?: string): MailSender {
  const outbox = new OutboxMailSender({ directory: outboxDir, oncePerMessageId: true });
  return smtpRelay ? new FanOutMailSender([outbox, new SmtpRelayMailSender({ url: smtpRelay })]) : outbox;
}

/** The inbound dependencies of local mode: the real adapters against the embedded engines. */
export function createLocalDeps(input: {
  clients: LocalClients;
  tableName: string;
  bucket: string;
  config: SpocConfig;
  replyTokenSecret: string;
  sender: MailSender;
  now?: () => Date;
  /** Where the embedded S3 engine keeps its files; `locate` then gives file paths. */
  rawMailDirectory?: string;
}): InboundDeps {
  return {
    store: new DynamoDbSupportStore({ client: input.clients.doc, tableName: input.tableName }),
    rawMail: input.rawMailDirectory
      ? new LocalRawMailStore({
          client: input.clients.s3,
          bucket: input.bucket,
          directory: input.rawMailDirectory,
        })
      : new S3RawMailStore({ client: input.clients.s3, bucket: input.bucket }),
    sender: input.sender,
    config: input.config,
    replyTokenSecret: input.replyTokenSecret,
    now: input.now ?? (() => new Date()),
  };
}
