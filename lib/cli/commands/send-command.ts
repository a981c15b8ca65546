import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { DEV_DEFAULT_CONFIG, loadConfigFile } from '../../config/load-config.js';
import { readLocalSettings } from '../../local/local-settings.js';
import * as z from '../../validation/zod-mini.js';
import { type CliIo, UsageError } from '../cli-io.js';
import { runningDevServer } from '../running-dev-server.js';

/** Options of `spoc send`. */
export interface SendOptions {
  from?: string;
  name?: string;
  to?: string;
  subject?: string;
  text?: string;
}

const emailSchema = z.email();

/**
 * One mailbox from `--from`/`--to`: a bare address or `Name <address>`, read with nodemailer's address
 * parser; anything else is a usage error naming the flag.
 */
export function parseMailbox(flag: string, value: string): { address: string; name: string } {
  const parsed = addressparser(value, { flatten: true });
  const [first] = parsed;
  if (parsed.length !== 1 || !first || !emailSchema.safeParse(first.address).success) {
    throw new UsageError(
      `${flag} must be one email address, as a@b.test or "Full Name <a@b.test>", got "${value}"`,
    );
  }
  return { address: first.address, name: first.name };
}

/**
 * `spoc send`: writes a test mail to the local SMTP entry, as a customer would: the running `spoc dev`'s
 * port on this data directory when one runs, else `SPOC_SMTP_PORT`.
 */
export async function sendCommand(io: CliIo, options: SendOptions): Promise<void> {
  const settings = readLocalSettings(io.env, io.cwd);
  const config = await loadConfigFile(settings.configPath, DEV_DEFAULT_CONFIG);
  const running = runningDevServer(settings.dataDir);
  const port = running?.smtpPort ?? settings.smtpPort;
  if (port === 0) {
    throw new UsageError(
      `no spoc dev runs on ${settings.dataDir}: start local mode first with \`npm start\``,
    );
  }
  const outboxDir = running?.outboxDir ?? settings.outboxDir;
  const sender = options.from
    ? parseMailbox('--from', options.from)
    : { address: 'jane.doe@customer.test', name: 'Jane Doe' };
  const from = sender.address;
  const to = options.to ? parseMailbox('--to', options.to).address : config.supportAddress;
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
  });
  try {
    const info = await transport.sendMail({
      from: { address: from, name: options.name ?? sender.name },
      to,
      subject: options.subject ?? 'Where is my order?',
      text: options.text ?? 'Hello, my order #1234 has not arrived yet. Can you help?',
    });
    io.out(`sent ${info.messageId} from ${from} to ${to} via 127.0.0.1:${port}`);
    io.out(`the owner's copy is in ${outboxDir}`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ESOCKET') {
      throw new UsageError(`nothing listens on 127.0.0.1:${port}: start local mode first with \`npm start\``);
    }
    throw error;
  } finally {
    transport.close();
  }
}
