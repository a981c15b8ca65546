import { describe, expect, it } from 'vitest';
import type { ConsultQuestion } from '../../../lib/domain/consult-round.js';
import { markEscalated, markNudged, openPromise, pausePromise } from '../../../lib/domain/promise-state.js';
import type { ConversationMessage, Owner, ResponsePromise } from '../../../lib/domain/types.js';
import { composeMail } from '../../../lib/mail/compose-mail.js';
import { parseMail } from '../../../lib/mail/parse-mail.js';
import { type PromiseStepFacts, planPromiseStep } from '../../../lib/use-cases/plan-promise-step.js';
import { ALICE, BOB, CONFIG, conversation, JANE, sent } from './fixtures.js';

const CAROL: Owner = { ...BOB, email: 'carol@example.test', name: 'Carol King' };
const LEAD = 'lead@example.test';
const REPLY = 'reply+token@reply.example.test';
// Wednesday 2 December 2026, 10:00 in Berlin: first answer due 14:00 Berlin (13:00 UTC), nudge at 12:00 UTC.
const opened = openPromise(
  {},
  {
    receivedAt: new Date('2026-12-02T09:00:00Z'),
    kind: 'first-response',
    times: { nudgeAt: new Date('2026-12-02T12:00:00Z'), dueAt: new Date('2026-12-02T13:00:00Z') },
  },
);
const promise = opened.promise as ResponsePromise;
const message: ConversationMessage = {
  conversationId: 'c-1',
  id: 'in-1',
  at: '2026-12-02T09:00:00.000Z',
  direction: 'from-customer',
  fromAddress: JANE.email,
  fromName: 'Jane Doe',
  subject: 'Order',
  text: 'Where is my order 4711?',
  attachments: [],
};

function facts(overrides: Partial<PromiseStepFacts> & { promise?: ResponsePromise } = {}): PromiseStepFacts {
  const { promise: given, ...rest } = overrides;
  return {
    conversation: conversation({ promise: given ?? promise, promiseEpoch: 1, promiseRev: 1 }),
    customer: JANE,
    owner: { ...ALICE, backupEmail: BOB.email },
    owners: [{ ...ALICE, backupEmail: BOB.email }, BOB, CAROL],
    messages: [message],
    replyAddress: REPLY,
    now: new Date('2026-12-02T12:00:00Z'),
    config: { ...CONFIG, escalation: { leadAddress: LEAD } },
    ...rest,
  };
}

const recipients = (plan: ReturnType<typeof planPromiseStep>) =>
  plan.operation.mails.map((m) => [m.key, m.mail.envelope.to]);

