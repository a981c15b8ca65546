import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { corpusAvailable, corpusDir, shareOfEachKind } from '../support/corpus.js';
import { type CapturedMail, HandlerRig } from '../support/handler-rig.js';
import { customerMail, ownerAnswer, rawMail } from '../support/mail-builder.js';
import { SimulatedQueue } from '../support/simulated-queue.js';

const SUPPORT = ['support@example.test'];
const JANE = 'jane@customer.test';

type Responder = (
  mail: CapturedMail,
) => Promise<{ raw: Buffer; envelope: { from: string; to: string[] } } | undefined>;

/**
 * Lets mailboxes answer what they receive until nobody sends anything new (or `maxRounds`). The
 * responders are badly behaved on purpose: they answer everything, automatic mail included.
 */
async function pump(
  rig: HandlerRig,
  responders: Map<string, Responder>,
  options: { maxRounds?: number; alreadySeen?: number } = {},
): Promise<number> {
  const maxRounds = options.maxRounds ?? 40;
  let seen = options.alreadySeen ?? 0;
  let rounds = 0;
  while (seen < rig.sender.mails.length && rounds < maxRounds) {
    const fresh = rig.sender.mails.slice(seen);
    seen = rig.sender.mails.length;
    rounds += 1;
    for (const mail of fresh) {
      for (const to of mail.envelope.to) {
        const answer = await responders.get(to)?.(mail);
        if (answer) await rig.deliver(answer.raw, answer.envelope);
      }
    }
  }
  return rounds;
}

/** An auto-responder; `marked` adds the headers RFC 3834 and vendors use, unmarked sends plain mail. */
function responder(address: string, marking: Record<string, string> | undefined): Responder {
  return async (mail) => {
    const to = mail.mail.replyTo[0]?.address ?? mail.mail.from?.address ?? '';
    // Owners' responders only matter on relays (reply addresses); customers' answer anything.
    if (!to.startsWith('reply+') && address !== JANE) return undefined;
    const raw = await rawMail({
      from: address,
      to,
      subject: `${marking ? 'Automatic reply' : 'Re'}: ${mail.mail.subject}`,
      text: 'I am away until Monday.',
      inReplyTo: mail.messageId,
      references: [mail.messageId],
      ...(marking ? { headers: marking } : {}),
    });
    return { raw, envelope: { from: address, to: [to] } };
  };
}

