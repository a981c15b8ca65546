import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../lib/cli/run-cli.js';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import type { ParsedMail } from '../../lib/mail/mail-types.js';
import { parseMail } from '../../lib/mail/parse-mail.js';
import { remindConsultQuestions } from '../../lib/use-cases/remind-consult-questions.js';
import { sweepPromises } from '../../lib/use-cases/sweep-promises.js';
import { ownerReply, replyBody } from '../support/client-replies.js';
import { corpusAvailable, corpusFile } from '../support/corpus.js';
import { type CapturedMail, HandlerRig } from '../support/handler-rig.js';
import { LocalHarness, type OutboxMail, TEST_CONFIG_INPUT } from '../support/local-harness.js';
import { customerMail, ownerAnswer, rawMail } from '../support/mail-builder.js';

const JANE = 'jane@customer.test';
const CAROL = { address: 'carol@example.test', name: 'Carol Diaz' };
const DAVE = { address: 'dave@warehouse.test', name: 'Dave Lee' };
const OWNERS = {
  'alice@example.test': { address: 'alice@example.test', name: 'Alice Smith' },
  'bob@example.test': { address: 'bob@example.test', name: 'Bob Jones' },
} as const;
const QUESTION = 'Is the lamp of order 1234 still under warranty, or past the two years?';
const ANSWER = 'Yes: the warranty runs until March 2027, replace it free of charge.';

function to(mails: OutboxMail[], address: string): OutboxMail[] {
  return mails.filter((m) => m.mail.to.some((a) => a.address === address));
}

