import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { PermanentFailureError } from '../../domain/errors.js';
import type { MailSender, OutgoingMail, SendReceipt } from '../../ports/mail-sender.js';

/** Constructor options of {@link SmtpRelayMailSender}. */
export interface SmtpRelayMailSenderOptions {
  /** `smtp://[user:pass@]host:port` (STARTTLS when offered) or `smtps://…` (TLS from the start). */
  url: string;
  /**
   * Verify the relay's TLS certificate; default true. Local catchers (Mailpit, smtp4dev) often offer
   * STARTTLS with a self-signed certificate.
   */
  rejectUnauthorized?: boolean;
}

/**
 * {@link MailSender} relaying the raw bytes unchanged through an SMTP server, with the envelope given
 * explicitly (never derived from the headers, so Bcc-style recipients work). The relay keeps our
 * Message-ID, so the receipt has no provider id.
 */
export class SmtpRelayMailSender implements MailSender {
  private readonly transporter: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(options: SmtpRelayMailSenderOptions) {
    this.transporter = nodemailer.createTransport(transportOptions(options));
  }

  /**
   * Throws the transport error when the relay refuses the whole mail, and a `PermanentFailureError`
   * (`recipients-rejected`) when it accepts it for some recipients only: nodemailer reports that as a
   * success, and a retry would deliver twice to the accepted ones.
   */
  async send(mail: OutgoingMail): Promise<SendReceipt> {
    const info = await this.transporter.sendMail({
      envelope: { from: mail.envelope.from, to: mail.envelope.to },
      raw: mail.raw,
    });
    const rejected = (info.rejected ?? []).map((address: string | { address: string }) =>
      typeof address === 'string' ? address : address.address,
    );
    if (rejected.length > 0) {
      throw new PermanentFailureError(
        'recipients-rejected',
        `SMTP relay refused ${rejected.join(', ')} for ${mail.messageId}`,
        { cause: info.rejectedErrors?.[0] },
      );
    }
    return {};
  }

  /** Closes pooled connections, if any. */
  close(): void {
    this.transporter.close();
  }
}

function transportOptions(options: SmtpRelayMailSenderOptions): SMTPTransport.Options {
  const url = new URL(options.url);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`SMTP relay URL must start with smtp:// or smtps://, got ${options.url}`);
  }
  const secure = url.protocol === 'smtps:';
  const transport: SMTPTransport.Options = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 25,
    secure,
    tls: { rejectUnauthorized: options.rejectUnauthorized ?? true },
  };
  if (url.username) {
    transport.auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  }
  return transport;
}
