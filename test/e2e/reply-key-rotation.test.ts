import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { type CapturedMail, HandlerRig, SECRET } from '../support/handler-rig.js';
import { customerMail, ownerAnswer, replyAddressOf } from '../support/mail-builder.js';

const SUPPORT = ['support@example.test'];
const DAY_MS = 24 * 60 * 60 * 1000;

describe('rotating the reply-token key with overlap', () => {
  let engines: EmbeddedEngines;
  let rig: HandlerRig;

  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    rig = await HandlerRig.create(engines, { config: { replyTokens: { graceDays: 30 } } });
  });
  afterAll(async () => {
    await engines.close();
  });

  async function relayFor(customer: string): Promise<CapturedMail> {
    await rig.deliver(await customerMail(customer, 'Question', 'A question.'), {
      from: customer,
      to: SUPPORT,
    });
    const relay = rig.sender.mails.at(-1) as CapturedMail;
    expect(relay.envelope.to).not.toContain(customer);
    return relay;
  }

  async function answer(relay: CapturedMail) {
    const owner = relay.envelope.to[0] ?? '';
    const to = replyAddressOf(relay);
    const raw = await ownerAnswer(relay, owner, 'The answer.', { to });
    return (await rig.deliver(raw, { from: owner, to: [to] })).outcome;
  }

  it('keeps answers to relays signed before the rotation working for graceDays, then refuses them', async () => {
    const before = await relayFor('jane@customer.test');
    expect(replyAddressOf(before)).toMatch(/^reply\+[a-z0-9]+\.[a-f0-9]{24}@/);

    // The secret now holds a new current key and the old one as previous, retired now.
    rig.deps.replyTokenSecret = JSON.stringify({
      current: { id: 'k2', key: 'the-new-key-the-new-key-the-new-key' },
      previous: { id: '', key: SECRET, retiredAt: rig.deps.now().toISOString() },
    });
    const after = await relayFor('john@customer.test');
    expect(replyAddressOf(after)).toMatch(/^reply\+[a-z0-9]+\.k2\.[a-f0-9]{24}@/);

    expect(await answer(before)).toMatchObject({ status: 'relayed-to-customer' });
    expect(await answer(after)).toMatchObject({ status: 'relayed-to-customer' });

    rig.advance(31 * DAY_MS);
    expect(await answer(before)).toMatchObject({ status: 'rejected', reason: 'token-invalid' });
    expect(await answer(after)).toMatchObject({ status: 'relayed-to-customer' });
  });
});
