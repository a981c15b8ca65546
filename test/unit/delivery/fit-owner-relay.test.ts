import { describe, expect, it } from 'vitest';
import { fitOwnerRelay } from '../../../lib/delivery/fit-owner-relay.js';
import { parseMail } from '../../../lib/mail/parse-mail.js';
import type { RawMailStore } from '../../../lib/ports/raw-mail-store.js';

const rawMail = { locate: async (key: string) => ({ location: `/data/${key}` }) } as RawMailStore;

const relay = {
  from: { address: 'reply+x@reply.example.test', name: 'Jane via Support' },
  to: [{ address: 'alice@example.test', name: 'Alice' }],
  subject: 'Photos',
  text: 'See attached.',
  html: '<p>See attached.</p><img src="cid:a@b">',
  messageId: '<m@reply.example.test>',
  attachments: [
    { filename: 'photo.jpg', contentType: 'image/jpeg', content: Buffer.alloc(300 * 1024, 1), inline: false },
  ],
};

describe('fitOwnerRelay', () => {
  it('composes the relay as it is when it fits', async () => {
    const mail = await parseMail(await fitOwnerRelay({ rawMail }, relay, 'inbound/1', 1024 * 1024));
    expect(mail.attachments.map((a) => a.filename)).toEqual(['photo.jpg']);
  });

  it('leaves the attachments out, naming them and the raw mail, when the composed mail is too big', async () => {
    const raw = await fitOwnerRelay({ rawMail }, relay, 'inbound/1', 200 * 1024);
    expect(raw.length).toBeLessThan(200 * 1024);
    const mail = await parseMail(raw);
    expect(mail.attachments).toEqual([]);
    expect(mail.html).toBeUndefined();
    expect(mail.text).toContain('  - photo.jpg (image/jpeg, 300 KB)');
    expect(mail.text).toContain('The complete mail as received: /data/inbound/1');
    expect(mail.text).toContain('Or fetch it with: spoc raw 1');
    expect(mail.text).toContain('See attached.');
    expect(mail.messageId).toBe('<m@reply.example.test>');
  });
});
