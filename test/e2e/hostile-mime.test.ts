import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { type CapturedMail, HandlerRig } from '../support/handler-rig.js';
import { customerMail, ownerAnswer } from '../support/mail-builder.js';
import { headerProblems } from '../support/privacy-check.js';

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
    const before = rig.sender.mails.length;
    const raw = Buffer.concat([Buffer.from(`${header()}\r\n`), Buffer.alloc(40 * 1024 * 1024 + 1024, 'a')]);
    const { outcome, failed, inboundId } = await rig.deliver(raw, { from: FROM, to: SUPPORT });
    expect(failed).toBe(false);
    expect(outcome).toMatchObject({ status: 'relayed-to-owner', reason: 'too-large' });
    const sent = rig.sender.mails.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.envelope.to).not.toContain(FROM);
    expect(sent[0]?.raw.toString('utf8')).toContain(inboundId);
    expect(sent[0]?.raw.length).toBeLessThan(1024 * 1024);
  }, 120_000);

  const cases: Array<[string, () => Buffer | string]> = [
    ['too-many-parts', () => manyParts(600)],
    ['too-deep', () => deeplyNested(40)],
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
});
