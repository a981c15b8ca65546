import { describe, expect, it } from 'vitest';
import { linkedMessageIds, sendAndRecord, visibleMessageId } from '../../../lib/delivery/deliver-mail.js';
import type { MailSender, SendReceipt } from '../../../lib/ports/mail-sender.js';
import type { SentMailRecord, SupportStore } from '../../../lib/ports/support-store.js';

const OURS = '<a1b2.answer@reply.example.com>';
const SES = '<0100018c-1234@email.amazonses.com>';

describe('the Message-IDs a sent mail is linked by', () => {
  it('links only the provider id when the provider rewrote ours (SES): nobody ever sees ours', () => {
    const record: SentMailRecord = { key: 'k', messageId: OURS, providerMessageId: SES, sentAt: 'now' };
    expect(linkedMessageIds(record)).toEqual([SES]);
    expect(visibleMessageId(record)).toBe(SES);
  });

  it('links our own id when the transport keeps it (the outbox, an SMTP relay)', () => {
    const record: SentMailRecord = { key: 'k', messageId: OURS, sentAt: 'now' };
    expect(linkedMessageIds(record)).toEqual([OURS]);
  });

  it.each([
    ['SES, which reports the id it put on the mail', { providerMessageId: SES }, [SES]],
    ['a transport sending our bytes unchanged', {}, [OURS]],
  ])('links what the transport reports after the send: %s', async (_, receipt: SendReceipt, expected) => {
    const linked: string[][] = [];
    const store = {
      linkMessageIds: async (ids: string[]) => {
        linked.push(ids);
      },
    } as unknown as SupportStore;
    const sender: MailSender = { send: async () => receipt };
    const result = await sendAndRecord(
      { store, sender, now: () => new Date('2026-01-01T00:00:00Z') },
      'k',
      { raw: Buffer.from(''), envelope: { from: 'a@x', to: ['b@y'] }, messageId: OURS },
      {
        record: async () => undefined,
        afterSend: (sent) => [
          { kind: 'link-message-ids', messageIds: linkedMessageIds(sent), conversationId: 'c' },
        ],
      },
    );
    expect(result.ok).toBe(true);
    expect(linked).toEqual([expected]);
  });
});
