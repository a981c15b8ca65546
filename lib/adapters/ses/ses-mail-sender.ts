import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PermanentFailureError, SendNotTakenError } from '../../domain/errors.js';
import type { MailSender, OutgoingMail, SendReceipt } from '../../ports/mail-sender.js';

/**
 * SES refused the message for a reason a retry cannot fix (rejected content, unverified MAIL FROM
 * domain, malformed request). `providerCode` is the SES error name.
 */
export class MailSendRejectedError extends PermanentFailureError {
  override readonly name = 'MailSendRejectedError';
  readonly providerCode: string;
  constructor(providerCode: string, message: string, options?: { cause?: unknown }) {
    super('send-rejected', message, options);
    this.providerCode = providerCode;
  }
}

/**
 * SES refused the message because the account is sending faster than its rate allows. Transient: the
 * same message goes through a few seconds later, so the inbound handler returns it to the queue with a
 * short delay instead of waiting out the visibility timeout.
 */
export class SendThrottledError extends SendNotTakenError {
  override readonly name = 'SendThrottledError';
  readonly providerCode: string;
  constructor(providerCode: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.providerCode = providerCode;
  }
}

/** SES error names for a send over the rate limit (v2 answers TooManyRequests, v1 Throttling). */
const THROTTLING_SES_ERRORS = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'MaxSendingRateExceeded',
]);

/** Whether an SES error is a send-rate refusal: by name, or by SES's "Maximum sending rate exceeded". */
export function isSendThrottling(error: Error): boolean {
  return THROTTLING_SES_ERRORS.has(error.name) || /^Maximum sending rate exceeded/i.test(error.message);
}

/**
 * SES v2 errors that repeat on every retry. Throttling is classified apart; quota, paused sending,
 * suspended accounts and 5xx are left to propagate: the queue retries them or parks them in the DLQ for a replay after a fix.
 */
const PERMANENT_SES_ERRORS = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'BadRequestException',
]);

/** Constructor options of {@link SesMailSender}. */
export interface SesMailSenderOptions {
  /** An SES v2 client created once by the caller. */
  client: SESv2Client;
  /** Region the client sends from, used for the Message-ID host; default: read from the client. */
  region?: string;
  /** Configuration set carrying bounce and complaint events. */
  configurationSetName?: string;
  /**
   * Host part of the Message-ID SES puts on sent mail. Default: derived from the client's region
   * (`email.amazonses.com` in us-east-1, `<region>.amazonses.com` elsewhere).
   */
  messageIdHost?: string;
}

/** The host SES uses in the Message-ID of mail sent from `region`. */
export function sesMessageIdHost(region: string): string {
  return region === 'us-east-1' ? 'email.amazonses.com' : `${region}.amazonses.com`;
}

/**
 * {@link MailSender} over SES v2 `SendEmail` with raw content (up to 40 MB; v1 `SendRawEmail` stops at
 * 10 MB). SES replaces our Message-ID, so the receipt carries the one recipients will see.
 */
export class SesMailSender implements MailSender {
  private readonly client: SESv2Client;
  private readonly configurationSetName: string | undefined;
  private messageIdHost: string | undefined;

  constructor(options: SesMailSenderOptions) {
    this.client = options.client;
    this.configurationSetName = options.configurationSetName;
    this.messageIdHost =
      options.messageIdHost ?? (options.region === undefined ? undefined : sesMessageIdHost(options.region));
  }

  async send(mail: OutgoingMail): Promise<SendReceipt> {
    let result: { MessageId?: string };
    try {
      result = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: mail.envelope.from,
          Destination: { ToAddresses: mail.envelope.to },
          Content: { Raw: { Data: mail.raw } },
          ConfigurationSetName: this.configurationSetName,
        }),
      );
    } catch (error) {
      if (error instanceof Error && PERMANENT_SES_ERRORS.has(error.name)) {
        throw new MailSendRejectedError(error.name, `SES rejected ${mail.messageId}: ${error.message}`, {
          cause: error,
        });
      }
      if (error instanceof Error && isSendThrottling(error)) {
        throw new SendThrottledError(error.name, `SES throttled ${mail.messageId}: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
    if (!result.MessageId) return {};
    return { providerMessageId: `<${result.MessageId}@${await this.host()}>` };
  }

  private async host(): Promise<string> {
    this.messageIdHost ??= sesMessageIdHost(await this.client.config.region());
    return this.messageIdHost;
  }
}
