import { describe, expect, it } from 'vitest';
import type { StoreWrite } from '../../../lib/delivery/delivery-plan.js';
import type { ResponsePromise } from '../../../lib/domain/types.js';
import { type CustomerRelayFacts, planCustomerRelay } from '../../../lib/use-cases/relay-customer-mail.js';
import { type OwnerAnswerFacts, planOwnerAnswer } from '../../../lib/use-cases/relay-owner-reply.js';
import { commandOf, planOwnerCommand } from '../../../lib/use-cases/run-owner-command.js';
import { ALICE, BOB, CONFIG, conversation, JANE, mail, NOTICE, NOW, SECRET, sent } from './fixtures.js';

// NOTICE.receivedAt is Friday 2026-12-04 10:59:30 in Berlin (the config's hours: mon-fri 09:00-17:30).
const relayFacts = (overrides: Partial<CustomerRelayFacts> = {}): CustomerRelayFacts => ({
  config: CONFIG,
  replyTokenSecret: SECRET,
  now: NOW,
  notice: NOTICE,
  mail: mail(),
  customerEmail: JANE.email,
  customerName: 'Jane Doe',
  thread: undefined,
  owners: [ALICE, BOB],
  assigned: { customer: { ...JANE, firstInboundId: NOTICE.inboundId }, owner: ALICE },
  cover: { recipient: ALICE },
  mayGreet: false,
  ...overrides,
});

const relayed = sent('in-2:owner', '<in-2.owner@reply.example.test>');

function threadWrite(writes: StoreWrite[] | undefined) {
  const write = writes?.find((w) => w.kind === 'record-threads');
  if (write?.kind !== 'record-threads') throw new Error('no thread write');
  return write;
}

const RUNNING: ResponsePromise = {
  epoch: 3,
  state: 'open',
  kind: 'follow-up',
  waitingSince: '2026-12-04T08:00:00.000Z',
  nudgeAt: '2026-12-04T14:00:00.000Z',
  dueAt: '2026-12-04T16:00:00.000Z',
};

describe('a customer mail that waits for an answer opens the promise, in the same write as its threads', () => {
  it('gives a new conversation a first-response promise in the owner business hours', () => {
    const plan = planCustomerRelay(relayFacts({ mayGreet: true }));
    expect(threadWrite(plan.relay?.afterSend(relayed)).add.promise).toEqual({
      promise: {
        epoch: 1,
        state: 'open',
        kind: 'first-response',
        waitingSince: NOTICE.receivedAt,
        // 4h of business time from 10:59:30 (Berlin, UTC+1): 3h for the nudge, 4h for the due time.
        nudgeAt: '2026-12-04T12:59:30.000Z',
        dueAt: '2026-12-04T13:59:30.000Z',
      },
      promiseEpoch: 1,
    });
    // The first-contact greeting is not an answer: it touches no promise.
    expect(JSON.stringify(plan.followUps)).not.toContain('promise');
  });

  it('gives a conversation already answered a follow-up promise, across the weekend', () => {
    const thread = conversation({ firstAnswer: { id: 'in-1', at: '2026-11-01T10:00:00.000Z' } });
    const plan = planCustomerRelay(relayFacts({ thread }));
    // 8h: 6h30m30s left on Friday, the rest from 09:00 on Monday 7 December.
    expect(threadWrite(plan.relay?.afterSend(relayed)).add.promise?.promise).toMatchObject({
      kind: 'follow-up',
      nudgeAt: '2026-12-04T15:59:30.000Z',
      dueAt: '2026-12-07T09:29:30.000Z',
    });
  });

  it('counts time in the owner own hours and zone, not the config ones', () => {
    const owner = {
      ...ALICE,
      hours: { timeZone: 'America/New_York', days: 'mon-fri', from: '09:00', to: '17:00' },
    };
    const plan = planCustomerRelay(relayFacts({ assigned: { customer: JANE, owner } }));
    // 04:59:30 in New York: the 4h start at 09:00 there (14:00Z).
    expect(threadWrite(plan.relay?.afterSend(relayed)).add.promise?.promise?.dueAt).toBe(
      '2026-12-04T18:00:00.000Z',
    );
  });

  it('keeps a running promise as it is: the customer waits since the older mail', () => {
    const thread = conversation({ promise: RUNNING, promiseEpoch: 3 });
    const plan = planCustomerRelay(relayFacts({ thread }));
    expect(threadWrite(plan.relay?.afterSend(relayed)).add).not.toHaveProperty('promise');
  });

  it('runs a paused promise again from the new mail, with a new epoch', () => {
    const paused: ResponsePromise = {
      ...RUNNING,
      state: 'paused',
      waitUntil: '2026-12-20',
      resumeAt: '2026-12-21T08:00:00.000Z',
    };
    const thread = conversation({ promise: paused, promiseEpoch: 3 });
    const promise = threadWrite(planCustomerRelay(relayFacts({ thread })).relay?.afterSend(relayed)).add
      .promise;
    expect(promise).toMatchObject({ promise: { epoch: 4, state: 'open' }, promiseEpoch: 4 });
  });

  it('does not open a promise again for a mail already on the thread (a retry after its threads were written)', () => {
    const thread = conversation({ customerThread: ['<first@customer.test>', '<m-2@customer.test>'] });
    const plan = planCustomerRelay(relayFacts({ thread }));
    expect(threadWrite(plan.relay?.afterSend(relayed)).add).not.toHaveProperty('promise');
  });
});

