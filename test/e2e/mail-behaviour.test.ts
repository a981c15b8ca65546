import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statsCommand } from '../../lib/cli/commands/stats-command.js';
import { CONTEXT_MARKERS } from '../../lib/mail/context-block.js';
import type { ParsedMail } from '../../lib/mail/mail-types.js';
import { ownerReply } from '../support/client-replies.js';
import { corpusAvailable, corpusFile } from '../support/corpus.js';
import { LocalHarness, type OutboxMail, TEST_CONFIG_INPUT } from '../support/local-harness.js';

const OWNERS: Record<string, { address: string; name: string }> = {
  'alice@example.test': { address: 'alice@example.test', name: 'Alice Smith' },
  'bob@example.test': { address: 'bob@example.test', name: 'Bob Jones' },
};

function ownerOf(relay: ParsedMail) {
  const owner = OWNERS[relay.to[0]?.address ?? ''];
  if (!owner) throw new Error(`relay went to ${relay.to[0]?.address}, not an owner`);
  return owner;
}

function only(mails: OutboxMail[], predicate: (m: ParsedMail) => boolean): OutboxMail {
  const found = mails.filter((m) => predicate(m.mail));
  expect(found).toHaveLength(1);
  return found[0] as OutboxMail;
}

const toOwner = (m: ParsedMail) => m.headers.has('x-spoc-conversation');

/** Nothing internal may reach anyone outside: checked on the raw bytes. */
function expectNothingInternal(delivered: OutboxMail, ownerAddress: string) {
  const raw = delivered.raw.toString('utf8').toLowerCase();
  expect(raw).not.toContain(ownerAddress);
  expect(raw).not.toContain('reply+');
  expect(raw).not.toContain('reply.example.test');
  expect(raw).not.toContain(CONTEXT_MARKERS.start.toLowerCase());
  expect(raw).not.toContain('support context');
  expect(raw).not.toContain('data-spoc-context');
}

