import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consultAddressFor } from '../../lib/domain/consult-token.js';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { type CapturedMail, HandlerRig, SECRET } from '../support/handler-rig.js';
import { customerMail, ownerAnswer, rawMail } from '../support/mail-builder.js';

const JANE = 'jane@customer.test';
const CAROL = 'carol@example.test';

/**
 * Until asking colleagues is carried out, its foundations must not open a path: mail to a consult address
 * and an owner's `#ask` are recorded and reach nobody, the customer least of all.
 */
describe('consult addresses and #ask before asking is carried out', () => {
  let engines: EmbeddedEngines;
  let rig: HandlerRig;
  let relay: CapturedMail;
  let owner: string;
  let consultAddress: string;

  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    rig = await HandlerRig.create(engines);
    await rig.deliver(await customerMail(JANE, 'Broken lamp', 'It broke.'), {
      from: JANE,
      to: ['support@example.test'],
    });
    relay = rig.sender.mails[0] as CapturedMail;
    owner = relay.envelope.to[0] ?? '';
    const conversationId = relay.mail.headers.get('x-spoc-conversation')?.[0] ?? '';
    consultAddress = consultAddressFor(conversationId, CAROL, SECRET, 'reply.example.test');
  });
  afterAll(async () => {
    await engines.close();
  });

  it('records mail to a consult address, from the colleague or the customer, and sends nothing', async () => {
    const before = rig.sender.mails.length;
    for (const from of [CAROL, JANE]) {
      const raw = await rawMail({
        from,
        to: consultAddress,
        subject: 'Re: question',
        text: 'Yes, replace it.',
      });
      const { outcome } = await rig.deliver(raw, { from, to: [consultAddress] });
      expect(outcome, from).toMatchObject({ status: 'rejected', reason: 'consult-not-wired' });
    }
    expect(rig.sender.mails.length).toBe(before);
  });

  it("answers an owner's #ask that it is not available, and asks nobody", async () => {
    const raw = await ownerAnswer(relay, owner, `#ask ${CAROL}\nCan we replace it under warranty?`);
    const { outcome } = await rig.deliver(raw, { from: owner, to: [relay.mail.replyTo[0]?.address ?? ''] });
    expect(outcome).toMatchObject({ status: 'rejected', reason: 'command-invalid' });
    expect(rig.sender.to(JANE)).toEqual([]);
    expect(rig.sender.to(CAROL)).toEqual([]);
    const help = rig.sender.to(owner).at(-1);
    expect(help?.mail.text).toContain('asking colleagues is not available yet');
  });
});
