import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEND_LEASE_MS } from '../../lib/delivery/deliver-mail.js';
import type { Owner } from '../../lib/domain/types.js';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { handOffCustomer } from '../../lib/use-cases/hand-off-customer.js';
import { endAway } from '../../lib/use-cases/owner-cover.js';
import { type CrashPlan, InjectedCrashError, withCrashAt } from '../support/crash-injection.js';
import { HandlerRig } from '../support/handler-rig.js';
import { customerMail, ownerAnswer } from '../support/mail-builder.js';

const JANE = 'jane@customer.test';
const SUPPORT = ['support@example.test'];

/** The first record write after the relay's send: the one duplicate window (see deliver-mail.ts). */
function relayRecordStep(steps: string[]): string {
  const sent = steps.indexOf('sender.send');
  const at = steps.findIndex((step, index) => index > sent && /^store\.record(Relay|Outcome)$/.test(step));
  expect(sent).toBeGreaterThan(0);
  expect(at).toBeGreaterThan(sent);
  return `${at + 1}:${steps[at]}`;
}

/** The sent-mail records written right after a send: the duplicate window of a mail sent by key. */
function sentRecordSteps(steps: string[]): string[] {
  return steps.flatMap((step, index) =>
    step === 'store.recordSentMail' && steps.slice(0, index).includes('sender.send')
      ? [`${index + 1}:${step}`]
      : [],
  );
}

/** Sends of the mail under test after crash + redelivery, per crash point. */
interface CrashRun {
  step: string;
  sends: number;
  storedMessages: number;
  status: string | undefined;
}