/** Asking colleagues behind the scenes, through SMTP in local mode, from the owner's own client. */
describe('an owner consults colleagues by mail', () => {
  let harness: LocalHarness;
  let relay: ParsedMail;
  let owner: { address: string; name: string };
  let conversationId: string;
  let toCarol: ParsedMail;
  let consultAnswer: ParsedMail;
  let janeMessageId: string;

  beforeAll(async () => {
    harness = await LocalHarness.start({
      config: { ...TEST_CONFIG_INPUT, consult: { allowedDomains: ['warehouse.test'] } },
    });
    janeMessageId = await harness.send({
      from: { name: 'Jane Doe', address: JANE },
      to: 'support@example.test',
      subject: 'Broken lamp',
      text: 'My lamp broke after a year.',
      attachments: [
        { filename: 'receipt.pdf', content: Buffer.from('%PDF-1.4 receipt'), contentType: 'application/pdf' },
      ],
    });
    const [first] = await harness.newOutboxMails();
    relay = (first as OutboxMail).mail;
    owner = OWNERS[relay.to[0]?.address as keyof typeof OWNERS];
    conversationId = relay.headers.get('x-spoc-conversation')?.[0] ?? '';
  });
  afterAll(async () => {
    await harness.stop();
  });

  it('#ask sends one question to each colleague from the owner via support, and nothing to the customer', async () => {
    await harness.send(
      ownerReply(
        'gmail',
        relay,
        owner,
        `#ask ${CAROL.name} <${CAROL.address}>, ${DAVE.address}\n${QUESTION}`,
      ),
    );
    const sent = await harness.newOutboxMails();
    expect(sent.map((m) => m.mail.to.map((a) => a.address))).toEqual([[CAROL.address], [DAVE.address]]);
    expect(to(sent, JANE)).toEqual([]);
    toCarol = (sent[0] as OutboxMail).mail;
    expect(toCarol.from?.name).toBe(`${owner.name} via Support`);
    expect(toCarol.from?.address).toMatch(/^consult\+[a-z0-9]+\.[a-f0-9]+@reply\.example\.test$/);
    expect(toCarol.from?.address.startsWith(`consult+${conversationId}.`)).toBe(true);
    expect(toCarol.replyTo[0]?.address).toBe(toCarol.from?.address);
    expect(toCarol.subject).toBe(`[Internal] Question from ${owner.name}: Broken lamp`);
    expect(toCarol.text).toContain(QUESTION);
    expect(toCarol.text).toContain('My lamp broke after a year.');
    expect(toCarol.attachments.map((a) => a.filename)).toEqual(['receipt.pdf']);
    expect(toCarol.text).not.toContain('reply+');
    expect(await harness.lastOutcome()).toMatchObject({ status: 'noted', reason: 'ask' });
  });

  it('refuses a colleague outside the allowed domains, naming them, and asks nobody', async () => {
    await harness.send(ownerReply('outlook', relay, owner, `#ask eve@gmail.com\n${QUESTION}`));
    const sent = await harness.newOutboxMails();
    expect(sent.map((m) => m.mail.to[0]?.address)).toEqual([owner.address]);
    expect(sent[0]?.mail.text).toContain('@example.test, @warehouse.test');
    expect(await harness.lastOutcome()).toMatchObject({ status: 'rejected', reason: 'command-invalid' });
  });

  it("the customer's next mail reaches the owner with the open questions in its context block", async () => {
    await harness.send({
      from: { name: 'Jane Doe', address: JANE },
      to: 'support@example.test',
      subject: 'Re: Broken lamp',
      text: 'Any news?',
      inReplyTo: janeMessageId,
      references: [janeMessageId],
    });
    const [followUp] = await harness.newOutboxMails();
    expect(followUp?.mail.headers.get('x-spoc-conversation')?.[0]).toBe(conversationId);
    expect(followUp?.mail.text).toContain(`Waiting on Carol Diaz <${CAROL.address}> since`);
    expect(followUp?.mail.text).toContain(`Waiting on ${DAVE.address} since`);
  });

  it("the colleague's Reply all reaches the owner only, from the consulted name, Reply-To the conversation", async () => {
    await harness.send({
      from: CAROL,
      to: toCarol.replyTo[0]?.address ?? '',
      subject: `RE: ${toCarol.subject}`,
      text: replyBody('outlook', toCarol, `${ANSWER}\n#close`),
      ...(toCarol.messageId ? { inReplyTo: toCarol.messageId, references: [toCarol.messageId] } : {}),
      attachments: [
        {
          filename: 'warranty.pdf',
          content: Buffer.from('%PDF-1.4 warranty'),
          contentType: 'application/pdf',
        },
      ],
    });
    const sent = await harness.newOutboxMails();
    expect(sent.map((m) => m.mail.to.map((a) => a.address))).toEqual([[owner.address]]);
    consultAnswer = (sent[0] as OutboxMail).mail;
    expect(consultAnswer.from?.name).toBe('Carol Diaz (consulted) via Support');
    expect(consultAnswer.replyTo[0]?.address).toBe(relay.replyTo[0]?.address);
    expect(consultAnswer.subject).toBe('Broken lamp');
    expect(consultAnswer.inReplyTo).toBeDefined();
    expect(consultAnswer.text).toContain(ANSWER);
    // The quoted question and conversation are stripped; the command in it is text, nothing ran.
    expect(consultAnswer.text).not.toContain('My lamp broke after a year.');
    expect(consultAnswer.text).toContain('#close');
    expect(consultAnswer.attachments.map((a) => a.filename)).toEqual(['warranty.pdf']);
    expect(await harness.lastOutcome()).toMatchObject({
      status: 'relayed-to-owner',
      reason: 'consult-answer',
    });
    const store = harness.server.deps.store;
    expect((await store.getConversation(conversationId))?.status).toBe('open');
    const notes = (await store.listMessages(conversationId)).filter((m) => m.direction === 'note');
    expect(notes.map((n) => [n.fromName, n.text.split('\n')[0]])).toEqual([
      ['Carol Diaz (consulted)', ANSWER],
    ]);
    const questions = await store.listConsultQuestions(conversationId);
    expect(questions.map((q) => [q.colleague.address, q.answeredAt !== undefined])).toEqual([
      [CAROL.address, true],
      [DAVE.address, false],
    ]);
  });

  it("the owner's Reply answers the customer in their own words, nothing internal with it", async () => {
    await harness.send(
      ownerReply('gmail', consultAnswer, owner, 'Good news, Jane: we replace your lamp this week.'),
    );
    const sent = await harness.newOutboxMails();
    const [toJane] = to(sent, JANE);
    expect(sent).toHaveLength(1);
    expect(toJane?.mail.text).toContain('Good news, Jane');
    const raw = toJane?.raw.toString('utf8') ?? '';
    for (const secret of [
      ANSWER,
      QUESTION,
      CAROL.address,
      DAVE.address,
      'consult+',
      'consulted',
      'warranty.pdf',
    ]) {
      expect(raw).not.toContain(secret);
    }
  });

  it('holds an answer that carries the question or the colleague answer', async () => {
    await harness.send(ownerReply('apple-mail', relay, owner, `Carol says: ${ANSWER}`));
    const held = await harness.newOutboxMails();
    expect(to(held, JANE)).toEqual([]);
    expect(await harness.lastOutcome()).toMatchObject({ status: 'quarantined', reason: 'internal-trace' });
    await harness.send(ownerReply('apple-mail', relay, owner, `I asked: ${QUESTION}`));
    expect(to(await harness.newOutboxMails(), JANE)).toEqual([]);
    expect(await harness.lastOutcome()).toMatchObject({ status: 'quarantined', reason: 'internal-trace' });
  });

  it('a stranger writing to the consult address is refused, and the owner told once without its text', async () => {
    const carolAddress = toCarol.replyTo[0]?.address ?? '';
    for (const from of [JANE, 'mallory@example.test']) {
      await harness.send({ from, to: carolAddress, subject: 'Re: question', text: 'SECRET STRANGER TEXT' });
      expect(await harness.lastOutcome()).toMatchObject({
        status: 'rejected',
        reason: 'sender-not-colleague',
      });
    }
    const sent = await harness.newOutboxMails();
    expect(sent.map((m) => m.mail.to[0]?.address)).toEqual([owner.address]);
    expect(sent[0]?.mail.text).toContain(JANE);
    expect(sent[0]?.raw.toString('utf8')).not.toContain('SECRET STRANGER TEXT');
  });

  it.runIf(corpusAvailable())(
    "a colleague's out-of-office is a one-line notice, never an answer",
    async () => {
      // The corpus out-of-office, as it came back to Dave's consult address.
      const autoReply = corpusFile('bounces-sisimai/rfc3834-01.eml');
      const address = (await consultAddressOf(harness, conversationId, DAVE.address)) ?? '';
      expect(address).toMatch(/^consult\+/);
      await harness.sendRaw(autoReply, { from: 'kijitora@example.net', to: [address] });
      expect(await harness.lastOutcome()).toMatchObject({ status: 'automatic' });
      const sent = await harness.newOutboxMails();
      expect(sent.map((m) => m.mail.to[0]?.address)).toEqual([owner.address]);
      expect(sent[0]?.mail.subject).toBe('[Support] dave@warehouse.test answered automatically');
      expect(sent[0]?.raw.toString('utf8')).not.toContain('I am currently away');
      const dave = (await harness.server.deps.store.listConsultQuestions(conversationId)).find(
        (q) => q.colleague.address === DAVE.address,
      );
      expect(dave?.answeredAt).toBeUndefined();
    },
  );

  it('an answer after a handoff reaches the new owner', async () => {
    const next =
      owner.address === 'alice@example.test' ? OWNERS['bob@example.test'] : OWNERS['alice@example.test'];
    await harness.send(ownerReply('gmail', relay, owner, `#handoff ${next.address}`));
    const handedOver = await harness.newOutboxMails();
    const history = to(handedOver, next.address)[0];
    expect(history?.mail.text).toContain('Questions to colleagues (internal):');
    await harness.send({
      from: CAROL,
      to: toCarol.replyTo[0]?.address ?? '',
      subject: `Re: ${toCarol.subject}`,
      text: replyBody('gmail', toCarol, 'One more thing: the bulb is not covered.'),
    });
    const sent = await harness.newOutboxMails();
    expect(sent.map((m) => m.mail.to[0]?.address)).toEqual([next.address]);
    expect(sent[0]?.mail.from?.name).toBe('Carol Diaz (consulted) via Support');
  });
  it('conversation show lists the rounds, export includes them, forget deletes them', async () => {
    const base = await mkdtemp(join(tmpdir(), 'spoc-consult-cli-'));
    await writeFile(join(base, 'spoc.config.json'), JSON.stringify(harness.config));
    const env = {
      SPOC_DATA_DIR: harness.dataDir,
      SPOC_OUTBOX_DIR: harness.outboxDir,
      SPOC_CONFIG: join(base, 'spoc.config.json'),
    };
    const cli = async (...argv: string[]) => {
      const out: string[] = [];
      const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => out.push(t), env, cwd: base });
      return { code, out: out.join('\n') };
    };
    const shown = await cli('conversation', 'show', conversationId);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('Questions to colleagues (internal):');
    expect(shown.out).toContain(`asked Carol Diaz <${CAROL.address}>: "${QUESTION}" (answered`);
    expect(shown.out).toContain(`asked ${DAVE.address}: "${QUESTION}" (open)`);
    expect(shown.out).toContain('note by Carol Diaz (consulted) (internal):');
    const exported = await cli('export', JANE);
    const items = (JSON.parse(exported.out) as { items: Array<Record<string, unknown>> }).items;
    expect(items.filter((item) => item.type === 'CONSULT').map((item) => item.questionId)).toHaveLength(2);
    expect(await cli('forget', JANE, '--yes')).toMatchObject({ code: 0 });
    expect(await harness.server.deps.store.listConsultQuestions(conversationId)).toEqual([]);
    await rm(base, { recursive: true, force: true });
  });
});

