import { describe, expect, it } from 'vitest';
import {
  askedColleagues,
  type ConsultQuestion,
  consultRemindAt,
  consultReminderDue,
  consultRoundLines,
  MAX_STORED_QUESTION_CHARS,
  openQuestionLines,
  openQuestionsNudgeLine,
  questionAnswered,
  storedQuestionText,
} from '../../../lib/domain/consult-round.js';

const HOURS = { timeZone: 'Europe/Berlin', days: 'mon-fri', from: '09:00', to: '17:30' };

function question(overrides: Partial<ConsultQuestion> = {}): ConsultQuestion {
  return {
    conversationId: 'c1',
    questionId: 'ask-1',
    colleague: { address: 'carol@agents.test', name: 'Carol Diaz' },
    askedBy: { address: 'alice@agents.test', name: 'Alice Smith' },
    askedAt: '2026-12-01T10:00:00.000Z',
    question: 'Was the refund booked?\nOrder 1234.',
    tokenKeyId: '',
    messageId: '<q1@reply.test>',
    remindAt: '2026-12-02T10:00:00.000Z',
    ...overrides,
  };
}

describe('consultRemindAt', () => {
  it('is one business day later in the owner hours: Friday afternoon reminds on Monday afternoon', () => {
    // Friday 2026-12-04 15:00 Berlin (14:00 UTC); a business day of 8.5 h ends Monday 15:00 Berlin.
    const at = consultRemindAt({
      askedAt: new Date('2026-12-04T14:00:00.000Z'),
      remindAfter: '1d',
      owner: {},
      defaultHours: HOURS,
      holidays: [],
    });
    expect(at.toISOString()).toBe('2026-12-07T14:00:00.000Z');
  });

  it('takes the owner their own hours and skips holidays', () => {
    const at = consultRemindAt({
      askedAt: new Date('2026-12-04T14:00:00.000Z'),
      remindAfter: '4h',
      owner: { hours: { timeZone: 'UTC', days: 'mon-fri', from: '08:00', to: '16:00' } },
      defaultHours: HOURS,
      holidays: ['2026-12-07'],
    });
    // 2 h left on Friday, Monday is a holiday, 2 h more on Tuesday from 08:00 UTC.
    expect(at.toISOString()).toBe('2026-12-08T10:00:00.000Z');
  });

  it('throws on a duration the config would not have let through', () => {
    expect(() =>
      consultRemindAt({
        askedAt: new Date(),
        remindAfter: 'soon',
        owner: {},
        defaultHours: HOURS,
        holidays: [],
      }),
    ).toThrow(/not a duration/);
  });
});

describe('consultReminderDue', () => {
  const now = new Date('2026-12-02T10:00:00.000Z');
  it('is due once its time has come, while unanswered and unreminded', () => {
    expect(consultReminderDue(question(), now)).toBe(true);
    expect(consultReminderDue(question(), new Date('2026-12-02T09:59:59.999Z'))).toBe(false);
  });
  it('is never due once answered, reminded, or in a closed conversation', () => {
    expect(consultReminderDue(question({ answeredAt: '2026-12-01T11:00:00.000Z' }), now)).toBe(false);
    expect(consultReminderDue(question({ remindedAt: '2026-12-02T10:00:00.000Z' }), now)).toBe(false);
    expect(consultReminderDue(question(), now, { status: 'closed' })).toBe(false);
    expect(consultReminderDue(question(), now, { status: 'open' })).toBe(true);
  });
});

describe('questionAnswered', () => {
  const first = question();
  const second = question({ questionId: 'ask-2', askedAt: '2026-12-01T12:00:00.000Z' });
  const dave = question({ colleague: { address: 'dave@agents.test', name: '' } });
  it('is the oldest question still open to that colleague', () => {
    expect(questionAnswered([second, dave, first], 'Carol@Agents.test')).toBe(first);
    expect(questionAnswered([second, first], 'dave@agents.test')).toBeUndefined();
  });
  it('is the newest one asked when all were answered', () => {
    const answered = { answeredAt: '2026-12-01T13:00:00.000Z' };
    const a = { ...first, ...answered };
    const b = { ...second, ...answered };
    expect(questionAnswered([a, b], 'carol@agents.test')).toBe(b);
    expect(questionAnswered([a, second], 'carol@agents.test')).toBe(second);
  });
  it('names each colleague asked once', () => {
    expect(askedColleagues([second, dave, first])).toEqual(['carol@agents.test', 'dave@agents.test']);
  });
});

describe('lines of the record', () => {
  const answered = question({
    questionId: 'ask-0',
    askedAt: '2026-11-30T08:00:00.000Z',
    answeredAt: '2026-11-30T09:30:00.000Z',
  });
  const open = question({
    colleague: { address: 'dave@agents.test', name: '' },
    remindedAt: '2026-12-02T10:00:00.000Z',
  });
  it('the context block and the nudge name open questions only', () => {
    expect(openQuestionLines([open, answered])).toEqual([
      'Waiting on dave@agents.test since 2026-12-01 10:00 UTC (asked by Alice Smith)',
    ]);
    expect(openQuestionsNudgeLine([open, answered])).toBe(
      'You asked dave@agents.test (open since 2026-12-01 10:00 UTC); your promise to the customer keeps running while you wait.',
    );
    expect(openQuestionsNudgeLine([answered])).toBeUndefined();
    expect(openQuestionLines([])).toEqual([]);
  });
  it('the rounds list every question, oldest first, with its state and the first line asked', () => {
    expect(consultRoundLines([open, answered])).toEqual([
      '[2026-11-30 08:00 UTC] Alice Smith asked Carol Diaz <carol@agents.test>: "Was the refund booked?" (answered 2026-11-30 09:30 UTC)',
      '[2026-12-01 10:00 UTC] Alice Smith asked dave@agents.test: "Was the refund booked?" (open, reminded 2026-12-02 10:00 UTC)',
    ]);
  });
  it('keeps a bounded question on the record', () => {
    expect(storedQuestionText('x'.repeat(100_000))).toHaveLength(MAX_STORED_QUESTION_CHARS + 1);
    expect(storedQuestionText('  short  ')).toBe('short');
  });
});