const ANSWER = mail({
  messageId: '<answer@owner.test>',
  from: { address: ALICE.email, name: ALICE.name },
  text: 'Your order ships today.',
});

function answerFacts(overrides: Partial<OwnerAnswerFacts> = {}): OwnerAnswerFacts {
  const accepted = overrides.conversation ?? conversation();
  const writer = overrides.writer ?? ALICE;
  const answer = overrides.mail ?? ANSWER;
  return {
    config: CONFIG,
    now: NOW,
    notice: NOTICE,
    mail: answer,
    token: { conversationId: accepted.id, signature: 'sig-abcdef' },
    conversation: accepted,
    asCover: writer !== ALICE,
    owner: ALICE,
    writer,
    owners: [ALICE, BOB],
    customer: JANE,
    firstResponseSeconds: undefined,
    suppression: undefined,
    notes: [],
    remembered: [],
    command: planOwnerCommand({
      config: CONFIG,
      replyTokenSecret: SECRET,
      now: NOW,
      notice: NOTICE,
      mail: answer,
      conversation: accepted,
      sender: { email: writer.email, name: writer.name, asCover: writer !== ALICE },
      owners: [ALICE, BOB],
      parsed: commandOf(answer),
    }),
    ...overrides,
  };
}

const answerSent = sent('in-2:customer', '<in-2.customer@example.test>');

describe('an answer relayed to the customer keeps the promise', () => {
  it('ends the promise in the thread write and records how it ended on the stored answer', async () => {
    const plan = await planOwnerAnswer(answerFacts({ conversation: conversation({ promise: RUNNING }) }));
    expect(threadWrite(plan.relay?.afterSend(answerSent)).add.promise).toEqual({
      promise: undefined,
      promiseEpoch: 3,
    });
    const end = { ownerEmail: ALICE.email, result: 'kept', escalated: false, answered: true, byOwner: true };
    expect(plan.relay?.beside).toMatchObject([{ kind: 'put-message', message: { promiseEnd: end } }]);
    expect(plan.outcome(answerSent).promiseEnd).toEqual(end);
  });

  it('counts an answer after the due time, or after the escalation, as broken, and one by the backup as not the owner', async () => {
    const late = await planOwnerAnswer(
      answerFacts({
        conversation: conversation({ promise: { ...RUNNING, dueAt: '2026-12-04T09:00:00.000Z' } }),
      }),
    );
    expect(late.outcome(answerSent).promiseEnd).toMatchObject({ result: 'broken', escalated: false });
    const escalated = await planOwnerAnswer(
      answerFacts({
        writer: BOB,
        conversation: conversation({
          promise: { ...RUNNING, state: 'escalated', escalatedTo: BOB.email, escalatedAt: RUNNING.dueAt },
        }),
      }),
    );
    expect(escalated.outcome(answerSent).promiseEnd).toEqual({
      ownerEmail: ALICE.email,
      result: 'broken',
      escalated: true,
      answered: true,
      byOwner: false,
    });
    expect(threadWrite(escalated.relay?.afterSend(answerSent)).add.promise).toEqual({
      promise: undefined,
      promiseEpoch: 3,
    });
  });

  it('measures a first answer in business time', async () => {
    const first: ResponsePromise = {
      ...RUNNING,
      kind: 'first-response',
      // Thursday 17:00 in Berlin; the answer comes Friday 11:00: 30m + 2h of business time.
      waitingSince: '2026-12-03T16:00:00.000Z',
      dueAt: '2026-12-04T11:30:00.000Z',
    };
    const plan = await planOwnerAnswer(answerFacts({ conversation: conversation({ promise: first }) }));
    expect(plan.outcome(answerSent).promiseEnd).toMatchObject({
      result: 'kept',
      firstResponseBusinessSeconds: 9000,
    });
  });

  it('writes nothing about a promise when none runs', async () => {
    const plan = await planOwnerAnswer(answerFacts());
    expect(threadWrite(plan.relay?.afterSend(answerSent)).add).not.toHaveProperty('promise');
    expect(plan.outcome(answerSent)).not.toHaveProperty('promiseEnd');
  });
});