describe('loops and floods (Lambda handler, real engines)', () => {
  let engines: EmbeddedEngines;
  beforeAll(async () => {
    engines = await startEmbeddedEngines();
  });
  afterAll(async () => {
    await engines.close();
  });

  it.skipIf(!corpusAvailable())(
    'auto-replies, bounces and complaints of bounces-sisimai are recorded as automatic and answered by nothing',
    async () => {
      const rig = await HandlerRig.create(engines);
      const root = join(corpusDir(), 'bounces-sisimai');
      const all = (await readdir(root)).filter((f) => f.endsWith('.eml')).sort();
      expect(all.length).toBeGreaterThan(600);
      // That every one of them is routed as automatic is decided without I/O, and checked for each file
      // in test/unit/decisions/automatic-corpus-route.test.ts; here a share of each kind takes the whole
      // path: queue, raw mail, store, and no mail sent.
      const files = shareOfEachKind(all, 10);
      expect(files.length).toBeGreaterThan(60);
      const queue = new SimulatedQueue(rig.handler, { maxReceiveCount: 5, batchSize: 10, concurrency: 6 });
      const ids = new Map<string, string>();
      for (const file of files) {
        // Bounces come with the null reverse path; auto-replies often do too (RFC 3834 §3.3).
        const { record, inboundId } = await rig.receive(await readFile(join(root, file)), {
          from: '',
          to: SUPPORT,
        });
        ids.set(inboundId, file);
        queue.send(record);
      }
      expect((await queue.drain()).dlq).toEqual([]);
      const notAutomatic: string[] = [];
      const kinds = new Map<string, number>();
      for (const [id, file] of ids) {
        const outcome = (await rig.deps.store.getInbound(id))?.outcome;
        if (outcome?.status !== 'automatic') notAutomatic.push(`${file}: ${JSON.stringify(outcome)}`);
        const kind = outcome?.detail?.split(';')[0] ?? '?';
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      expect(notAutomatic).toEqual([]);
      expect(rig.sender.mails).toEqual([]);
      console.info(
        `bounces-sisimai through the handler: ${files.length} mails, all automatic →`,
        Object.fromEntries(kinds),
      );
    },
    300_000,
  );

  it('two auto-responders that mark their mail stop after one exchange', async () => {
    const rig = await HandlerRig.create(engines);
    await rig.deliver(await customerMail(JANE, 'Help', 'Please call me.'), { from: JANE, to: SUPPORT });
    const relay = rig.sender.mails[0] as CapturedMail;
    const owner = relay.envelope.to[0] ?? '';
    const responders = new Map<string, Responder>([
      [JANE, responder(JANE, { 'Auto-Submitted': 'auto-replied', 'X-Autoreply': 'yes' })],
      [owner, responder(owner, { 'X-Auto-Response-Suppress': 'All', Precedence: 'bulk' })],
    ]);
    // The owner's out-of-office answers the relay; the owner also answers by hand, which Jane's auto-responder answers.
    await pump(rig, responders);
    const answer = await ownerAnswer(relay, owner, 'We will call you today.');
    await rig.deliver(answer, { from: owner, to: [relay.mail.replyTo[0]?.address ?? ''] });
    const rounds = await pump(rig, responders, { alreadySeen: 1 });
    expect(rounds).toBeLessThan(3);
    expect(rig.sender.mails.map((m) => m.envelope.to[0])).toEqual([owner, JANE]);
    const outcomes = await Promise.all(
      (await rig.deps.rawMail.listKeys('inbound/')).map(
        async (k) => (await rig.deps.store.getInbound(k.slice(8)))?.outcome?.status,
      ),
    );
    expect(outcomes.filter((s) => s === 'automatic')).toHaveLength(2);
  });

  it('unmarked responders on both sides: the per-sender cap ends the loop with one notice to the owner', async () => {
    const cap = 5;
    const rig = await HandlerRig.create(engines, {
      config: { limits: { maxMessageBytes: 40 * 1024 * 1024, maxMailsPerSenderPerHour: cap } },
    });
    await rig.deliver(await customerMail(JANE, 'Loop', 'Hello?'), { from: JANE, to: SUPPORT });
    const owner = rig.sender.mails[0]?.envelope.to[0] ?? '';
    const rounds = await pump(
      rig,
      new Map([
        [JANE, responder(JANE, undefined)],
        [owner, responder(owner, undefined)],
      ]),
    );
    expect(rounds).toBeLessThan(40);
    const toOwner = rig.sender.to(owner);
    const notices = toOwner.filter((m) => m.mail.subject.startsWith('[Support] Held back'));
    expect(notices).toHaveLength(1);
    expect(toOwner.length - notices.length).toBe(cap);
    expect(rig.sender.to(JANE)).toHaveLength(cap);
  });

  it('a flood from one sender: the first 20 relayed, the rest kept and recorded, one notice to the owner', async () => {
    const rig = await HandlerRig.create(engines);
    const flood = 'flood@customer.test';
    const results = [];
    for (let n = 0; n < 30; n += 1) {
      results.push(
        await rig.deliver(await customerMail(flood, `Spam ${n}`, 'Buy now'), { from: flood, to: SUPPORT }),
      );
    }
    const statuses = results.map((r) => r.outcome?.status);
    expect(statuses.filter((s) => s === 'relayed-to-owner')).toHaveLength(20);
    const limited = results.filter((r) => r.outcome?.reason === 'rate-limited');
    expect(limited).toHaveLength(10);
    expect(limited.every((r) => r.outcome?.status === 'rejected')).toBe(true);
    for (const { inboundId } of limited) {
      expect((await rig.deps.rawMail.getRaw(`inbound/${inboundId}`)).length).toBeGreaterThan(0);
    }
    const owner = (await rig.deps.store.getCustomer(flood))?.ownerEmail ?? '';
    const notices = rig.sender.to(owner).filter((m) => m.mail.subject.startsWith('[Support]'));
    expect(notices).toHaveLength(1);
    expect(notices[0]?.mail.headers.get('auto-submitted')).toEqual(['auto-generated']);
    // A retried held-back message keeps its answer; nothing was counted past the cap.
    const last = limited.at(-1);
    expect(
      await rig.deps.store.countSenderMail(flood, '2026-11-23T10', last?.inboundId ?? '', 20, 0),
    ).toEqual({ position: 21 });
  });
});
