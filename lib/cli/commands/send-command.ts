import nodemailer from 'nodemailer';
import { DEV_DEFAULT_CONFIG, loadConfigFile } from '../../config/load-config.js';
import { readLocalSettings } from '../../local/local-settings.js';
import { type CliIo, UsageError } from '../cli-io.js';

/** Options of `spoc send`. */
export interface SendOptions {
  from?: string;
  name?: string;
  to?: string;
  subject?: string;
  text?: string;
}

/** `spoc send`: writes a test mail to the local SMTP entry, as a customer would. */
export async function sendCommand(io: CliIo, options: SendOptions): Promise<void> {
  const settings = readLocalSettings(io.env, io.cwd);
  const config = await loadConfigFile(settings.configPath, DEV_DEFAULT_CONFIG);
  const from = options.from ?? 'jane.doe@customer.test';
  if (!from.includes('@')) throw new UsageError(`--from must be an email address, got "${from}"`);
  const to = options.to ?? config.supportAddress;
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: settings.smtpPort,
    secure: false,
    ignoreTLS: true,
  });
  try {
    const info = await transport.sendMail({
      from: { address: from, name: options.name ?? (options.from ? '' : 'Jane Doe') },
      to,
      subject: options.subject ?? 'Where is my order?',
      text: options.text ?? 'Hello, my order #1234 has not arrived yet. Can you help?',
    });
    io.out(`sent ${info.messageId} from ${from} to ${to} via 127.0.0.1:${settings.smtpPort}`);
    io.out(`the owner's copy is in ${settings.outboxDir}`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ESOCKET') {
      throw new UsageError(
        `nothing listens on 127.0.0.1:${settings.smtpPort}: start local mode first with \`npm start\``,
      );
    }
    throw error;
  } finally {
    transport.close();
  }
}