describe('#close and #wait', () => {
  const decide = (text: string, promise?: ResponsePromise) => {
    const answer = mail({ from: { address: ALICE.email, name: ALICE.name }, text });
    const accepted = conversation(promise ? { promise, promiseEpoch: promise.epoch } : {});
    return planOwnerCommand({
      config: CONFIG,
      replyTokenSecret: SECRET,
      now: NOW,
      notice: NOTICE,
      mail: answer,
      conversation: accepted,
      sender: { email: ALICE.email, name: ALICE.name, asCover: false },
      owners: [ALICE, BOB],
      parsed: commandOf(answer, '2026-12-04'),
    });
  };

  it('#close ends the promise without an answer; with text below, the answer that follows keeps it', () => {
    const closed = decide('#close', RUNNING);
    if (!closed.done) throw new Error('not done');
    expect(closed.operation.before).toEqual([
      expect.objectContaining({ kind: 'update-conversation' }),
      { kind: 'count-open', conversationId: 'c-1' },
      {
        kind: 'write-promise',
        conversationId: 'c-1',
        slot: { promise: undefined, promiseEpoch: 3 },
        seenRev: undefined,
        at: NOW.toISOString(),
      },
      {
        kind: 'put-message',
        message: expect.objectContaining({
          direction: 'note',
          text: `Closed; the customer had waited since ${RUNNING.waitingSince}.`,
          promiseEnd: {
            ownerEmail: ALICE.email,
            result: 'kept',
            escalated: false,
            answered: false,
            byOwner: false,
          },
        }),
      },
    ]);
    expect(closed.outcome.promiseEnd).toMatchObject({ result: 'kept', answered: false });
    const withText = decide('#close\nThanks, all done.', RUNNING);
    expect(withText.operation?.before.map((w) => w.kind)).toEqual(['update-conversation', 'count-open']);
    const nothing = decide('#close');
    if (!nothing.done) throw new Error('not done');
    expect(nothing.operation.before.map((w) => w.kind)).toEqual(['update-conversation', 'count-open']);
  });

  it('#wait pauses the promise until the start of that day in the owner hours, and keeps a private note', () => {
    const effect = decide('#wait 2026-12-10\nThe supplier answers next week.', RUNNING);
    if (!effect.done) throw new Error('not done');
    expect(effect.operation.mails).toEqual([]);
    expect(effect.operation.before).toMatchObject([
      {
        kind: 'put-message',
        message: { direction: 'note', text: 'Waiting until 2026-12-10.\nThe supplier answers next week.' },
      },
      {
        kind: 'write-promise',
        slot: {
          promise: {
            epoch: 3,
            state: 'paused',
            waitUntil: '2026-12-10',
            // 09:00 in Berlin.
            resumeAt: '2026-12-10T08:00:00.000Z',
          },
          promiseEpoch: 3,
        },
      },
    ]);
  });

  it('#wait without a running promise starts one paused, so the owner is still reminded', () => {
    const effect = decide('#wait 2026-12-10');
    if (!effect.done) throw new Error('not done');
    expect(effect.operation.before[1]).toMatchObject({
      kind: 'write-promise',
      slot: { promise: { epoch: 1, state: 'paused', resumeAt: '2026-12-10T08:00:00.000Z' } },
    });
  });

  it('#wait refuses a day that has passed in the owner zone, and sends the owner the list of commands', () => {
    const effect = decide('#wait 2026-12-04', RUNNING);
    expect(effect).toMatchObject({ done: true, outcome: { status: 'rejected', reason: 'command-invalid' } });
  });
});
