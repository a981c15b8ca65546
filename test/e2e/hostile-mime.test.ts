import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { CONTEXT_MARKERS } from '../../lib/mail/context-block.js';
import { corpusAvailable, corpusFile } from '../support/corpus.js';
import { type CapturedMail, HandlerRig } from '../support/handler-rig.js';
import { customerMail, ownerAnswer, replyAddressOf } from '../support/mail-builder.js';
import { headerProblems } from '../support/privacy-check.js';
import { pythonMimeDefectsOf } from '../support/python-mime-defects.js';

const SUPPORT = ['support@example.test'];
const FROM = 'hostile@customer.test';

function header(extra = ''): string {
  return `From: ${FROM}\r\nTo: support@example.test\r\nSubject: hostile\r\nMessage-ID: <${Math.random()}@customer.test>\r\nMIME-Version: 1.0\r\n${extra}`;
}

/** `count` sibling parts in one multipart. */
function manyParts(count: number): string {
  const parts = Array.from(
    { length: count },
    (_, n) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${n}\r\n`,
  );
  return `${header('Content-Type: multipart/mixed; boundary="b"\r\n')}\r\n${parts.join('')}--b--\r\n`;
}

/** Multiparts nested `depth` deep. */
function deeplyNested(depth: number): string {
  let body = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
  for (let level = depth; level > 0; level -= 1) {
    body = `Content-Type: multipart/mixed; boundary="n${level}"\r\n\r\n--n${level}\r\n${body}--n${level}--\r\n`;
  }
  return `${header()}${body}`;
}

/** RFC 2047 encoded-word carrying raw CR/LF, the classic header injection attempt. */
function encoded(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
}

describe('hostile MIME: every limit ends in a recorded outcome, never a crash (Lambda handler)', () => {
  let engines: EmbeddedEngines;
  let rig: HandlerRig;
  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    rig = await HandlerRig.create(engines);
  });
  afterAll(async () => {
    await engines.close();
  });

  it('too-large: kept, not relayed, its owner told where it is; the batch does not fail', async () => {
    // The size limit configured at 1 MiB instead of SES's 40 MB: the same path for a twentieth of the
    // bytes (a 37 MiB mail goes through whole in big-mail.test.ts).
    const small = await HandlerRig.create(engines, { config: { limits: { maxMessageBytes: 1024 * 1024 } } });
    const raw = Buffer.concat([Buffer.from(`${header()}\r\n`), Buffer.alloc(2 * 1024 * 1024 + 1024, 'a')]);
    const { outcome, failed, inboundId } = await small.deliver(raw, { from: FROM, to: SUPPORT });
    expect(failed).toBe(false);
    expect(outcome).toMatchObject({ status: 'relayed-to-owner', reason: 'too-large' });
    const sent = small.sender.mails;
    expect(sent).toHaveLength(1);
    expect(sent[0]?.envelope.to).not.toContain(FROM);
    expect(sent[0]?.raw.toString('utf8')).toContain(inboundId);
    expect(sent[0]?.raw.length).toBeLessThan(1024 * 1024);
  }, 120_000);

  const cases: Array<[string, () => Buffer | string]> = [
    ['too-many-parts', () => manyParts(600)],
    ['too-deep', () => deeplyNested(40)],
    // Attached messages nest without any boundary; Python's parser gives up on this one.
    ['too-deep', () => `${header()}${'Content-Type: message/rfc822\r\n\r\n'.repeat(3000)}innermost\r\n`],
    ['header-too-large', () => `${header(`X-Filler: ${'x'.repeat(300 * 1024)}\r\n`)}\r\nbody\r\n`],
  ];

  it.each(cases)(
    '%s: held with the reason, kept, nothing sent, the batch does not fail',
    async (reason, build) => {
      const before = rig.sender.mails.length;
      const { outcome, failed, inboundId } = await rig.deliver(build(), { from: FROM, to: SUPPORT });
      expect(failed).toBe(false);
      expect(outcome).toMatchObject({ status: 'quarantined', reason });
      expect(outcome?.detail).toContain(`inbound/${inboundId}`);
      expect(rig.sender.mails.length).toBe(before);
      expect((await rig.deps.rawMail.locate(`inbound/${inboundId}`)).location.length).toBeGreaterThan(0);
    },
    120_000,
  );

  it('garbage bytes and an empty message end in an outcome too', async () => {
    for (const raw of [
      Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10, 0]),
      Buffer.alloc(0),
      'no header at all',
    ]) {
      const { outcome, failed } = await rig.deliver(raw, { from: FROM, to: SUPPORT });
      expect(failed).toBe(false);
      expect(outcome?.status).toBeDefined();
    }
  });

  it('CR/LF in display names and subjects cannot add a header on either side', async () => {
    const injected = '\r\nBcc: victim@evil.test\r\nX-Injected: yes';
    const raw = await customerMail(
      `"${encoded(`Jane${injected}`)}" <jane@customer.test>`,
      encoded(`Order${injected}`),
      'Hi',
    );
    await rig.deliver(raw, { from: 'jane@customer.test', to: SUPPORT });
    const relay = rig.sender.mails.at(-1) as CapturedMail;
    // The owner's display name is stored data too.
    const owner = relay.envelope.to[0] ?? '';
    const stored = await rig.deps.store.getOwner(owner);
    await rig.deps.store.putOwner({ ...(stored as NonNullable<typeof stored>), name: `Alice${injected}` });
    await rig.deliver(await ownerAnswer(relay, owner, 'Answer'), {
      from: owner,
      to: [relay.mail.replyTo[0]?.address ?? ''],
    });
    const reply = rig.sender.to('jane@customer.test').at(-1) as CapturedMail;
    for (const mail of [relay, reply]) {
      const text = mail.raw.toString('latin1');
      expect(headerProblems(text)).toEqual([]);
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      expect(head).not.toMatch(/^(bcc|x-injected):/im);
      expect(mail.mail.headers.has('bcc')).toBe(false);
      expect(mail.envelope.to).not.toContain('victim@evil.test');
    }
    expect(reply.mail.subject).toContain('Order');
    expect(reply.mail.from?.name).toContain('Alice');
  });

  it('a customer mail with a reply address on Cc reaches the owner as customer mail', async () => {
    await rig.deliver(await customerMail('cc-case@customer.test', 'First', 'Hello'), {
      from: 'cc-case@customer.test',
      to: SUPPORT,
    });
    const first = rig.sender.mails.at(-1) as CapturedMail;
    const reply = replyAddressOf(first);
    const before = rig.sender.mails.length;
    const { outcome, failed } = await rig.deliver(
      await customerMail('cc-case@customer.test', 'Second', 'Again, copying the address I found', {
        cc: reply,
      }),
      { from: 'cc-case@customer.test', to: [...SUPPORT, reply] },
    );
    expect(failed).toBe(false);
    expect(outcome).toMatchObject({ status: 'relayed-to-owner', customerEmail: 'cc-case@customer.test' });
    const relays = rig.sender.mails.slice(before);
    expect(relays.map((m) => m.envelope.to)).toEqual([first.envelope.to]);
    expect(relays[0]?.mail.text).toContain('Again, copying the address I found');
  });

  it('hostile names: relay lines stay under 998 bytes, Python finds no defect, the context block ends once', async () => {
    const before = rig.sender.mails.length;
    const huge = 'x'.repeat(200 * 1024);
    await rig.deliver(await customerMail(`"${huge}" <huge@customer.test>`, 'Order', 'Hi'), {
      from: 'huge@customer.test',
      to: SUPPORT,
    });
    const fake = `Jane\u2028${CONTEXT_MARKERS.end}\u2029Please forward this to the customer\u202E`;
    await rig.deliver(
      await customerMail({ name: fake, address: 'fake@customer.test' } as never, 'Order', 'Hi'),
      {
        from: 'fake@customer.test',
        to: SUPPORT,
      },
    );
    const relays = rig.sender.mails.slice(before);
    expect(relays).toHaveLength(2);
    const lengths = relays.flatMap((m) =>
      m.raw
        .toString('latin1')
        .split('\r\n')
        .map((line) => line.length),
    );
    expect(Math.max(...lengths)).toBeLessThanOrEqual(998);
    expect(pythonMimeDefectsOf(relays.map((m) => m.raw))).toEqual([[], []]);
    const text = relays[1]?.mail.text ?? '';
    expect(text).not.toMatch(/[\u2028\u2029\u202a-\u202e]/u);
    const drawn = text.split(/\r\n|[\n\v\f\r\u0085\u2028\u2029]/);
    expect(drawn.filter((line) => line.trim().startsWith(CONTEXT_MARKERS.end))).toHaveLength(1);
  });

  it.runIf(corpusAvailable())(
    'a malformed attached message reaches the owner in well-formed MIME (Python finds no defect)',
    async () => {
      const before = rig.sender.mails.length;
      for (const path of [
        'mime-mikel-mail/attachment_emails/attachment_message_rfc822_inline_image.eml',
        'mime-flanker/enclosed-broken.eml',
      ]) {
        const raw = corpusFile(path);
        const from = /^From:.*<([^>]+)>/m.exec(raw.toString('latin1'))?.[1] ?? FROM;
        const { outcome } = await rig.deliver(raw, { from, to: SUPPORT });
        expect(outcome?.status, path).toBe('relayed-to-owner');
      }
      const relays = rig.sender.mails.slice(before);
      expect(relays).toHaveLength(2);
      expect(pythonMimeDefectsOf(relays.map((m) => m.raw))).toEqual([[], []]);
    },
  );

  it('the first message of a conversation is message 1, with or without a Message-ID', async () => {
    const before = rig.sender.mails.length;
    const withoutId = (await customerMail('first@customer.test', 'No id', 'Hello'))
      .toString('latin1')
      .replace(/^Message-ID:.*\r\n/im, '');
    expect(withoutId).not.toMatch(/^Message-ID:/im);
    await rig.deliver(withoutId, { from: 'first@customer.test', to: SUPPORT });
    await rig.deliver(await customerMail('second@customer.test', 'With id', 'Hello'), {
      from: 'second@customer.test',
      to: SUPPORT,
    });
    const texts = rig.sender.mails.slice(before).map((m) => m.mail.text);
    expect(texts).toHaveLength(2);
    for (const text of texts) expect(text).toMatch(/opened \d{4}-\d{2}-\d{2}, message 1\n/);
  });
});
