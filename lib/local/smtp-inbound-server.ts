import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { ReceiptVerdicts } from '../domain/route-inbound.js';

/** A mail accepted over SMTP, with its envelope. */
export interface AcceptedMail {
  raw: Buffer;
  envelopeFrom: string;
  recipients: string[];
  remoteAddress: string;
  /** Verdicts the mail named for itself (`SPOC_LOCAL_VERDICTS=header`); the rest as local mode sets them. */
  verdicts?: Partial<ReceiptVerdicts>;
}

/**
 * Most recipients one transaction may name, SES's own cap on a message's recipients. Each accepted
 * recipient is a mail routed and maybe relayed, so a client naming 1,000 of them would multiply one
 * message a thousandfold; past the cap RCPT TO answers 452 and the client sends the rest in another
 * transaction (RFC 5321 §4.5.3.1.10).
 */
export const MAX_RECIPIENTS_PER_MAIL = 50;

/** Options of {@link startSmtpInbound}. */
export interface SmtpInboundOptions {
  host: string;
  port: number;
  /** Largest mail accepted (advertised with SIZE); larger ones get 552. */
  maxBytes: number;
  /** Most RCPT TO addresses one transaction may name; default {@link MAX_RECIPIENTS_PER_MAIL}. */
  maxRecipients?: number;
  /** Which RCPT TO addresses this server receives for, like an SES receipt rule's recipients. */
  acceptsRecipient: (address: string) => boolean;
  /** Stores and processes the mail; a rejection becomes a temporary SMTP failure so the client retries. */
  onMail: (mail: AcceptedMail) => Promise<void>;
  onError?: (error: unknown) => void;
}

/** A running SMTP entry. */
export interface SmtpInbound {
  port: number;
  close(): Promise<void>;
}

function readStream(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', reject);
    stream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

function smtpError(message: string, responseCode: number): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}

/** Starts the local SMTP entry (no TLS, no AUTH: it listens on loopback only). */
export async function startSmtpInbound(options: SmtpInboundOptions): Promise<SmtpInbound> {
  const server = new SMTPServer({
    banner: 'spoc-inbox local inbound',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: options.maxBytes,
    logger: false,
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= (options.maxRecipients ?? MAX_RECIPIENTS_PER_MAIL)) {
        callback(smtpError('4.5.3 too many recipients', 452));
        return;
      }
      if (options.acceptsRecipient(address.address)) return callback();
      callback(smtpError(`5.1.1 <${address.address}>: no such recipient here`, 550));
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      readStream(stream)
        .then(async (raw) => {
          if (stream.sizeExceeded) {
            callback(smtpError(`5.3.4 message exceeds the ${options.maxBytes} byte limit`, 552));
            return;
          }
          const mailFrom = session.envelope.mailFrom;
          await options.onMail({
            raw,
            envelopeFrom: mailFrom ? mailFrom.address : '',
            recipients: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            remoteAddress: session.remoteAddress,
          });
          callback();
        })
        .catch((error: unknown) => {
          options.onError?.(error);
          callback(smtpError('4.3.0 temporary failure storing the message, try again', 451));
        });
    },
  });
  server.on('error', (error) => options.onError?.(error));
  await new Promise<void>((resolve, reject) => {
    const onListenError = (error: Error) => reject(error);
    server.server.once('error', onListenError);
    server.listen(options.port, options.host, () => {
      server.server.off('error', onListenError);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
