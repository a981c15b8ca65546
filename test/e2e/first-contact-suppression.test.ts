import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalHarness, TEST_CONFIG_INPUT } from '../support/local-harness.js';

describe('first contact and suppressed addresses', () => {
  let harness: LocalHarness;
  beforeAll(async () => {
    harness = await LocalHarness.start({ config: { ...TEST_CONFIG_INPUT, firstContact: { enabled: true } } });
  });
  afterAll(async () => {
    await harness.stop();
  });

  it('relays the first mail of an address that bounced before, but sends it no greeting', async () => {
    await harness.server.deps.store.suppressAddress({
      address: 'kim@customer.test',
      reason: 'hard-bounce',
      detail: 'General; 550 5.1.1 user unknown',
      at: '2026-11-01T00:00:00.000Z',
    });
    await harness.send({
      from: 'kim@customer.test',
      to: 'support@example.test',
      subject: 'Hi',
      text: 'Hello?',
    });
    const sent = await harness.newOutboxMails();
    expect(sent.map((m) => m.mail.to[0]?.address)).toHaveLength(1);
    expect(sent[0]?.mail.from?.address).toMatch(/@reply\.example\.test$/);

    // The same config greets an address that never bounced.
    await harness.send({
      from: 'lee@customer.test',
      to: 'support@example.test',
      subject: 'Hi',
      text: 'Hello?',
    });
    const next = await harness.newOutboxMails();
    expect(next.map((m) => m.mail.to[0]?.address).sort()).toEqual(
      expect.arrayContaining(['lee@customer.test']),
    );
    expect(next).toHaveLength(2);
  });
});
