import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../../lib/mail/parse-mail.js';
import { ownerReply } from '../support/client-replies.js';
import { LocalHarness, type OutboxMail, TEST_CONFIG_INPUT } from '../support/local-harness.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('big mail', () => {
  describe('within what SES sends', () => {
    let harness: LocalHarness;
    beforeAll(async () => {
      harness = await LocalHarness.start();
    });
    afterAll(async () => {
      await harness.stop();
    });

    it('relays a 28 MiB attachment (a 37 MiB mail once base64-encoded) byte for byte through SMTP', async () => {
      const content = randomBytes(28 * 1024 * 1024);
      let peakRss = process.memoryUsage().rss;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }, 50);
      const started = performance.now();
      try {
        await harness.send({
          from: 'bigfile@customer.test',
          to: 'support@example.test',
          subject: 'The full backup',
          text: 'Here is the backup you asked for.',
          attachments: [{ filename: 'backup.tar', content, contentType: 'application/x-tar' }],
        });
      } finally {
        clearInterval(sampler);
      }
      const seconds = (performance.now() - started) / 1000;
      const [relay] = await harness.newOutboxMails();
      const attachment = (relay as OutboxMail).mail.attachments[0];
      expect(attachment?.filename).toBe('backup.tar');
      expect(attachment?.size).toBe(content.length);
      expect(sha256(attachment?.content ?? Buffer.alloc(0))).toBe(sha256(content));
      expect((relay as OutboxMail).raw.length).toBeLessThanOrEqual(40 * 1024 * 1024);
      // Figures for the record (no assertion on time: the machine is shared).
      console.log(
        `big mail: ${((relay as OutboxMail).raw.length / 1048576).toFixed(1)} MiB relay in ${seconds.toFixed(1)} s, test process peak RSS ${(peakRss / 1048576).toFixed(0)} MiB`,
      );
    }, 180_000);
  });

  describe('over what can be relayed', () => {
    let harness: LocalHarness;
    beforeAll(async () => {
      harness = await LocalHarness.start({
        config: { ...TEST_CONFIG_INPUT, limits: { maxMessageBytes: 1024 * 1024 } },
      });
    });
    afterAll(async () => {
      await harness.stop();
    });

    it('tells the owner what arrived and where the raw mail is; the owner can answer the customer', async () => {
      const customerId = await harness.send({
        from: { name: 'Röntgen Praxis', address: 'praxis@customer.test' },
        to: 'support@example.test',
        subject: 'Bilder vom März',
        text: 'Anbei die Aufnahmen.',
        attachments: [
          { filename: 'Röntgenbild März.dcm', content: randomBytes(1024 * 1024) },
          { filename: 'befund.pdf', content: Buffer.from('%PDF') },
        ],
      });
      const [notice] = await harness.newOutboxMails();
      const mail = (notice as OutboxMail).mail;
      expect(mail.to[0]?.address).toMatch(/^(alice|bob)@example\.test$/);
      expect(mail.subject).toBe('Bilder vom März');
      expect(mail.attachments).toEqual([]);
      expect(mail.text).toMatch(/too large to relay \(1\.\d MB; the limit is 1\.0 MB\)/);
      expect(mail.text).toContain('From: Röntgen Praxis <praxis@customer.test>');
      expect(mail.text).toContain('  - Röntgenbild März.dcm');
      expect(mail.text).toContain('  - befund.pdf');
      const path = /The complete mail as received: (\S+)/.exec(mail.text)?.[1] ?? '';
      expect(mail.text).toMatch(/Or fetch it with: spoc raw [a-z0-9]+/);
      const stored = await parseMail(await readFile(path), { maxBytes: 4 * 1024 * 1024 });
      expect(stored.messageId).toBe(customerId);
      expect(await harness.lastOutcome()).toMatchObject({ status: 'relayed-to-owner', reason: 'too-large' });

      const owner = { address: mail.to[0]?.address ?? '', name: mail.to[0]?.name ?? '' };
      await harness.send(ownerReply('gmail', mail, owner, 'Danke, ich sehe sie mir an.'));
      const [answer] = await harness.newOutboxMails();
      expect((answer as OutboxMail).mail.to[0]?.address).toBe('praxis@customer.test');
      expect((answer as OutboxMail).mail.text.trim()).toBe('Danke, ich sehe sie mir an.');
      expect((answer as OutboxMail).mail.inReplyTo).toBe(customerId);
    });

    it('records an oversized automatic mail without answering or relaying it', async () => {
      await harness.send({
        from: 'mailer-daemon@customer.test',
        to: 'support@example.test',
        subject: 'Undelivered Mail Returned to Sender',
        text: 'x'.repeat(2 * 1024 * 1024),
      });
      expect(await harness.newOutboxMails()).toEqual([]);
      expect(await harness.lastOutcome()).toMatchObject({ status: 'automatic' });
    });
  });
});
