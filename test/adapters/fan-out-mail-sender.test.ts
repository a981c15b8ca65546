import { describe, expect, it } from 'vitest';
import { FanOutMailSender } from '../../lib/adapters/fan-out-mail-sender.js';
import type { MailSender, OutgoingMail, SendReceipt } from '../../lib/ports/mail-sender.js';

function recording(receipt: SendReceipt | Error): MailSender & { sent: OutgoingMail[] } {
  const sent: OutgoingMail[] = [];
  return {
    sent,
    async send(mail) {
      sent.push(mail);
      if (receipt instanceof Error) throw receipt;
      return receipt;
    },
  };
}

const mail: OutgoingMail = {
  raw: Buffer.from('Subject: x\r\n\r\nbody\r\n'),
  envelope: { from: 'b@example.test', to: ['c@customer.test'] },
  messageId: '<m@example.test>',
};

describe('FanOutMailSender', () => {
  it('sends to every sender and returns the first provider id in sender order', async () => {
    const outbox = recording({});
    const first = recording({ providerMessageId: '<one@provider>' });
    const second = recording({ providerMessageId: '<two@provider>' });
    expect(await new FanOutMailSender([outbox, first, second]).send(mail)).toEqual({
      providerMessageId: '<one@provider>',
    });
    for (const sender of [outbox, first, second]) expect(sender.sent).toEqual([mail]);
  });

  it('returns an empty receipt when no sender rewrites the Message-ID', async () => {
    expect(await new FanOutMailSender([recording({}), recording({})]).send(mail)).toEqual({});
  });

  it('still tries every sender when one fails, then fails with its error', async () => {
    const failure = new Error('relay down');
    const outbox = recording({});
    await expect(new FanOutMailSender([recording(failure), outbox]).send(mail)).rejects.toBe(failure);
    expect(outbox.sent).toEqual([mail]);
  });

  it('reports several failures together', async () => {
    const error = await new FanOutMailSender([recording(new Error('a')), recording(new Error('b'))])
      .send(mail)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['a', 'b']);
  });

  it('needs at least one sender', () => {
    expect(() => new FanOutMailSender([])).toThrow();
  });
});
