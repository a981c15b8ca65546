import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { type CapturedMail, HandlerRig } from '../support/handler-rig.js';
import { customerMail, ownerAnswer, replyAddressOf } from '../support/mail-builder.js';

const SUPPORT = ['support@example.test'];
/** An owner added with `spoc owner add` (not in the config file), never the conversation's owner here. */
const DAVE = 'dave@agents.test';
/** Owners beside the config's, so a read of the whole team would show in what the mail reads. */
const TEAM = Array.from({ length: 40 }, (_, i) => `owner${i}@agents.test`);

/** One DynamoDB call of the rig's table, as sent. */
interface TableCall {
  command: string;
  input: string;
}

describe('a mail reads the owners it needs by key and the notes by their copies, whatever the team', () => {
  let engines: EmbeddedEngines;
  let rig: HandlerRig;
  let calls: TableCall[] = [];

  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    rig = await HandlerRig.create(engines);
    // Inactive, so new customers keep going to the config's owners (the rig's sender knows only those).
    const createdAt = new Date().toISOString();
    for (const email of [DAVE, ...TEAM]) {
      await rig.deps.store.putOwner({ email, name: email.split('@')[0] ?? email, active: false, createdAt });
    }
    engines.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        const input = JSON.stringify(args.input);
        if (input.includes(rig.tableName)) calls.push({ command: context.commandName ?? '?', input });
        return next(args);
      },
      { step: 'initialize', name: 'recordTableCalls' },
    );
  });
  afterAll(async () => {
    await engines.close();
  });
  beforeEach(() => {
    calls = [];
  });

  /** A new customer's first mail; returns the relay their owner received. */
  async function firstMail(customer: string): Promise<CapturedMail> {
    const { outcome } = await rig.deliver(await customerMail(customer, 'Order', 'Where is my order?'), {
      from: customer,
      to: SUPPORT,
    });
    expect(outcome).toMatchObject({ status: 'relayed-to-owner' });
    const relay = rig.sender.mails.at(-1);
    if (!relay || relay.envelope.to[0] === customer) throw new Error('no relay');
    return relay;
  }

  /** Queries and scans of the whole team or of a conversation's messages. */
  const wideReads = () =>
    calls.filter(
      (call) =>
        /Scan/.test(call.command) ||
        (/Query/.test(call.command) && (call.input.includes('"OWNERS"') || call.input.includes('"MSG#"'))),
    );

  it('a follow-up and its owner answer list neither the owners nor the messages', async () => {
    const customer = 'flat@customer.test';
    const relay = await firstMail(customer);
    const owner = relay.envelope.to[0] ?? '';
    const answer = await rig.deliver(await ownerAnswer(relay, owner, 'It ships today.'), {
      from: owner,
      to: [replyAddressOf(relay)],
    });
    expect(answer.outcome).toMatchObject({ status: 'relayed-to-customer' });
    const answered = rig.sender.to(customer).at(-1);
    if (!answered) throw new Error('no answer');

    calls = [];
    const followUp = await rig.deliver(
      await customerMail(customer, 'Re: Order', 'Thanks, and the invoice?', {
        inReplyTo: answered.messageId,
        references: [answered.messageId],
      }),
      { from: customer, to: SUPPORT },
    );
    expect(followUp.outcome).toMatchObject({ status: 'relayed-to-owner', ownerEmail: owner });
    expect(calls.length).toBeGreaterThan(0);
    expect(wideReads()).toEqual([]);

    const nextRelay = rig.sender.mails.at(-1) as CapturedMail;
    calls = [];
    const second = await rig.deliver(await ownerAnswer(nextRelay, owner, 'Attached next week.'), {
      from: owner,
      to: [replyAddressOf(nextRelay)],
    });
    expect(second.outcome).toMatchObject({ status: 'relayed-to-customer' });
    expect(wideReads()).toEqual([]);
  });

  it('an answer naming another owner’s mailbox is held, though that owner was never listed', async () => {
    const customer = 'named@customer.test';
    const relay = await firstMail(customer);
    const owner = relay.envelope.to[0] ?? '';
    for (const text of [
      `My colleague ${DAVE.toUpperCase()} knows more.`,
      `Details: https://crm.example.test/contact?email=${DAVE}&ref=1`,
    ]) {
      calls = [];
      const { outcome } = await rig.deliver(await ownerAnswer(relay, owner, text), {
        from: owner,
        to: [replyAddressOf(relay)],
      });
      expect(outcome, text).toMatchObject({ status: 'quarantined', reason: 'internal-trace' });
      expect(outcome?.detail, text).toContain(`owner-address in text part ("${DAVE}")`);
      expect(wideReads(), text).toEqual([]);
    }
    expect(rig.sender.to(customer)).toEqual([]);
  });

  it('a new customer is assigned in turn from pages of the team, never the whole list', async () => {
    const assigned: string[] = [];
    for (const customer of ['turn1@customer.test', 'turn2@customer.test', 'turn3@customer.test']) {
      calls = [];
      const relay = await firstMail(customer);
      assigned.push(relay.envelope.to[0] ?? '');
      const teamReads = calls.filter((call) => /Query/.test(call.command) && call.input.includes('"OWNERS"'));
      expect(teamReads.length).toBeGreaterThan(0);
      // Every read of the owners' index is one page: the 40 inactive owners are passed a page at a time.
      for (const call of teamReads) expect(call.input, call.input).toContain('"Limit":10');
    }
    // The config's two owners in turn, the inactive ones skipped.
    expect(new Set(assigned).size).toBe(2);
    expect(assigned[0]).not.toBe(assigned[1]);
    expect(assigned[2]).toBe(assigned[0]);
  });

  it('an owner on the Cc of a customer’s mail does not join the conversation', async () => {
    const customer = 'cc@customer.test';
    const relay = await firstMail(customer);
    const { outcome } = await rig.deliver(
      await customerMail(customer, 'Re: Order', 'Adding people', {
        cc: [DAVE, 'carol@customer.test'],
        inReplyTo: relay.messageId,
        references: [relay.messageId],
      }),
      { from: customer, to: SUPPORT },
    );
    expect(outcome).toMatchObject({ status: 'relayed-to-owner' });
    const [conversation] = await rig.deps.store.listConversations(customer);
    expect(conversation?.participants).toEqual(['carol@customer.test']);
  });

  it('a note is checked from its own copy, which export and forget cover with the conversation', async () => {
    const customer = 'noted@customer.test';
    const relay = await firstMail(customer);
    const owner = relay.envelope.to[0] ?? '';
    const note = 'Goodwill refund approved by finance, do not mention the audit';
    const noted = await rig.deliver(await ownerAnswer(relay, owner, `#note ${note}`), {
      from: owner,
      to: [replyAddressOf(relay)],
    });
    expect(noted.outcome).toMatchObject({ status: 'noted', reason: 'note' });
    const [conversation] = await rig.deps.store.listConversations(customer);
    const id = conversation?.id as string;
    expect(await rig.deps.store.listNotes(id)).toEqual([note]);

    calls = [];
    const leaked = await rig.deliver(await ownerAnswer(relay, owner, `Good news: ${note}.`), {
      from: owner,
      to: [replyAddressOf(relay)],
    });
    expect(leaked.outcome).toMatchObject({ status: 'quarantined', reason: 'internal-trace' });
    expect(wideReads()).toEqual([]);
    expect(calls.some((call) => /Query/.test(call.command) && call.input.includes('"NOTE#"'))).toBe(true);

    const data = await rig.deps.store.listCustomerData(customer);
    expect(data.items.filter((item) => String(item.sk).startsWith('NOTE#'))).toHaveLength(1);
    await rig.deps.store.deleteCustomerData(data);
    expect(await rig.deps.store.listNotes(id)).toEqual([]);
  });
});
