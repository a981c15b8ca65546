import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../lib/cli/run-cli.js';
import type { Conversation, ConversationMessage, Customer, Owner } from '../../lib/domain/types.js';
import type { ParsedMail } from '../../lib/mail/mail-types.js';
import { parseMail } from '../../lib/mail/parse-mail.js';
import { corpusAvailable, corpusFile } from '../support/corpus.js';
import { LocalHarness, type OutboxMail, TEST_CONFIG_INPUT } from '../support/local-harness.js';
import { runSpoc } from '../support/spoc-process.js';

const OWNERS = {
  alice: { address: 'alice@example.test', name: 'Alice Smith' },
  bob: { address: 'bob@example.test', name: 'Bob Jones' },
  carol: { address: 'carol@example.test', name: 'Carol King' },
} as const;
type OwnerRef = (typeof OWNERS)[keyof typeof OWNERS];
const CONFIG = {
  ...TEST_CONFIG_INPUT,
  owners: Object.values(OWNERS).map((o) => ({ email: o.address, name: o.name })),
};

function ownerAt(address: string | undefined): OwnerRef {
  const owner = Object.values(OWNERS).find((o) => o.address === address);
  if (!owner) throw new Error(`${address} is not an owner`);
  return owner;
}

/** An owner's answer to a mail they received from a reply address, with a body from a real client. */
function replyTo(relay: ParsedMail, owner: OwnerRef, body: { text?: string; html?: string }): Mail.Options {
  const to = relay.replyTo[0]?.address ?? relay.from?.address ?? '';
  return {
    from: owner,
    to,
    subject: `Re: ${relay.subject}`,
    ...body,
    ...(relay.messageId
      ? { inReplyTo: relay.messageId, references: [...relay.references, relay.messageId] }
      : {}),
    envelope: { from: owner.address, to: [to] },
  };
}

/** The text a real client put in its reply (corpus `.eml`), with our command line on top. */
async function talonText(name: string): Promise<string> {
  return (await parseMail(corpusFile(`replies-talon/standard_replies/${name}.eml`))).text;
}
function trimmerText(name: string): string {
  return corpusFile(`replies-trimmer/emails/${name}.txt`).toString('utf8');
}

/** What a customer must never see in anything from support. */
function expectNothingInternal(delivered: OutboxMail) {
  const raw = delivered.raw.toString('utf8').toLowerCase();
  for (const owner of Object.values(OWNERS)) expect(raw).not.toContain(owner.address);
  expect(raw).not.toContain('reply+');
  expect(raw).not.toContain('reply.example.test');
  expect(raw).not.toContain('support context');
}