/** The consult address a colleague was given in a conversation, as the question mail to them carried it. */
async function consultAddressOf(
  harness: LocalHarness,
  conversationId: string,
  colleague: string,
): Promise<string | undefined> {
  for (const file of await readdir(harness.outboxDir)) {
    if (!file.endsWith('.eml')) continue;
    const mail = await parseMail(await readFile(join(harness.outboxDir, file)));
    if (mail.headers.get('x-spoc-conversation')?.[0] !== conversationId) continue;
    if (mail.to.some((a) => a.address === colleague) && mail.from?.address.startsWith('consult+')) {
      return mail.from.address;
    }
  }
  return undefined;
}

/** The same inbound delivered again (SES or the queue repeating itself) sends nothing twice. */
describe('consult mail delivered twice', () => {
  let engines: EmbeddedEngines;
  let rig: HandlerRig;

  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    rig = await HandlerRig.create(engines);
  });
  afterAll(async () => {
    await engines.close();
  });

  it('asks each colleague once and relays each answer once', async () => {
    await rig.deliver(await customerMail(JANE, 'Broken lamp', 'It broke.'), {
      from: JANE,
      to: ['support@example.test'],
    });
    const relay = rig.sender.mails[0] as CapturedMail;
    const ownerAddress = relay.envelope.to[0] ?? '';
    const ask = await rig.receive(
      await ownerAnswer(relay, ownerAddress, `#ask ${CAROL.address}\n${QUESTION}`),
      {
        from: ownerAddress,
        to: [relay.mail.replyTo[0]?.address ?? ''],
      },
    );
    await rig.run(ask.record);
    await rig.run(ask.record);
    const questions = rig.sender.to(CAROL.address);
    expect(questions).toHaveLength(1);
    const question = (questions[0] as CapturedMail).mail;
    const answer = await rig.receive(
      await rawMail({
        from: CAROL,
        to: question.replyTo[0]?.address ?? '',
        subject: `Re: ${question.subject}`,
        text: replyBody('gmail', question, ANSWER),
      }),
      { from: CAROL.address, to: [question.replyTo[0]?.address ?? ''] },
    );
    await rig.run(answer.record);
    await rig.run(answer.record);
    const relayed = rig.sender.to(ownerAddress).filter((m) => m.mail.from?.name?.includes('(consulted)'));
    expect(relayed).toHaveLength(1);
    expect(rig.sender.to(JANE)).toEqual([]);
    const conversationId = relay.mail.headers.get('x-spoc-conversation')?.[0] ?? '';
    const notes = (await rig.deps.store.listMessages(conversationId)).filter((m) => m.direction === 'note');
    expect(notes).toHaveLength(1);
    expect(await rig.deps.store.getInbound(answer.inboundId)).toMatchObject({
      outcome: { status: 'relayed-to-owner', reason: 'consult-answer' },
    });
  });

  /** A customer writes, their owner asks Carol about it: the relay, the owner's address, the question. */
  async function askCarolAbout(customer: string) {
    await rig.deliver(await customerMail(customer, 'Dented box', 'The box came dented.'), {
      from: customer,
      to: ['support@example.test'],
    });
    const relay = rig.sender.mails.at(-1) as CapturedMail;
    const ownerAddress = relay.envelope.to[0] ?? '';
    await rig.deliver(
      await ownerAnswer(relay, ownerAddress, `#ask ${CAROL.address}\nDid the box leave dented?`),
      {
        from: ownerAddress,
        to: [relay.mail.replyTo[0]?.address ?? ''],
      },
    );
    const conversationId = relay.mail.headers.get('x-spoc-conversation')?.[0] ?? '';
    const [question] = await rig.deps.store.listConsultQuestions(conversationId);
    if (!question) throw new Error('no question recorded');
    return { relay, ownerAddress, conversationId, question };
  }

  it('reminds the owner once of a question the colleague left unanswered past consult.remindAfter', async () => {
    const { ownerAddress, conversationId, question } = await askCarolAbout('joe@customer.test');
    const from = `${question.askedAt.slice(0, 10)}T00:00:00.000Z`;
    const before = new Date(Date.parse(question.remindAt) - 1000);
    expect(await remindConsultQuestions(rig.deps, from, before)).toEqual({ due: 0, reminded: 0 });
    const at = new Date(Date.parse(question.remindAt) + 60_000);
    const count = () =>
      rig.sender.to(ownerAddress).filter((m) => m.mail.subject.includes('has not answered yet')).length;
    expect(await remindConsultQuestions(rig.deps, from, at)).toEqual({ due: 1, reminded: 1 });
    expect(count()).toBe(1);
    expect(await remindConsultQuestions(rig.deps, from, new Date(at.getTime() + 86_400_000))).toEqual({
      due: 0,
      reminded: 0,
    });
    expect(count()).toBe(1);
    expect((await rig.deps.store.listConsultQuestions(conversationId))[0]?.remindedAt).toBe(at.toISOString());
  });

  it('reminds nobody of a question in a conversation the owner closed, and stops finding it', async () => {
    const { relay, ownerAddress, conversationId, question } = await askCarolAbout('kim@customer.test');
    await rig.deliver(await ownerAnswer(relay, ownerAddress, '#close'), {
      from: ownerAddress,
      to: [relay.mail.replyTo[0]?.address ?? ''],
    });
    expect((await rig.deps.store.getConversation(conversationId))?.status).toBe('closed');
    const from = `${question.askedAt.slice(0, 10)}T00:00:00.000Z`;
    const at = new Date(Date.parse(question.remindAt) + 60_000);
    const sentBefore = rig.sender.to(ownerAddress).length;
    expect(await remindConsultQuestions(rig.deps, from, at)).toEqual({ due: 1, reminded: 0 });
    expect(await remindConsultQuestions(rig.deps, from, at)).toEqual({ due: 0, reminded: 0 });
    expect(rig.sender.to(ownerAddress)).toHaveLength(sentBefore);
    expect((await rig.deps.store.listConsultQuestions(conversationId))[0]?.remindedAt).toBeUndefined();
  });
  it('the promise sweep nudges with the open question named, then reminds of it once', async () => {
    await rig.deliver(
      await customerMail('ann@customer.test', 'Refund', 'Where is my refund?'),
      {
        from: 'ann@customer.test',
        to: ['support@example.test'],
      },
      { receivedAt: rig.deps.now() },
    );
    const relay = rig.sender.mails
      .filter((m) => !m.envelope.to.includes('ann@customer.test'))
      .at(-1) as CapturedMail;
    const ownerAddress = relay.envelope.to[0] ?? '';
    await rig.deliver(
      await ownerAnswer(relay, ownerAddress, `#ask ${CAROL.address}\nWas the refund sent?`),
      {
        from: ownerAddress,
        to: [relay.mail.replyTo[0]?.address ?? ''],
      },
      { receivedAt: rig.deps.now() },
    );
    // Received now (not at the rig's fixed mail time), so the promise's times lie ahead of the sweeps.
    const conversationId = relay.mail.headers.get('x-spoc-conversation')?.[0] ?? '';
    const [conversation, [question]] = await Promise.all([
      rig.deps.store.getConversation(conversationId),
      rig.deps.store.listConsultQuestions(conversationId),
    ]);
    const promise = conversation?.promise;
    if (!promise || !question) throw new Error('no promise or question');
    const toOwner = (subjectPart: string) =>
      rig.sender
        .to(ownerAddress)
        .filter((m) => m.mail.text?.includes(subjectPart) || m.mail.subject.includes(subjectPart));
    // The question sent nothing to the customer, so the promise runs on and the nudge names whom the owner waits on.
    await sweepPromises(rig.deps, new Date(promise.nudgeAt));
    const [nudge, ...more] = toOwner('has been waiting for an answer since');
    expect(more).toEqual([]);
    expect(nudge?.mail.text).toContain(`You asked ${CAROL.address} (open since`);
    const at = new Date(Date.parse(question.remindAt) + 60_000);
    // The owner may hold reminders of earlier tests' questions: count from here.
    const earlier = toOwner('has not answered yet').length;
    const first = await sweepPromises(rig.deps, at);
    expect(first.consultReminders).toEqual({ due: 1, reminded: 1 });
    expect(toOwner('has not answered yet')).toHaveLength(earlier + 1);
    const again = await sweepPromises(rig.deps, new Date(at.getTime() + 60_000));
    expect(again.consultReminders).toEqual({ due: 0, reminded: 0 });
    expect(toOwner('has not answered yet')).toHaveLength(earlier + 1);
  });
});