describe('mail behaves like the mail clients people use (local mode over SMTP)', () => {
  let harness: LocalHarness;

  beforeAll(async () => {
    harness = await LocalHarness.start({ config: { ...TEST_CONFIG_INPUT, firstContact: { enabled: true } } });
  });
  afterAll(async () => {
    await harness.stop();
  });

  describe('threads, first contact and reply-all in one conversation', () => {
    let firstRelay: ParsedMail;
    let greeting: ParsedMail;
    let owner: { address: string; name: string };
    let answer: ParsedMail;

    it('greets a new customer once, from the owner, threaded to their first mail; nobody on Cc is greeted', async () => {
      const customerId = await harness.send({
        from: { name: 'Jane Doe', address: 'jane@customer.test' },
        to: 'support@example.test',
        cc: [
          { name: 'Carol Finance', address: 'carol@customer.test' },
          'alice@example.test',
          'support@example.test',
        ],
        subject: 'Invoice 7 is wrong',
        text: 'The amount on invoice 7 is twice what we agreed.',
      });
      const sent = await harness.newOutboxMails();
      expect(sent).toHaveLength(2);
      firstRelay = only(sent, toOwner).mail;
      owner = ownerOf(firstRelay);
      greeting = only(sent, (m) => !toOwner(m)).mail;
      expect(greeting.to.map((a) => a.address)).toEqual(['jane@customer.test']);
      expect(greeting.cc).toEqual([]);
      expect(greeting.from).toEqual({ address: 'support@example.test', name: owner.name });
      expect(greeting.subject).toBe('Re: Invoice 7 is wrong');
      expect(greeting.inReplyTo).toBe(customerId);
      expect(greeting.headers.get('auto-submitted')).toEqual(['auto-replied']);
      expect(greeting.text).toContain(`I am ${owner.name}`);
      expect(greeting.text).toContain('single point of contact');
      expectNothingInternal(
        only(sent, (m) => !toOwner(m)),
        owner.address,
      );
      // The owner sees who else is on the conversation.
      expect(firstRelay.text).toContain('Cc on your answers: carol@customer.test');
      expect(firstRelay.subject).toBe('Invoice 7 is wrong');
      expect(firstRelay.headers.get('thread-topic')).toEqual(['Invoice 7 is wrong']);
      expect(Buffer.from(firstRelay.headers.get('thread-index')?.[0] ?? '', 'base64')).toHaveLength(22);
    });

    it("sends the owner's answer to the customer with the Cc'd person on Cc, threaded after the greeting", async () => {
      await harness.send(
        ownerReply('gmail', firstRelay, owner, 'You are right, a corrected invoice follows.'),
      );
      const [delivered, ...rest] = await harness.newOutboxMails();
      expect(rest).toHaveLength(0);
      answer = (delivered as OutboxMail).mail;
      expect(answer.to.map((a) => a.address)).toEqual(['jane@customer.test']);
      expect(answer.cc.map((a) => a.address)).toEqual(['carol@customer.test']);
      expect(answer.inReplyTo).toBe(greeting.messageId);
      expect(answer.text.trim()).toBe('You are right, a corrected invoice follows.');
      expectNothingInternal(delivered as OutboxMail, owner.address);
      expect(await harness.lastOutcome()).toMatchObject({ status: 'relayed-to-customer' });
    });

    let carolRelay: ParsedMail;

    it("relays a reply-all from the Cc'd person to the customer's owner, in the same conversation and owner thread", async () => {
      await harness.send({
        from: { name: 'Carol Finance', address: 'carol@customer.test' },
        to: 'support@example.test',
        cc: 'jane@customer.test',
        subject: 'Re: Invoice 7 is wrong',
        text: 'Please send it to me directly as well.\n\n> You are right, a corrected invoice follows.',
        inReplyTo: answer.messageId,
        references: [answer.messageId ?? ''],
      });
      const sent = await harness.newOutboxMails();
      // One relay, and no greeting: Carol is not a new customer.
      expect(sent).toHaveLength(1);
      carolRelay = (sent[0] as OutboxMail).mail;
      expect(carolRelay.to[0]?.address).toBe(owner.address);
      expect(carolRelay.from?.name).toBe('Carol Finance via Support');
      expect(carolRelay.headers.get('x-spoc-conversation')).toEqual(
        firstRelay.headers.get('x-spoc-conversation'),
      );
      expect(carolRelay.text).toContain('Written by Carol Finance <carol@customer.test>');
      expect(await harness.server.deps.store.getCustomer('carol@customer.test')).toBeUndefined();
      expect(await harness.lastOutcome()).toMatchObject({
        status: 'relayed-to-owner',
        customerEmail: 'jane@customer.test',
        ownerEmail: owner.address,
      });
    });

    it("threads every relay of the conversation in the owner's client: same subject, chained ids, Outlook index", async () => {
      // The customer follows up with a new subject line; the owner still sees one thread.
      await harness.send({
        from: { name: 'Jane Doe', address: 'jane@customer.test' },
        to: 'support@example.test',
        subject: 'Re: Invoice 7 is wrong (urgent)',
        text: 'Any news?',
        inReplyTo: answer.messageId,
      });
      const [third] = await harness.newOutboxMails();
      const relay = (third as OutboxMail).mail;
      for (const mail of [carolRelay, relay]) {
        expect(mail.subject).toBe('Invoice 7 is wrong');
        expect(mail.headers.get('thread-topic')).toEqual(['Invoice 7 is wrong']);
      }
      // Carol's relay answers the owner's own reply; the next one answers Carol's relay.
      expect(carolRelay.references[0]).toBe(firstRelay.messageId);
      expect(carolRelay.references).toHaveLength(2);
      expect(relay.inReplyTo).toBe(carolRelay.messageId);
      expect(relay.references).toEqual([...carolRelay.references, carolRelay.messageId]);
      const indexes = [firstRelay, carolRelay, relay].map((m) =>
        Buffer.from(m.headers.get('thread-index')?.[0] ?? '', 'base64'),
      );
      expect(indexes.map((b) => b.length)).toEqual([22, 32, 37]);
      for (const index of indexes) expect(index.subarray(0, 22)).toEqual(indexes[0]);
    });

    it('never greets twice, nor an automatic sender', async () => {
      await harness.send({
        from: 'jane@customer.test',
        to: 'support@example.test',
        subject: 'Another question',
        text: 'A new topic.',
      });
      await harness.send({
        from: 'robot@shop.test',
        to: 'support@example.test',
        subject: 'Your weekly report',
        text: 'Numbers.',
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
      const sent = await harness.newOutboxMails();
      expect(sent.map((m) => m.mail.to[0]?.address)).toEqual([owner.address]);
    });
  });

  describe('HTML both ways', () => {
    let relay: ParsedMail;
    let owner: { address: string; name: string };

    it('relays an HTML-only customer mail with its text readable for the owner', async () => {
      await harness.send({
        from: { name: 'Hugo HTML', address: 'hugo@customer.test' },
        to: 'support@example.test',
        subject: 'Broken <b>checkout</b>',
        html: '<html><body><p>The <b>checkout</b> button does nothing.</p><ul><li>Chrome 131</li></ul></body></html>',
      });
      const sent = await harness.newOutboxMails();
      relay = only(sent, toOwner).mail;
      owner = ownerOf(relay);
      expect(relay.text).toContain('The checkout button does nothing.');
      expect(relay.text).toContain('Chrome 131');
      expect(relay.html).toContain('<b>checkout</b>');
    });

    it("keeps the owner's HTML formatting and inline image, without the quoted relay or its context block", async () => {
      const answerHtml =
        '<div dir="ltr">Fixed, <b>please retry</b>.<br><img src="cid:shot@alice"></div>' +
        `<br><div class="gmail_quote"><div class="gmail_attr">On Mon, ${relay.from?.name} &lt;${relay.from?.address}&gt; wrote:</div>` +
        `<blockquote class="gmail_quote">${relay.html}</blockquote></div>`;
      const reply = ownerReply('gmail', relay, owner, 'Fixed, please retry.', {
        html: answerHtml,
        attachments: [
          {
            filename: 'screenshot.png',
            content: Buffer.from('not really a png'),
            contentType: 'image/png',
            cid: 'shot@alice',
            contentDisposition: 'inline',
          },
          { filename: 'signature-logo.png', content: Buffer.from('logo'), cid: 'logo@alice' },
        ],
      });
      await harness.send(reply);
      const [delivered] = await harness.newOutboxMails();
      const mail = (delivered as OutboxMail).mail;
      expect(mail.text.trim()).toBe('Fixed, please retry.');
      expect(mail.html).toContain('<b>please retry</b>');
      expect(mail.html).toContain('cid:shot@alice');
      expect(mail.html).not.toContain('checkout button');
      // The referenced inline image goes along; the unreferenced one does not.
      expect(mail.attachments.map((a) => a.filename)).toEqual(['screenshot.png']);
      expectNothingInternal(delivered as OutboxMail, owner.address);
    });

    it.runIf(corpusAvailable())(
      'falls back to text when a real client’s HTML quote cannot be removed with certainty (corpus: replies-talon)',
      async () => {
        await harness.send({
          from: 'sasha@customer.test',
          to: 'support@example.test',
          subject: 'Greetings from Sasha',
          text: 'Hello! How are you? Thanks, Sasha.',
        });
        const relayToOwner = only(await harness.newOutboxMails(), toOwner).mail;
        const sashaOwner = ownerOf(relayToOwner);
        for (const [file, keepsHtml] of [
          ['replies-talon/html_replies/gmail.html', true],
          ['replies-talon/html_replies/ms_outlook_2007.html', false],
        ] as const) {
          await harness.send(
            ownerReply('outlook', relayToOwner, sashaOwner, 'Hi. I am fine.\n\nThanks,\nAlex', {
              html: corpusFile(file).toString('utf8'),
            }),
          );
          const [delivered] = await harness.newOutboxMails();
          const mail = (delivered as OutboxMail).mail;
          expect(mail.text.replace(/\s+/g, ' ').trim()).toBe('Hi. I am fine. Thanks, Alex');
          if (keepsHtml) expect(mail.html?.replace(/<[^>]+>|\s+/g, '')).toBe('Hi.Iamfine.Thanks,Alex');
          else expect(mail.html).toBeUndefined();
          expect((delivered as OutboxMail).raw.toString('utf8')).not.toContain('How are you');
        }
      },
    );
  });

  describe('names, subjects and file names in any script, both ways', () => {
    it('round-trips them unchanged, RFC 2047/2231-encoded on the wire', async () => {
      const subject = 'Заказ № 42 — 配送について 🚚 (Ünïcödé)';
      const files = [
        'счёт-фактура №7 за ноябрь 2026 года.pdf',
        '見積書（改訂版）.xlsx',
        'Überweisung März.txt',
      ];
      await harness.send({
        from: { name: '山田 太郎', address: 'taro@customer.test' },
        to: 'support@example.test',
        subject,
        text: 'Здравствуйте! 荷物が届きません。',
        attachments: files.map((filename, i) => ({ filename, content: Buffer.from(`file ${i} ✓`) })),
      });
      const sent = await harness.newOutboxMails();
      const relayMail = only(sent, toOwner);
      const relay = relayMail.mail;
      expect(relay.from?.name).toBe('山田 太郎 via Support');
      expect(relay.subject).toBe(subject);
      expect(relay.text).toContain('Здравствуйте! 荷物が届きません。');
      expect(relay.attachments.map((a) => a.filename)).toEqual(files);
      expect(relay.attachments.map((a) => a.content.toString())).toEqual(files.map((_, i) => `file ${i} ✓`));
      expectAsciiHeaders(relayMail.raw);
      const greeting = only(sent, (m) => !toOwner(m));
      expect(greeting.mail.to[0]).toEqual({ address: 'taro@customer.test', name: '山田 太郎' });
      expect(greeting.mail.subject).toBe(`Re: ${subject}`);

      const owner = ownerOf(relay);
      await harness.server.deps.store.putOwner({
        email: owner.address,
        name: 'Zoë Ångström-Łukasiewicz',
        active: true,
        createdAt: new Date().toISOString(),
      });
      await harness.send(
        ownerReply('apple-mail', relay, owner, 'Ваш заказ отправлен。発送しました。', {
          attachments: [{ filename: 'Lieferschein №42 – März.pdf', content: Buffer.from('%PDF ✓') }],
        }),
      );
      const [delivered] = await harness.newOutboxMails();
      const mail = (delivered as OutboxMail).mail;
      expect(mail.from).toEqual({ address: 'support@example.test', name: 'Zoë Ångström-Łukasiewicz' });
      expect(mail.to[0]).toEqual({ address: 'taro@customer.test', name: '山田 太郎' });
      expect(mail.subject).toBe(`Re: ${subject}`);
      expect(mail.text.trim()).toBe('Ваш заказ отправлен。発送しました。');
      expect(mail.attachments.map((a) => a.filename)).toEqual(['Lieferschein №42 – März.pdf']);
      expect(mail.attachments[0]?.content.toString()).toBe('%PDF ✓');
      expectAsciiHeaders((delivered as OutboxMail).raw);
      await harness.server.deps.store.putOwner({
        ...owner,
        email: owner.address,
        active: true,
        createdAt: new Date().toISOString(),
      });
    });
  });

  describe('figures per owner', () => {
    it('spoc stats reports open conversations, replies and first-response times from the running server', async () => {
      const lines: string[] = [];
      const io = {
        out: (text: string) => lines.push(text),
        err: (text: string) => lines.push(text),
        env: { SPOC_DATA_DIR: harness.dataDir },
        cwd: process.cwd(),
      };
      await statsCommand(io, { json: true });
      const report = JSON.parse(lines.join('\n')) as {
        owners: Array<{
          ownerEmail: string;
          repliesSent: number;
          firstResponses: number;
          openConversations: number;
        }>;
      };
      const total = (key: 'repliesSent' | 'firstResponses' | 'openConversations') =>
        report.owners.reduce((sum, o) => sum + o[key], 0);
      expect(report.owners.map((o) => o.ownerEmail).sort()).toEqual([
        'alice@example.test',
        'bob@example.test',
      ]);
      // Answers sent above: Jane (1), Hugo (1), Sasha (2, the corpus test's), Taro (1).
      const sasha = corpusAvailable() ? 1 : 0;
      expect(total('repliesSent')).toBe(3 + 2 * sasha);
      expect(total('firstResponses')).toBe(3 + sasha);
      // Jane's two conversations, Hugo, Sasha and Taro; automatic mail opens none.
      expect(total('openConversations')).toBe(4 + sasha);

      lines.length = 0;
      await statsCommand(io, {});
      expect(lines.join('\n')).toMatch(/OWNER\s+OPEN\s+NEW\s+REPLIES\s+FIRST RESPONSES\s+MEDIAN\s+P90/);
      expect(lines.join('\n')).toContain('alice@example.test');
    });
  });
});

/** Every header line of the top header block is 7-bit: non-ASCII went into encoded words. */
function expectAsciiHeaders(raw: Buffer) {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end);
  expect([...head].every((byte) => byte < 0x80)).toBe(true);
}
