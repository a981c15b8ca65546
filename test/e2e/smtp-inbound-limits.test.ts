import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AcceptedMail,
  type SmtpInbound,
  startSmtpInbound,
} from '../../lib/local/smtp-inbound-server.js';

describe('local SMTP entry: recipients per transaction', () => {
  const accepted: AcceptedMail[] = [];
  let smtp: SmtpInbound;
  beforeAll(async () => {
    smtp = await startSmtpInbound({
      host: '127.0.0.1',
      port: 0,
      maxBytes: 1024 * 1024,
      acceptsRecipient: () => true,
      onMail: async (mail) => {
        accepted.push(mail);
      },
    });
  });
  afterAll(async () => {
    await smtp.close();
  });

  it('answers 452 too many recipients past 50 RCPT TO (SES caps a message at 50); the first 50 get the mail once', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false });
    const to = Array.from({ length: 1000 }, (_, n) => `reply+${n}@reply.example.test`);
    const info = await transport.sendMail({
      envelope: { from: 'jane@customer.test', to },
      raw: 'From: jane@customer.test\r\nTo: support@example.test\r\nSubject: many\r\n\r\nHello\r\n',
    });
    transport.close();
    expect(info.accepted).toHaveLength(50);
    expect(info.rejected).toHaveLength(950);
    const errors = (info as unknown as { rejectedErrors: Array<{ responseCode: number; response: string }> })
      .rejectedErrors;
    expect(errors[0]?.responseCode).toBe(452);
    expect(errors[0]?.response).toMatch(/too many recipients/i);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]?.recipients).toEqual(to.slice(0, 50));
  });
});
