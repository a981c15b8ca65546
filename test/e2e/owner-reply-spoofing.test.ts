import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { type CapturedMail, HandlerRig } from '../support/handler-rig.js';
import { customerMail, ownerAnswer, replyAddressOf } from '../support/mail-builder.js';

const JANE = 'jane@customer.test';
const JOHN = 'john@customer.test';
const SUPPORT = ['support@example.test'];

describe('owner replies: only the owner, authenticated, with a valid token of their own conversation', () => {
  let engines: EmbeddedEngines;
  let rig: HandlerRig;
  let relay: CapturedMail;
  let owner: string;
  let otherOwner: string;
  let johnRelay: CapturedMail;

  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    rig = await HandlerRig.create(engines);
    await rig.deliver(await customerMail(JANE, 'Broken order', 'The box was empty.'), {
      from: JANE,
      to: SUPPORT,
    });
    await rig.deliver(await customerMail(JOHN, 'Login', 'I cannot log in.'), { from: JOHN, to: SUPPORT });
    [relay, johnRelay] = rig.sender.mails as [CapturedMail, CapturedMail];
    owner = relay.envelope.to[0] ?? '';
    otherOwner = johnRelay.envelope.to[0] ?? '';
    expect(owner).not.toBe(otherOwner);
  });
  afterAll(async () => {
    await engines.close();
  });

  const toJane = () => rig.sender.to(JANE).length;
  const noticesTo = (address: string) =>
    rig.sender.to(address).filter((m) => m.mail.subject.startsWith('[Support]'));

  /** An answer to Jane's relay, to `to` (default its reply address), from `from`. */
  async function answer(
    from: string,
    options: { to?: string; verdicts?: Parameters<HandlerRig['deliver']>[2] } = {},
  ) {
    const to = options.to ?? replyAddressOf(relay);
    const raw = await ownerAnswer(relay, from, 'Here is what we will do.', { to });
    return rig.deliver(raw, { from, to: [to] }, options.verdicts);
  }

  it('accepts the owner, authenticated, on their own conversation (the control)', async () => {
    const { outcome } = await answer(owner);
    expect(outcome?.status).toBe('relayed-to-customer');
    expect(toJane()).toBe(1);
  });

  it('refuses a forged sender, tells the true owner once however often it is tried', async () => {
    for (let i = 0; i < 3; i += 1) {
      const { outcome } = await answer('mallory@evil.test');
      expect(outcome).toMatchObject({ status: 'rejected', reason: 'sender-not-owner' });
    }
    expect(toJane()).toBe(1);
    const told = noticesTo(owner);
    expect(told).toHaveLength(1);
    expect(told[0]?.mail.text).toContain('mallory@evil.test');
    expect(told[0]?.mail.headers.get('auto-submitted')).toEqual(['auto-generated']);
    expect(rig.sender.to('mallory@evil.test')).toEqual([]);
  });

  it('refuses the owner address when SPF and DKIM fail, or DMARC fails', async () => {
    const failed = await answer(owner, { verdicts: { verdicts: { spf: 'FAIL', dkim: 'FAIL' } } });
    expect(failed.outcome).toMatchObject({ status: 'rejected', reason: 'sender-unauthenticated' });
    const dmarc = await answer(owner, { verdicts: { verdicts: { dmarc: 'FAIL' } } });
    expect(dmarc.outcome).toMatchObject({ status: 'rejected', reason: 'sender-unauthenticated' });
    const grey = await answer(owner, { verdicts: { verdicts: { spf: 'GRAY', dkim: 'NOT_AVAILABLE' } } });
    expect(grey.outcome).toMatchObject({ status: 'rejected', reason: 'sender-unauthenticated' });
    expect(toJane()).toBe(1);
    expect(noticesTo(owner)).toHaveLength(2);
  });

  it('refuses a tampered token and a token signed for another conversation, telling nobody', async () => {
    const mine = replyAddressOf(relay);
    const tampered = mine.replace(/\.([a-f0-9])/, (_m, c: string) => `.${c === 'a' ? 'b' : 'a'}`);
    expect((await answer(owner, { to: tampered })).outcome).toMatchObject({ reason: 'token-invalid' });
    // John's signature on Jane's conversation id.
    const johnsSignature = replyAddressOf(johnRelay).split('.')[1];
    const spliced = mine.replace(/\.[a-f0-9]+@/, `.${johnsSignature?.split('@')[0]}@`);
    expect((await answer(owner, { to: spliced })).outcome).toMatchObject({ reason: 'token-invalid' });
    expect(toJane()).toBe(1);
    expect(noticesTo(owner)).toHaveLength(2);
  });

  it('refuses another owner using a valid token of a conversation that is not theirs', async () => {
    const { outcome } = await answer(otherOwner);
    expect(outcome).toMatchObject({ status: 'rejected', reason: 'sender-not-owner' });
    expect(toJane()).toBe(1);
  });

  it('holds an authenticated owner reply with a spam or virus verdict FAIL: kept, not relayed, owner told', async () => {
    for (const verdict of [{ spam: 'FAIL' }, { virus: 'FAIL' }] as const) {
      const { outcome, inboundId } = await answer(owner, { verdicts: { verdicts: verdict } });
      expect(outcome?.status).toBe('quarantined');
      expect((await rig.deps.rawMail.getRaw(`inbound/${inboundId}`)).length).toBeGreaterThan(0);
    }
    expect(toJane()).toBe(1);
    const held = noticesTo(owner).filter((m) => m.mail.subject.includes('Held'));
    expect(held.map((m) => m.mail.subject.match(/marked as (\w+)/)?.[1])).toEqual(['spam', 'virus']);
  });

  it('refuses the old owner replaying the token after a handoff and tells the new owner once', async () => {
    const conversationId = relay.mail.headers.get('x-spoc-conversation')?.[0] ?? '';
    const at = new Date().toISOString();
    await rig.deps.store.updateConversation(conversationId, { ownerEmail: otherOwner }, at);
    await rig.deps.store.updateCustomerOwner(JANE, otherOwner);
    const before = noticesTo(otherOwner).length;
    for (let i = 0; i < 2; i += 1) {
      const { outcome } = await answer(owner);
      expect(outcome).toMatchObject({
        status: 'rejected',
        reason: 'sender-not-owner',
        ownerEmail: otherOwner,
      });
    }
    expect(toJane()).toBe(1);
    expect(noticesTo(otherOwner)).toHaveLength(before + 1);
    // The new owner's own answer on the same token goes through.
    expect((await answer(otherOwner)).outcome?.status).toBe('relayed-to-customer');
    expect(toJane()).toBe(2);
  });
});