describe('at-least-once input, exactly-once effect (Lambda handler, real engines)', () => {
  let engines: EmbeddedEngines;
  beforeAll(async () => {
    engines = await startEmbeddedEngines();
  });
  afterAll(async () => {
    await engines.close();
  });

  /** Runs `record` with a crash at `crashAt`, then redelivers it twice without one. */
  async function crashThenRedeliver(rig: HandlerRig, plan: CrashPlan, record: SQSRecord) {
    const first = await rig.run(record);
    const crashed = plan.crashAt !== undefined && plan.steps.length >= plan.crashAt;
    expect(first.batchItemFailures.length).toBe(crashed ? 1 : 0);
    const step = plan.steps[(plan.crashAt ?? 1) - 1] ?? 'none';
    plan.crashAt = undefined;
    // The queue redelivers after its visibility timeout, longer than a send lease.
    rig.advance(SEND_LEASE_MS + 1000);
    expect((await rig.run(record)).batchItemFailures).toEqual([]);
    expect((await rig.run(record)).batchItemFailures).toEqual([]);
    return step;
  }

  it('the same SES notification delivered three times, one after another and all at once, relays once', async () => {
    const rig = await HandlerRig.create(engines);
    const raw = await customerMail(JANE, 'Order', 'Where is it?');
    const { record, inboundId } = await rig.receive(raw, { from: JANE, to: SUPPORT });
    for (let i = 0; i < 3; i += 1) expect((await rig.run(record)).batchItemFailures).toEqual([]);
    expect(rig.sender.mails).toHaveLength(1);
    expect((await rig.deps.store.getInbound(inboundId))?.attempts).toBe(3);

    // Three copies processed concurrently (SNS duplicated, three Lambdas): the send lease lets one send.
    const second = await rig.receive(await customerMail(JANE, 'Again', 'Second question'), {
      from: JANE,
      to: SUPPORT,
    });
    const results = await Promise.all([
      rig.run(second.record),
      rig.run(second.record),
      rig.run(second.record),
    ]);
    const failed = results.flatMap((r) => r.batchItemFailures).length;
    rig.advance(SEND_LEASE_MS + 1000);
    for (let i = 0; i < failed; i += 1) expect((await rig.run(second.record)).batchItemFailures).toEqual([]);
    expect(rig.sender.mails).toHaveLength(2);
    expect((await rig.deps.store.getInbound(second.inboundId))?.outcome?.status).toBe('relayed-to-owner');
  });

  it('a client resending the same Message-ID is one message: one stored, one relayed', async () => {
    const rig = await HandlerRig.create(engines);
    const raw = await customerMail(JANE, 'Invoice', 'Please resend the invoice', {
      messageId: '<resent-1@customer.test>',
    });
    const first = await rig.deliver(raw, { from: JANE, to: SUPPORT });
    const again = await rig.deliver(raw, { from: JANE, to: SUPPORT });
    expect(first.outcome?.status).toBe('relayed-to-owner');
    expect(again.outcome).toMatchObject({ status: 'duplicate', reason: 'resent-message-id' });
    expect(rig.sender.mails).toHaveLength(1);
    const conversations = await rig.deps.store.listConversations(JANE);
    expect(conversations).toHaveLength(1);
    expect(await rig.deps.store.listMessages(conversations[0]?.id ?? '')).toHaveLength(1);

    // The same Message-ID from someone else is not theirs to suppress.
    const other = await rig.deliver(raw.toString().replace(`From: ${JANE}`, 'From: mallory@evil.test'), {
      from: 'mallory@evil.test',
      to: SUPPORT,
    });
    expect(other.outcome?.status).toBe('relayed-to-owner');
  });

  it('customer mail: a crash before any step, then redelivery, stores one message and sends one relay', async () => {
    const raw = await customerMail(JANE, 'Broken', 'It broke', { messageId: '<crash-1@customer.test>' });
    // A clean run counts the steps.
    const probe: CrashPlan = { steps: [] };
    const clean = await HandlerRig.create(engines, { wrap: (d) => withCrashAt(d, probe) });
    await clean.run((await clean.receive(raw, { from: JANE, to: SUPPORT })).record);
    const total = probe.steps.length;
    expect(probe.steps).toContain('sender.send');

    const runs: CrashRun[] = [];
    for (let crashAt = 1; crashAt <= total; crashAt += 1) {
      const plan: CrashPlan = { crashAt, steps: [] };
      const rig = await HandlerRig.create(engines, { wrap: (d) => withCrashAt(d, plan) });
      const { record, inboundId } = await rig.receive(raw, { from: JANE, to: SUPPORT });
      const step = await crashThenRedeliver(rig, plan, record);
      const conversations = await rig.deps.store.listConversations(JANE);
      const stored = (await Promise.all(conversations.map((c) => rig.deps.store.listMessages(c.id)))).flat();
      runs.push({
        step: `${crashAt}:${step}`,
        sends: rig.sender.mails.length,
        storedMessages: stored.length,
        status: (await rig.deps.store.getInbound(inboundId))?.outcome?.status,
      });
    }
    expect(runs.every((r) => r.status === 'relayed-to-owner' && r.storedMessages === 1)).toBe(true);
    // Never zero; twice only when the crash fell between the transport's accept and the relay's record.
    expect(runs.every((r) => r.sends >= 1)).toBe(true);
    expect(runs.filter((r) => r.sends > 1).map((r) => r.step)).toEqual([relayRecordStep(probe.steps)]);
    expect(runs.filter((r) => r.sends > 1)).toHaveLength(1);
    console.info(
      `customer path: ${total} steps, crash at each; duplicate sends only at`,
      runs.filter((r) => r.sends > 1).map((r) => r.step),
    );
  });

  it('follow-up: a crash before any step, then redelivery, stores it once, relays it once, threads it once', async () => {
    const first = await customerMail(JANE, 'Broken', 'It broke', { messageId: '<crash-f1@customer.test>' });
    const followUp = await customerMail(JANE, 'Re: Broken', 'Still broken', {
      messageId: '<crash-f2@customer.test>',
      inReplyTo: '<crash-f1@customer.test>',
      references: ['<crash-f1@customer.test>'],
    });
    const setup = async (plan: CrashPlan) => {
      const rig = await HandlerRig.create(engines, { wrap: (d) => withCrashAt(d, plan) });
      await rig.run((await rig.receive(first, { from: JANE, to: SUPPORT })).record);
      plan.steps.length = 0;
      rig.sender.mails.length = 0;
      return rig;
    };
    const probe: CrashPlan = { steps: [] };
    const clean = await setup(probe);
    await clean.run((await clean.receive(followUp, { from: JANE, to: SUPPORT })).record);
    const total = probe.steps.length;
    expect(probe.steps).toContain('sender.send');

    const runs: Array<CrashRun & { threads: string }> = [];
    for (let crashAt = 1; crashAt <= total; crashAt += 1) {
      const plan: CrashPlan = { steps: [] };
      const rig = await setup(plan);
      const { record, inboundId } = await rig.receive(followUp, { from: JANE, to: SUPPORT });
      plan.crashAt = crashAt;
      const step = await crashThenRedeliver(rig, plan, record);
      const [conversation, ...others] = await rig.deps.store.listConversations(JANE);
      const stored = await rig.deps.store.listMessages(conversation?.id ?? '');
      runs.push({
        step: `${crashAt}:${step}`,
        sends: rig.sender.mails.length,
        storedMessages: stored.length + others.length * 100,
        status: (await rig.deps.store.getInbound(inboundId))?.outcome?.status,
        threads: `${conversation?.customerThread.length}/${conversation?.ownerThread.length}`,
      });
    }
    // One conversation holding both mails, each thread entry once, whichever step the crash hit.
    expect(runs.filter((r) => r.status !== 'relayed-to-owner' || r.storedMessages !== 2)).toEqual([]);
    expect(runs.filter((r) => r.threads !== '2/2')).toEqual([]);
    expect(runs.every((r) => r.sends >= 1)).toBe(true);
    expect(runs.filter((r) => r.sends > 1).map((r) => r.step)).toEqual([relayRecordStep(probe.steps)]);
    console.info(
      `follow-up path: ${total} steps, crash at each; duplicate sends only at`,
      runs.filter((r) => r.sends > 1).map((r) => r.step),
    );
  });

  it('owner reply: a crash before any step, then redelivery, stores one answer and sends it once', async () => {
    const relayRaw = await customerMail(JANE, 'Refund', 'I want a refund', {
      messageId: '<crash-2@customer.test>',
    });
    const probe: CrashPlan = { steps: [] };
    const setup = async (plan: CrashPlan) => {
      const rig = await HandlerRig.create(engines, { wrap: (d) => withCrashAt(d, plan) });
      await rig.deliver(relayRaw, { from: JANE, to: SUPPORT });
      const relay = rig.sender.mails[0];
      if (!relay) throw new Error('no relay');
      const owner = relay.envelope.to[0] ?? '';
      const answer = await ownerAnswer(relay, owner, 'Your refund is on its way.', {
        messageId: '<answer-1@owner.test>',
        date: new Date('2026-11-23T11:00:00Z'),
      });
      const received = await rig.receive(answer, { from: owner, to: [relay.mail.replyTo[0]?.address ?? ''] });
      plan.steps.length = 0;
      return { rig, relay, ...received };
    };
    const clean = await setup(probe);
    await clean.rig.run(clean.record);
    const total = probe.steps.length;
    expect(clean.rig.sender.to(JANE)).toHaveLength(1);

    const runs: CrashRun[] = [];
    for (let crashAt = 1; crashAt <= total; crashAt += 1) {
      const plan: CrashPlan = { steps: [] };
      const { rig, record, inboundId } = await setup(plan);
      plan.crashAt = crashAt;
      const step = await crashThenRedeliver(rig, plan, record);
      const [conversation] = await rig.deps.store.listConversations(JANE);
      const answers = (await rig.deps.store.listMessages(conversation?.id ?? '')).filter(
        (m) => m.direction === 'to-customer',
      );
      runs.push({
        step: `${crashAt}:${step}`,
        sends: rig.sender.to(JANE).length,
        storedMessages: answers.length,
        status: (await rig.deps.store.getInbound(inboundId))?.outcome?.status,
      });
    }
    expect(runs.filter((r) => r.status !== 'relayed-to-customer' || r.storedMessages !== 1)).toEqual([]);
    expect(runs.every((r) => r.sends >= 1)).toBe(true);
    expect(runs.filter((r) => r.sends > 1).map((r) => r.step)).toEqual([relayRecordStep(probe.steps)]);
    console.info(
      `owner path: ${total} steps, crash at each; duplicate sends only at`,
      runs.filter((r) => r.sends > 1).map((r) => r.step),
    );
  });

  /**
   * The CLI's operations (and an owner's return) go through the same delivery module: run once with a
   * crash before step `crashAt`, then run again twice as the operator (or the next mail) would.
   */
  async function crashThenRepeat(rig: HandlerRig, plan: CrashPlan, run: () => Promise<unknown>) {
    const crashedAt = plan.crashAt ?? 0;
    await run().catch((error: unknown) => {
      if (!(error instanceof InjectedCrashError)) throw error;
    });
    const step = plan.steps[crashedAt - 1] ?? 'none';
    plan.crashAt = undefined;
    rig.advance(SEND_LEASE_MS + 1000);
    await run();
    await run();
    return `${crashedAt}:${step}`;
  }

  /** A customer with one relayed conversation, their owner, and another active owner. */
  async function customerWithOwner(rig: HandlerRig, messageId: string) {
    const raw = await customerMail(JANE, 'Contract', 'About the contract', { messageId });
    await rig.deliver(raw, { from: JANE, to: SUPPORT });
    const customer = await rig.deps.store.getCustomer(JANE);
    const owners = await rig.deps.store.listOwners();
    const owner = owners.find((o) => o.email === customer?.ownerEmail);
    const other = owners.find((o) => o.email !== customer?.ownerEmail && o.active);
    if (!owner || !other) throw new Error('the rig needs two active owners');
    rig.sender.mails.length = 0;
    return { owner, other };
  }

  it('CLI handoff: a crash before any step, then the same command again, moves the customer and sends each mail once', async () => {
    const handoff = async (rig: HandlerRig, plan: CrashPlan, toOwner: Owner) =>
      handOffCustomer(withCrashAt(rig.deps, plan), {
        customerEmail: JANE,
        toOwner,
        note: 'Please take over.',
        operationId: 'cli:2026-12-04',
      });
    const probe: CrashPlan = { steps: [] };
    const clean = await HandlerRig.create(engines);
    const cleanOwners = await customerWithOwner(clean, '<crash-h0@customer.test>');
    await handoff(clean, probe, cleanOwners.other);
    const total = probe.steps.length;
    expect(probe.steps.filter((step) => step === 'sender.send')).toHaveLength(2);

    const runs: Array<{ step: string; sends: number; moved: boolean; threads: string }> = [];
    for (let crashAt = 1; crashAt <= total; crashAt += 1) {
      const rig = await HandlerRig.create(engines);
      const { other } = await customerWithOwner(rig, `<crash-h${crashAt}@customer.test>`);
      const plan: CrashPlan = { crashAt, steps: [] };
      const step = await crashThenRepeat(rig, plan, () => handoff(rig, plan, other));
      const [conversation] = await rig.deps.store.listConversations(JANE);
      runs.push({
        step,
        sends: rig.sender.mails.length,
        moved:
          (await rig.deps.store.getCustomer(JANE))?.ownerEmail === other.email &&
          conversation?.ownerEmail === other.email,
        threads: `${conversation?.customerThread.length}/${conversation?.ownerThread.length}`,
      });
    }
    // The history to the new owner and the introduction to the customer, each threaded once.
    expect(runs.filter((r) => !r.moved || r.threads !== '2/2')).toEqual([]);
    expect(runs.every((r) => r.sends >= 2)).toBe(true);
    expect(runs.filter((r) => r.sends > 2).map((r) => r.step)).toEqual(sentRecordSteps(probe.steps));
    console.info(
      `handoff: ${total} steps, crash at each; duplicate sends only at`,
      sentRecordSteps(probe.steps),
    );
  });

  it('cover and return: a crash before any step of the relay to the backup, and of the return with its digest, sends each once', async () => {
    const away = (owner: Owner, backup: Owner): Owner => ({
      ...owner,
      away: { since: '2026-01-01T00:00:00.000Z', until: '2099-12-31', backupEmail: backup.email },
    });
    const setup = async (plan: CrashPlan, index: number) => {
      const rig = await HandlerRig.create(engines, { wrap: (d) => withCrashAt(d, plan) });
      const { owner, other } = await customerWithOwner(rig, `<crash-c${index}@customer.test>`);
      await rig.deps.store.putOwner(away(owner, other));
      const followUp = await customerMail(JANE, 'Re: Contract', 'Any news?', {
        messageId: `<crash-c${index}-2@customer.test>`,
        inReplyTo: `<crash-c${index}@customer.test>`,
        references: [`<crash-c${index}@customer.test>`],
      });
      const received = await rig.receive(followUp, { from: JANE, to: SUPPORT });
      plan.steps.length = 0;
      return { rig, owner, other, ...received };
    };
    // Cover: the customer's mail goes to the backup while the owner is away.
    const probe: CrashPlan = { steps: [] };
    const clean = await setup(probe, 0);
    await clean.rig.run(clean.record);
    const total = probe.steps.length;
    expect(clean.rig.sender.to(clean.other.email)).toHaveLength(1);
    const covered: CrashRun[] = [];
    for (let crashAt = 1; crashAt <= total; crashAt += 1) {
      const plan: CrashPlan = { steps: [] };
      const { rig, record, inboundId, other } = await setup(plan, crashAt);
      plan.crashAt = crashAt;
      const step = await crashThenRedeliver(rig, plan, record);
      const [conversation] = await rig.deps.store.listConversations(JANE);
      covered.push({
        step: `${crashAt}:${step}`,
        sends: rig.sender.to(other.email).length,
        storedMessages: (await rig.deps.store.listMessages(conversation?.id ?? '')).length,
        status: (await rig.deps.store.getInbound(inboundId))?.outcome?.status,
      });
    }
    expect(covered.filter((r) => r.status !== 'relayed-to-owner' || r.storedMessages !== 2)).toEqual([]);
    expect(covered.every((r) => r.sends >= 1)).toBe(true);
    expect(covered.filter((r) => r.sends > 1).map((r) => r.step)).toEqual([relayRecordStep(probe.steps)]);

    // Return (`spoc owner back`): the digest of the absence goes once, then the absence ends.
    const back = async (plan: CrashPlan, index: number) => {
      const ready = await setup({ steps: [] }, 100 + index);
      await ready.rig.run(ready.record);
      ready.rig.sender.mails.length = 0;
      const run = () => endAway(withCrashAt(ready.rig.deps, plan), ready.owner.email);
      return { ...ready, run };
    };
    const backProbe: CrashPlan = { steps: [] };
    await (await back(backProbe, 0)).run();
    const backTotal = backProbe.steps.length;
    expect(backProbe.steps).toContain('sender.send');
    const returned: Array<{ step: string; digests: number; present: boolean }> = [];
    for (let crashAt = 1; crashAt <= backTotal; crashAt += 1) {
      const plan: CrashPlan = { crashAt, steps: [] };
      const { rig, owner, run } = await back(plan, crashAt);
      const step = await crashThenRepeat(rig, plan, run);
      returned.push({
        step,
        digests: rig.sender.to(owner.email).length,
        present: (await rig.deps.store.getOwner(owner.email))?.away === undefined,
      });
    }
    expect(returned.filter((r) => !r.present)).toEqual([]);
    // A crash after the digest and before the absence is cleared sends nothing more: the digest is recorded.
    expect(returned.every((r) => r.digests >= 1)).toBe(true);
    expect(returned.filter((r) => r.digests > 1).map((r) => r.step)).toEqual(
      sentRecordSteps(backProbe.steps),
    );
    console.info(
      `cover: ${total} steps, return: ${backTotal} steps, crash at each; duplicate sends only at`,
      [relayRecordStep(probe.steps), ...sentRecordSteps(backProbe.steps)],
    );
  });

  it('the first mail after an absence ended: a crash before any step sends the digest once, then the relay once, to the owner', async () => {
    const setup = async (plan: CrashPlan, index: number) => {
      const rig = await HandlerRig.create(engines, { wrap: (d) => withCrashAt(d, plan) });
      const { owner, other } = await customerWithOwner(rig, `<crash-r${index}@customer.test>`);
      await rig.deps.store.putOwner({
        ...owner,
        away: { since: '2026-01-01T00:00:00.000Z', until: '2026-01-02', backupEmail: other.email },
      });
      const followUp = await customerMail(JANE, 'Re: Contract', 'Back yet?', {
        messageId: `<crash-r${index}-2@customer.test>`,
        inReplyTo: `<crash-r${index}@customer.test>`,
        references: [`<crash-r${index}@customer.test>`],
      });
      const received = await rig.receive(followUp, { from: JANE, to: SUPPORT });
      plan.steps.length = 0;
      return { rig, owner, ...received };
    };
    const probe: CrashPlan = { steps: [] };
    const clean = await setup(probe, 0);
    await clean.rig.run(clean.record);
    const total = probe.steps.length;
    // The digest, then the relay: both to the owner, who is present again.
    expect(clean.rig.sender.to(clean.owner.email).map((m) => m.mail.subject)).toHaveLength(2);
    const runs: Array<CrashRun & { present: boolean }> = [];
    for (let crashAt = 1; crashAt <= total; crashAt += 1) {
      const plan: CrashPlan = { steps: [] };
      const { rig, record, inboundId, owner } = await setup(plan, crashAt);
      plan.crashAt = crashAt;
      const step = await crashThenRedeliver(rig, plan, record);
      runs.push({
        step: `${crashAt}:${step}`,
        sends: rig.sender.to(owner.email).length,
        storedMessages: 0,
        status: (await rig.deps.store.getInbound(inboundId))?.outcome?.status,
        present: (await rig.deps.store.getOwner(owner.email))?.away === undefined,
      });
    }
    expect(runs.filter((r) => r.status !== 'relayed-to-owner' || !r.present)).toEqual([]);
    expect(runs.every((r) => r.sends >= 2)).toBe(true);
    expect(runs.filter((r) => r.sends > 2).map((r) => r.step)).toEqual([
      ...sentRecordSteps(probe.steps),
      relayRecordStep(probe.steps),
    ]);
  });
});