/** A colleague's answer over `limits.maxMessageBytes` is not parsed; the owner learns of it all the same. */
describe('a consult answer too large to relay', () => {
  let engines: EmbeddedEngines;
  let rig: HandlerRig;

  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    rig = await HandlerRig.create(engines, { config: { limits: { maxMessageBytes: 64 * 1024 } } });
  });
  afterAll(async () => {
    await engines.close();
  });

  it('reaches the owner as a note of its size and where it is kept, from the consulted name', async () => {
    await rig.deliver(await customerMail(JANE, 'Broken lamp', 'It broke.'), {
      from: JANE,
      to: ['support@example.test'],
    });
    const relay = rig.sender.mails[0] as CapturedMail;
    const ownerAddress = relay.envelope.to[0] ?? '';
    await rig.deliver(await ownerAnswer(relay, ownerAddress, `#ask ${CAROL.address}\n${QUESTION}`), {
      from: ownerAddress,
      to: [relay.mail.replyTo[0]?.address ?? ''],
    });
    const question = (rig.sender.to(CAROL.address)[0] as CapturedMail).mail;
    const consultAddress = question.replyTo[0]?.address ?? '';
    const { outcome } = await rig.deliver(
      await rawMail({
        from: CAROL,
        to: consultAddress,
        subject: `Re: ${question.subject}`,
        text: ANSWER,
        attachments: [{ filename: 'scan.bin', content: Buffer.alloc(200 * 1024, 7) }],
      }),
      { from: CAROL.address, to: [consultAddress] },
    );
    expect(outcome).toMatchObject({ status: 'relayed-to-owner', reason: 'consult-answer' });
    const told = rig.sender.to(ownerAddress).at(-1);
    expect(told?.mail.from?.name).toBe('Carol Diaz (consulted) via Support');
    expect(told?.mail.text).toContain('This answer was too large to relay');
    expect(told?.mail.text).toContain('scan.bin');
    expect(rig.sender.to(JANE)).toEqual([]);
  });
});