describe('planPromiseStep (pure)', () => {
  it('does nothing before the nudge time, or without a promise', () => {
    expect(planPromiseStep(facts({ now: new Date('2026-12-02T11:59:59Z') })).step).toBe('none');
    expect(planPromiseStep({ ...facts(), conversation: conversation() }).step).toBe('none');
  });

  it('nudges the owner once in the owner thread, from the reply address, then waits for the due time', async () => {
    const plan = planPromiseStep(facts());
    expect(plan.step).toBe('nudge');
    expect(recipients(plan)).toEqual([['promise:c-1:1:nudge', [ALICE.email]]]);
    const [nudge] = plan.operation.mails;
    const compose = nudge?.mail.compose;
    expect(compose?.from.address).toBe(REPLY);
    expect(compose?.replyTo?.address).toBe(REPLY);
    expect(compose?.inReplyTo).toBe('<relay-1@reply.example.test>');
    expect(compose?.text).toContain('waiting for an answer since 2026-12-02 09:00 UTC (3 hours)');
    expect(compose?.text).toContain('Where is my order 4711?');
    expect(nudge?.afterSend?.(sent('n', '<n@x>'))).toMatchObject([
      { kind: 'append-to-thread', thread: 'ownerThread', messageIds: ['<ses-n@email.amazonses.com>'] },
    ]);
    expect(plan.operation.after).toEqual([
      {
        kind: 'write-promise',
        conversationId: 'c-1',
        slot: { promise: { ...promise, nudgedAt: '2026-12-02T12:00:00.000Z' }, promiseEpoch: 1 },
        seenRev: 1,
        at: '2026-12-02T12:00:00.000Z',
      },
    ]);
    // The mail composes and parses as a mail to the owner only.
    const parsed = await parseMail(await composeMail(compose ?? ({} as never)));
    expect(parsed.to.map((a) => a.address)).toEqual([ALICE.email]);
  });

  it('names in the nudge the colleagues the owner still waits on, and only the open questions', () => {
    const asked = (address: string, name: string, answeredAt?: string): ConsultQuestion => ({
      conversationId: 'c-1',
      questionId: `q-${address}`,
      colleague: { address, name },
      askedBy: { address: ALICE.email, name: ALICE.name },
      askedAt: '2026-12-02T09:30:00.000Z',
      question: 'Did it ship?',
      tokenKeyId: '',
      messageId: `<q-${address}@reply.example.test>`,
      remindAt: '2026-12-03T09:30:00.000Z',
      ...(answeredAt ? { answeredAt } : {}),
    });
    const text = (questions: ConsultQuestion[]) =>
      planPromiseStep(facts({ questions })).operation.mails[0]?.mail.compose.text ?? '';
    expect(
      text([asked('dan@example.test', 'Dan Wu'), asked('eve@example.test', 'Eve', '2026-12-02T10:00:00Z')]),
    ).toContain(
      'You asked Dan Wu (open since 2026-12-02 09:30 UTC); your promise to the customer keeps running while you wait.',
    );
    expect(text([asked('eve@example.test', 'Eve', '2026-12-02T10:00:00Z')])).not.toContain('You asked');
    expect(text([])).not.toContain('You asked');
  });

  it('plans the same keys and message ids when planned again: a repeated sweep sends nothing new', () => {
    const first = planPromiseStep(facts());
    const again = planPromiseStep(facts());
    expect(again.operation.mails.map((m) => [m.key, m.mail.messageId])).toEqual(
      first.operation.mails.map((m) => [m.key, m.mail.messageId]),
    );
  });

  it('at the due time hands the conversation with its history to the backup and tells the owner once', () => {
    const now = new Date('2026-12-02T13:00:00Z');
    const plan = planPromiseStep(
      facts({ promise: markNudged(promise, new Date('2026-12-02T12:00:00Z')), now }),
    );
    expect(plan.step).toBe('escalate');
    expect(plan.escalatedTo).toBe(BOB.email);
    expect(recipients(plan)).toEqual([
      ['promise:c-1:1:escalate', [BOB.email]],
      ['promise:c-1:1:escalate-notice', [ALICE.email]],
    ]);
    const [handover, notice] = plan.operation.mails;
    expect(handover?.mail.compose.from.address).toBe(REPLY);
    expect(handover?.mail.compose.text).toContain('Where is my order 4711?');
    expect(handover?.mail.compose.text).toContain('cover for Alice Smith');
    expect(notice?.mail.compose.text).toContain('went to your backup, Bob Jones');
    const write = plan.operation.after[0];
    if (write?.kind !== 'write-promise') throw new Error('no promise write');
    // Bob's own span: 4 business hours from 14:00 Berlin on Wednesday, 30 minutes into Thursday.
    expect(write.slot.promise).toMatchObject({
      state: 'escalated',
      escalatedTo: BOB.email,
      escalatedAt: '2026-12-02T13:00:00.000Z',
      backupDueAt: '2026-12-03T08:30:00.000Z',
    });
  });

  it('skips a nudge whose due time has passed too and escalates at once', () => {
    const plan = planPromiseStep(facts({ now: new Date('2026-12-02T15:00:00Z') }));
    expect(plan.step).toBe('escalate');
    expect(plan.operation.mails.map((m) => m.key)).not.toContain('promise:c-1:1:nudge');
  });

  it('escalates an owner on cover through their cover, never to the absent owner', () => {
    const away = { since: '2026-12-01T00:00:00.000Z', until: '2026-12-20', backupEmail: CAROL.email };
    const owner = { ...ALICE, backupEmail: BOB.email, away };
    const carol = { ...CAROL, backupEmail: BOB.email };
    const now = new Date('2026-12-02T13:00:00Z');
    const plan = planPromiseStep(
      facts({ promise: markNudged(promise, now), owner, owners: [owner, BOB, carol], now }),
    );
    // Carol, covering, was the silent one: she is told; Bob, her backup, takes it.
    expect(recipients(plan)).toEqual([
      ['promise:c-1:1:escalate', [BOB.email]],
      ['promise:c-1:1:escalate-notice', [CAROL.email]],
    ]);
    expect(plan.operation.mails[0]?.mail.compose.text).toContain('Carol King has not answered');
    // Nudges go to the cover too.
    expect(recipients(planPromiseStep(facts({ owner, owners: [owner, BOB, carol] })))).toEqual([
      ['promise:c-1:1:nudge', [CAROL.email]],
    ]);
  });

  it('tells the owner and the lead at once when nobody can take it over', () => {
    const owner = { ...ALICE };
    const now = new Date('2026-12-02T13:00:00Z');
    const plan = planPromiseStep(
      facts({ owner, owners: [owner, BOB], now, promise: markNudged(promise, now) }),
    );
    expect(recipients(plan)).toEqual([
      ['promise:c-1:1:escalate-notice', [ALICE.email]],
      ['promise:c-1:1:tell-lead', [LEAD]],
    ]);
    const write = plan.operation.after[0];
    expect(write?.kind === 'write-promise' && write.slot.promise?.leadToldAt).toBe(now.toISOString());
  });

  it("tells the lead once when the backup's span ran out, naming customer, owner, backup and the wait", () => {
    const escalated = markEscalated(markNudged(promise, new Date('2026-12-02T12:00:00Z')), {
      to: BOB.email,
      at: new Date('2026-12-02T13:00:00Z'),
      backupDueAt: new Date('2026-12-03T08:30:00Z'),
    });
    expect(planPromiseStep(facts({ promise: escalated, now: new Date('2026-12-03T08:29:00Z') })).step).toBe(
      'none',
    );
    const plan = planPromiseStep(facts({ promise: escalated, now: new Date('2026-12-03T08:30:00Z') }));
    expect(recipients(plan)).toEqual([['promise:c-1:1:tell-lead', [LEAD]]]);
    const text = plan.operation.mails[0]?.mail.compose.text ?? '';
    expect(text).toContain(JANE.email);
    expect(text).toContain('Owner: Alice Smith. Backup: Bob Jones');
    // The lead may be outside the team: no owner's mailbox, no reply address, no reply domain.
    expect(text).not.toContain(ALICE.email);
    expect(text).not.toContain(BOB.email);
    expect(text).not.toContain('reply.example.test');
    expect(plan.operation.mails[0]?.mail.messageId).not.toContain('reply.example.test');
    expect(text).toContain('waited 23 hours 30 minutes');
  });

  it('reminds on the #wait day and runs the promise again as a new epoch', () => {
    const paused = pausePromise(opened, {
      waitUntil: '2026-12-10',
      resumeAt: new Date('2026-12-10T08:00:00Z'),
      now: new Date('2026-12-02T10:00:00Z'),
    }).promise as ResponsePromise;
    const plan = planPromiseStep(facts({ promise: paused, now: new Date('2026-12-10T08:01:00Z') }));
    expect(recipients(plan)).toEqual([['promise:c-1:1:remind-2026-12-10', [ALICE.email]]]);
    expect(plan.operation.mails[0]?.mail.compose.text).toContain('#wait until 2026-12-10');
    const write = plan.operation.after[0];
    if (write?.kind !== 'write-promise') throw new Error('no promise write');
    // 8 business hours from 09:00 Berlin Thursday: 17:00 Berlin.
    expect(write.slot.promise).toMatchObject({ epoch: 2, state: 'open', dueAt: '2026-12-10T16:00:00.000Z' });
  });

  it('sends nothing to the customer, in any step', () => {
    const steps = [
      facts(),
      facts({ now: new Date('2026-12-02T14:00:00Z') }),
      facts({
        promise: markEscalated(promise, {
          to: BOB.email,
          at: new Date(),
          backupDueAt: new Date('2026-12-02T14:00:00Z'),
        }),
        now: new Date('2026-12-02T14:00:00Z'),
      }),
    ];
    for (const step of steps) {
      for (const mail of planPromiseStep(step).operation.mails) {
        expect(mail.mail.envelope.to).not.toContain(JANE.email);
        expect(mail.mail.compose.to.map((a) => a.address)).not.toContain(JANE.email);
      }
    }
  });
});