describe.skipIf(!corpusAvailable())('ownership over SMTP: accounts, commands, handoff, cover, ops', () => {
  let harness: LocalHarness;
  let base: string;
  let env: NodeJS.ProcessEnv;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-ownership-'));
    await writeFile(join(base, 'spoc.config.json'), JSON.stringify(CONFIG));
    harness = await LocalHarness.start({
      dataDir: join(base, 'data'),
      outboxDir: join(base, 'outbox'),
      config: CONFIG,
      now: () => new Date(Date.now() + clockOffsetMs),
    });
    env = {
      SPOC_DATA_DIR: harness.dataDir,
      SPOC_OUTBOX_DIR: harness.outboxDir,
      SPOC_CONFIG: join(base, 'spoc.config.json'),
    };
  });
  afterAll(async () => {
    await harness.stop();
    await rm(base, { recursive: true, force: true });
  });

  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env,
      cwd: base,
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  async function cliJson<T>(...argv: string[]): Promise<T> {
    const result = await cli(...argv, '--json');
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.out) as T;
  }
  async function customerMails(from: string, mail: Partial<Mail.Options>): Promise<OutboxMail> {
    await harness.send({ from, to: 'support@example.test', subject: 'Hello', text: 'Hi.', ...mail });
    const sent = await harness.newOutboxMails();
    expect(sent).toHaveLength(1);
    return sent[0] as OutboxMail;
  }
  const day = (offsetDays: number) =>
    new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

  describe('accounts (B2B)', () => {
    it('refuses a free-mail domain rule and gives everyone from a company domain the same owner', async () => {
      const refused = await cli('customer', 'domain', 'add', 'gmail.com', 'bob@example.test');
      expect(refused.code).toBe(2);
      expect(refused.err).toContain('free-mail');
      expect((await cli('customer', 'domain', 'add', 'Acme-Corp.com', 'Carol King')).code).toBe(0);
      expect(
        await cliJson<Array<{ domain: string; ownerEmail: string }>>('customer', 'domain', 'list'),
      ).toEqual([{ domain: 'acme-corp.com', ownerEmail: 'carol@example.test', source: 'table' }]);

      const first = await customerMails('ann@acme-corp.com', { subject: 'Licences' });
      const second = await customerMails('ben@ACME-corp.com', { subject: 'Invoices' });
      expect(first.mail.to[0]?.address).toBe('carol@example.test');
      expect(second.mail.to[0]?.address).toBe('carol@example.test');

      const gmailOne = await customerMails('x.one@gmail.com', {});
      const gmailTwo = await customerMails('x.two@gmail.com', {});
      expect(gmailOne.mail.to[0]?.address).not.toBe(gmailTwo.mail.to[0]?.address);
    });
  });

  let jane = { relay: undefined as unknown as ParsedMail, owner: OWNERS.alice as OwnerRef };

  describe('commands by email, in real clients’ reply formats', () => {
    it('#note (Gmail reply from the talon corpus) is recorded on the conversation and sent to nobody', async () => {
      const relay = await customerMails('jane@customer.test', {
        from: { name: 'Jane Doe', address: 'jane@customer.test' },
        subject: 'Where is my order?',
        text: 'My order #1234 has not arrived.',
      });
      jane = { relay: relay.mail, owner: ownerAt(relay.mail.to[0]?.address) };
      const body = `#note Called her: refund promised by Friday.\n${await talonText('gmail')}`;
      await harness.send(replyTo(jane.relay, jane.owner, { text: body }));
      expect(await harness.newOutboxMails()).toEqual([]);
      expect(await harness.lastOutcome()).toMatchObject({ status: 'noted', reason: 'note' });

      const id = jane.relay.headers.get('x-spoc-conversation')?.[0] as string;
      const shown = await cliJson<{ messages: ConversationMessage[] }>('conversation', 'show', id);
      const note = shown.messages.find((m) => m.direction === 'note');
      expect(note?.text).toBe('Called her: refund promised by Friday.\nHello');
      expect(note?.fromAddress).toBe(jane.owner.address);
      const human = await cli('conversation', 'show', id);
      expect(human.out).toContain('note by');
      expect(human.out).toContain('refund promised by Friday');
    });

    it('an unknown command (Outlook-style reply from the trimmer corpus) reaches no customer; the owner gets the command list', async () => {
      const body = `#snooze 3d\n${trimmerText('email_headers_1')}`;
      await harness.send(replyTo(jane.relay, jane.owner, { text: body }));
      const sent = await harness.newOutboxMails();
      expect(sent).toHaveLength(1);
      const help = (sent[0] as OutboxMail).mail;
      expect(help.to.map((a) => a.address)).toEqual([jane.owner.address]);
      expect(help.subject).toContain('Command not understood');
      for (const command of ['#note', '#handoff', '#away', '#close']) expect(help.text).toContain(command);
      expect(help.text).toContain('#snooze');
      expect(help.headers.get('auto-submitted')).toEqual(['auto-replied']);
      expect(await harness.lastOutcome()).toMatchObject({ status: 'rejected', reason: 'command-invalid' });

      // A malformed known command is answered the same way.
      await harness.send(
        replyTo(jane.relay, jane.owner, { text: `#away next week\n${trimmerText('text_only')}` }),
      );
      const [again] = await harness.newOutboxMails();
      expect(again?.mail.to[0]?.address).toBe(jane.owner.address);
      expect(again?.mail.text).toContain('YYYY-MM-DD');
    });

    it('#handoff to the owner themselves is refused with the command list', async () => {
      await harness.send(
        replyTo(jane.relay, jane.owner, {
          text: `#handoff ${jane.owner.address}\n${trimmerText('text_only')}`,
        }),
      );
      const sent = await harness.newOutboxMails();
      expect(sent.map((m) => m.mail.to[0]?.address)).toEqual([jane.owner.address]);
      expect(sent[0]?.mail.text).toContain('already yours');
    });

    it('#close works in an HTML-only reply (Gmail HTML from the talon corpus): the text below goes out, the conversation closes', async () => {
      const html = corpusFile('replies-talon/html_replies/gmail.html')
        .toString('utf8')
        .replace('Hi. I am fine.', '#close</div><div class="gmail_default">Hi. I am fine.');
      await harness.send(replyTo(jane.relay, jane.owner, { html }));
      const sent = await harness.newOutboxMails();
      expect(sent).toHaveLength(1);
      const delivered = sent[0] as OutboxMail;
      expect(delivered.mail.to[0]?.address).toBe('jane@customer.test');
      expect(delivered.mail.text).toContain('Hi. I am fine.');
      expect(delivered.mail.text).not.toContain('#close');
      expectNothingInternal(delivered);
      const id = jane.relay.headers.get('x-spoc-conversation')?.[0] as string;
      const shown = await cliJson<{ conversation: Conversation }>('conversation', 'show', id);
      expect(shown.conversation.status).toBe('closed');
    });
  });

  let handedTo: OwnerRef;
  let history: ParsedMail;

  describe('handoff', () => {
    it('#handoff <name> (Outlook reply from the talon corpus): the history goes to the new owner, one introduction to the customer', async () => {
      const relay = await customerMails('jane@customer.test', {
        from: { name: 'Jane Doe', address: 'jane@customer.test' },
        subject: 'Refund for order 1234',
        text: 'Any news on the refund? The receipt is attached.',
        attachments: [
          { filename: 'receipt.pdf', content: Buffer.from('%PDF-1.4'), contentType: 'application/pdf' },
        ],
      });
      expect(relay.mail.to[0]?.address).toBe(jane.owner.address);
      jane.relay = relay.mail;
      handedTo = jane.owner === OWNERS.bob ? OWNERS.carol : OWNERS.bob;
      const body = `#handoff ${handedTo.name}\nShe waits for the refund; finance approved it.\n${await talonText('outlook')}`;
      await harness.send(replyTo(jane.relay, jane.owner, { text: body }));
      const sent = await harness.newOutboxMails();
      expect(sent).toHaveLength(2);
      expect(await harness.lastOutcome()).toMatchObject({ status: 'noted', reason: 'handoff' });

      const toOwner = sent.find((m) => m.mail.to[0]?.address === handedTo.address) as OutboxMail;
      history = toOwner.mail;
      expect(history.subject).toContain('Handed over to you: Jane Doe');
      expect(history.text).toContain('Any news on the refund?');
      expect(history.text).toContain('receipt.pdf (application/pdf, 8 bytes)');
      expect(history.text).toContain('Jane Doe (customer)');
      expect(history.text).toContain(`handed over by ${jane.owner.name}`);
      expect(history.text).toContain('finance approved it');
      expect(history.replyTo[0]?.address).toBe(jane.relay.from?.address);
      expect(history.headers.get('auto-submitted')).toEqual(['auto-generated']);

      const intro = sent.find((m) => m.mail.to[0]?.address === 'jane@customer.test') as OutboxMail;
      expect(intro.mail.from).toEqual({ address: 'support@example.test', name: handedTo.name });
      expect(intro.mail.text).toContain(`I am ${handedTo.name}`);
      expect(intro.mail.text).toContain('no need to repeat anything');
      expect(intro.mail.inReplyTo).toBeDefined();
      expectNothingInternal(intro);

      const shown = await cliJson<{ customer: Customer; conversations: Conversation[] }>(
        'customer',
        'show',
        'jane@customer.test',
      );
      expect(shown.customer.ownerEmail).toBe(handedTo.address);
      expect(shown.conversations.every((c) => c.ownerEmail === handedTo.address)).toBe(true);
    });

    it('the former owner replying on an old token reaches nobody and is told who owns the customer now', async () => {
      await harness.send(replyTo(jane.relay, jane.owner, { text: trimmerText('quote_and_text') }));
      const sent = await harness.newOutboxMails();
      expect(sent).toHaveLength(1);
      const notice = (sent[0] as OutboxMail).mail;
      expect(notice.to.map((a) => a.address)).toEqual([jane.owner.address]);
      expect(notice.text).toContain(`${handedTo.name} <${handedTo.address}>`);
      expect(notice.text).toContain('was not sent');
      expect(await harness.lastOutcome()).toMatchObject({ status: 'rejected', reason: 'no-longer-owner' });
    });

    it("the new owner answers from the history mail, and the customer's next mail goes to them", async () => {
      await harness.send(
        replyTo(history, handedTo, { text: `Hi Jane, the refund is on its way.\n\n${trimmerText('strip')}` }),
      );
      const [answer] = await harness.newOutboxMails();
      expect(answer?.mail.to[0]?.address).toBe('jane@customer.test');
      expect(answer?.mail.from).toEqual({ address: 'support@example.test', name: handedTo.name });
      expect(answer?.mail.text).toContain('the refund is on its way');
      expect(answer?.mail.text).not.toContain('Any news on the refund');
      expectNothingInternal(answer as OutboxMail);
      const next = await customerMails('jane@customer.test', { subject: 'Thanks' });
      expect(next.mail.to[0]?.address).toBe(handedTo.address);
      jane = { relay: next.mail, owner: handedTo };
    });

    it('spoc customer assign and spoc owner remove --handoff-to move customers with history and one introduction each', async () => {
      const assigned = await cli('customer', 'assign', 'jane@customer.test', '--to', 'alice@example.test');
      expect(assigned.err).toBe('');
      expect(assigned.out).toContain('now belongs to Alice Smith');
      const sent = await harness.newOutboxMails();
      expect(sent.map((m) => m.mail.to[0]?.address).sort()).toEqual([
        'alice@example.test',
        'jane@customer.test',
      ]);
      // Run again the same day: nothing moves, nothing is sent twice.
      expect(
        (await cli('customer', 'assign', 'jane@customer.test', '--to', 'alice@example.test')).out,
      ).toContain('already belongs');
      expect(await harness.newOutboxMails()).toEqual([]);
      jane.owner = OWNERS.alice;

      const carols = (await cliJson<Customer[]>('customer', 'list', '--owner', 'carol@example.test')).map(
        (c) => c.email,
      );
      expect(carols).toEqual(expect.arrayContaining(['ann@acme-corp.com', 'ben@acme-corp.com']));
      const removed = await cli('owner', 'remove', 'carol@example.test', '--handoff-to', 'Bob Jones');
      expect(removed.err).toBe('');
      expect(removed.out).toContain('removed owner carol@example.test');
      const moved = await harness.newOutboxMails();
      const intros = moved.filter((m) => m.mail.from?.address === 'support@example.test');
      // One introduction per customer, the history of each to Bob.
      expect(intros.map((m) => m.mail.to[0]?.address).sort()).toEqual([...carols].sort());
      expect(moved.filter((m) => m.mail.to[0]?.address === 'bob@example.test')).toHaveLength(carols.length);
      for (const intro of intros) {
        expect(intro.mail.from?.name).toBe('Bob Jones');
        expectNothingInternal(intro);
      }
      const owners = await cliJson<Owner[]>('owner', 'list');
      expect(owners.map((o) => o.email)).not.toContain('carol@example.test');
      const bobs = await cliJson<Customer[]>('customer', 'list', '--owner', 'bob@example.test');
      expect(bobs.map((c) => c.email)).toEqual(
        expect.arrayContaining(['ann@acme-corp.com', 'ben@acme-corp.com']),
      );
      // The company account followed its customers.
      expect(removed.out).toContain('domain rules now naming bob@example.test: acme-corp.com');
      expect(
        await cliJson<Array<{ domain: string; ownerEmail: string }>>('customer', 'domain', 'list'),
      ).toEqual([{ domain: 'acme-corp.com', ownerEmail: 'bob@example.test', source: 'table' }]);
      const newcomer = await customerMails('cat@acme-corp.com', { subject: 'New here' });
      expect(newcomer.mail.to[0]?.address).toBe('bob@example.test');
    });
  });

  describe('cover while away', () => {
    it('routes the customer to the backup, who answers as covering, ownership stays; back sends the digest', async () => {
      const away = await cli(
        'owner',
        'away',
        'alice@example.test',
        '--until',
        day(10),
        '--backup',
        'Bob Jones',
      );
      expect(away.err).toBe('');
      expect(away.out).toContain('covering for Alice Smith');

      const relay = await customerMails('jane@customer.test', {
        from: { name: 'Jane Doe', address: 'jane@customer.test' },
        subject: 'Delivery address',
        text: 'Please ship to my office instead.',
      });
      expect(relay.mail.to[0]?.address).toBe('bob@example.test');
      expect(relay.mail.text).toContain('You are covering for Alice Smith');

      await harness.send(
        replyTo(relay.mail, OWNERS.bob, {
          text: `Done, Jane.\nAlice (alice@example.test) is back soon.\n${await talonText('apple_mail')}`,
        }),
      );
      const [answer] = await harness.newOutboxMails();
      expect(answer?.mail.to[0]?.address).toBe('jane@customer.test');
      expect(answer?.mail.from).toEqual({ address: 'support@example.test', name: 'Bob Jones' });
      expect(answer?.mail.text).toContain('Done, Jane.');
      expect(answer?.mail.text).toContain('Bob Jones, covering for Alice Smith');
      expectNothingInternal(answer as OutboxMail);
      const shown = await cliJson<{ customer: Customer }>('customer', 'show', 'jane@customer.test');
      expect(shown.customer.ownerEmail).toBe('alice@example.test');

      const back = await cli('owner', 'back', 'Alice Smith');
      expect(back.out).toContain('digest sent');
      const [digest] = await harness.newOutboxMails();
      expect(digest?.mail.to[0]?.address).toBe('alice@example.test');
      expect(digest?.mail.text).toContain('Bob Jones covered for you');
      expect(digest?.mail.text).toContain('Delivery address');
      expect(digest?.mail.text).toContain('Please ship to my office instead.');
      expect(digest?.mail.text).toContain('Done, Jane.');
      // The backup answering late, after the return, reaches nobody and learns who answers now.
      await harness.send(replyTo(relay.mail, OWNERS.bob, { text: trimmerText('text_only') }));
      const [late] = await harness.newOutboxMails();
      expect(late?.mail.to.map((a) => a.address)).toEqual(['bob@example.test']);
      expect(late?.mail.text).toContain('Alice Smith <alice@example.test> owns them now');
      expect(await harness.lastOutcome()).toMatchObject({ status: 'rejected', reason: 'no-longer-owner' });
      const next = await customerMails('jane@customer.test', { subject: 'One more thing' });
      expect(next.mail.to[0]?.address).toBe('alice@example.test');
      jane.relay = next.mail;
    });

    it('#away by email (Yahoo reply from the talon corpus); on the return day the next mail brings the digest first', async () => {
      await harness.send(
        replyTo(jane.relay, OWNERS.alice, {
          text: `#away ${day(2)} bob@example.test\n${await talonText('yahoo')}`,
        }),
      );
      expect(await harness.newOutboxMails()).toEqual([]);
      expect(await harness.lastOutcome()).toMatchObject({ status: 'noted', reason: 'away' });
      const covered = await customerMails('jane@customer.test', { subject: 'While away' });
      expect(covered.mail.to[0]?.address).toBe('bob@example.test');

      clockOffsetMs = 3 * 86_400_000;
      await harness.send({
        from: 'jane@customer.test',
        to: 'support@example.test',
        subject: 'After',
        text: 'Back?',
      });
      const sent = await harness.newOutboxMails();
      expect(sent).toHaveLength(2);
      const [digest, relay] = sent.sort((a, b) =>
        a.mail.subject.startsWith('While you') ? -1 : b.mail.subject.startsWith('While you') ? 1 : 0,
      );
      expect(digest?.mail.subject).toContain('While you were away');
      expect(digest?.mail.text).toContain('While away');
      expect(relay?.mail.to[0]?.address).toBe('alice@example.test');
      const owners = await cliJson<Owner[]>('owner', 'list');
      expect(owners.find((o) => o.email === 'alice@example.test')?.away).toBeUndefined();
    });

    it('refuses an absence that cannot work, saying what to do', async () => {
      const past = await cli(
        'owner',
        'away',
        'alice@example.test',
        '--until',
        '2020-01-01',
        '--backup',
        'bob@example.test',
      );
      expect(past.code).toBe(2);
      expect(past.err).toContain('not in the future');
      const self = await cli(
        'owner',
        'away',
        'alice@example.test',
        '--until',
        day(400),
        '--backup',
        'alice@example.test',
      );
      expect(self.err).toContain('cannot cover for themselves');
      const unknown = await cli(
        'owner',
        'away',
        'nobody@example.test',
        '--until',
        day(4),
        '--backup',
        'bob@example.test',
      );
      expect(unknown.err).toContain('spoc owner list');
    });
  });

  describe('ops: usage errors say what to do', () => {
    it('answers wrong ownership commands with exit code 2 and the command to type', async () => {
      const cases: Array<[string[], string]> = [
        [
          ['customer', 'assign', 'jane@customer.test'],
          'missing owner: spoc customer assign <email> --to <owner>',
        ],
        [['customer', 'assign', 'nobody@customer.test', '--to', 'bob@example.test'], 'spoc customer show'],
        [['customer', 'show', 'not-an-address'], 'is not an email address'],
        [['conversation', 'show', 'ffffffffffffffff'], 'spoc conversation list'],
        [['conversation', 'list'], 'spoc conversation list <customer-email>'],
        [['owner', 'handoff', 'alice@example.test', '--to', 'alice@example.test'], 'someone else'],
        [['owner', 'away', 'alice@example.test', '--backup', 'bob@example.test'], 'missing --until'],
        [['export', 'nobody@customer.test'], 'nothing stored about nobody@customer.test'],
        [['replay', 'x', '--queue-url', 'https://sqs.example/q'], 'not both'],
        [['customer', 'domain', 'remove', 'never.test'], 'spoc customer domain list'],
      ];
      for (const [argv, hint] of cases) {
        const result = await cli(...argv);
        expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
        expect(result.err).toContain(hint);
      }
    });
  });

  describe('ops: replay, export, forget', () => {
    it('replay leaves finished mail alone, resumes unfinished mail, and re-runs failed mail only with --force', async () => {
      const all = await cli('replay');
      expect(all.code).toBe(0);
      expect(all.out).toContain('replayed 0 of');
      expect(all.out).toContain('already had an outcome');
      expect(await harness.newOutboxMails()).toEqual([]);

      const { store, rawMail } = harness.server.deps;
      const raw = Buffer.from(
        'From: Replay Person <replay@customer.test>\r\nTo: support@example.test\r\nSubject: Stored but never processed\r\nMessage-ID: <replay-1@customer.test>\r\n\r\nHello from storage.\r\n',
      );
      await rawMail.putRaw('inbound/replay0000000000000001', raw);
      await rawMail.putRaw(
        'inbound/replay0000000000000002',
        Buffer.from(raw.toString().replace('replay-1', 'replay-2')),
      );
      // The second one ended `failed` earlier (say a missing owner at the time).
      await store.claimInbound(
        'replay0000000000000002',
        'inbound/replay0000000000000002',
        new Date().toISOString(),
      );
      await store.recordOutcome('replay0000000000000002', { status: 'failed', reason: 'no-active-owner' });

      const resumed = await cliJson<{ processed: number; alreadyDone: number }>(
        'replay',
        'replay0000000000000001',
        'replay0000000000000002',
      );
      expect(resumed).toMatchObject({ processed: 1, alreadyDone: 1 });
      expect((await harness.newOutboxMails()).map((m) => m.mail.subject)).toEqual([
        'Stored but never processed',
      ]);
      const forced = await cliJson<{ processed: number; outcomes: Record<string, number> }>(
        'replay',
        'inbound/replay0000000000000002',
        '--force',
      );
      expect(forced).toMatchObject({ processed: 1, outcomes: { 'relayed-to-owner': 1 } });
      expect(await harness.newOutboxMails()).toHaveLength(1);
      // Relayed now: even --force leaves it alone.
      expect(await cliJson('replay', 'replay0000000000000002', '--force')).toMatchObject({
        processed: 0,
        alreadyDone: 1,
      });
      expect(await harness.newOutboxMails()).toEqual([]);
    });

    it('spoc as a child process shows a customer, and exports then forgets them with all their raw mail', async () => {
      const shown = await runSpoc(['customer', 'show', 'jane@customer.test'], env);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain('Owner: Alice Smith <alice@example.test>');
      expect(shown.stdout).toMatch(/CONVERSATION\s+STATUS/);

      const out = join(base, 'export');
      const exported = await cli('export', 'jane@customer.test', '--out', out);
      expect(exported.err).toBe('');
      const document = JSON.parse(await readFile(join(out, 'items.json'), 'utf8')) as {
        items: Array<Record<string, unknown>>;
        rawMailKeys: string[];
      };
      const kinds = new Set(document.items.map((item) => String(item.pk).split('#')[0]));
      expect([...kinds].sort()).toEqual(['CONV', 'CUSTOMER', 'INBOUND', 'MSGID', 'SENT']);
      expect(document.items.some((item) => String(item.sk).startsWith('FORMER#'))).toBe(true);
      expect(document.rawMailKeys.length).toBeGreaterThan(5);
      expect((await readdir(join(out, 'raw'))).length).toBe(document.rawMailKeys.length);
      // Owners' answers hold reply tokens and the quoted context: their raw form is only listed.
      const { withheldRawMailKeys } = document as unknown as { withheldRawMailKeys: string[] };
      expect(withheldRawMailKeys.length).toBeGreaterThan(0);
      const files = await readdir(join(out, 'raw'));
      for (const text of [
        await readFile(join(out, 'items.json'), 'latin1'),
        ...(await Promise.all(files.map((file) => readFile(join(out, 'raw', file), 'latin1')))),
      ]) {
        expect(text).not.toMatch(/reply\+|consult\+|@reply\.example\.test/i);
      }

      const unconfirmed = await cli('forget', 'jane@customer.test');
      expect(unconfirmed.code).toBe(2);
      expect(unconfirmed.err).toContain('--yes');
      const forgotten = await runSpoc(['forget', 'jane@customer.test', '--yes'], env);
      expect(forgotten.code).toBe(0);
      expect(forgotten.stdout).toContain(`deleted ${document.items.length} item(s)`);

      const { store, rawMail } = harness.server.deps;
      const left = await store.listCustomerData('jane@customer.test');
      expect(left.items).toEqual([]);
      for (const key of document.rawMailKeys) await expect(rawMail.getRaw(key)).rejects.toThrow(/not found/);
      const gone = await cli('customer', 'show', 'jane@customer.test');
      expect(gone.code).toBe(2);
      expect(gone.err).toContain('spoc customer list');
      // Other customers are untouched.
      expect((await cliJson<Customer[]>('customer', 'list')).map((c) => c.email)).toContain(
        'ann@acme-corp.com',
      );
    }, 60_000);
  });
});
