import { parseBusinessDuration } from './business-duration.js';
import { businessHoursOf, effectiveHoursSpec, InvalidBusinessTimeError } from './business-hours.js';
import { addBusinessTime } from './business-time.js';
import type { Colleague } from './consult-colleagues.js';
import { displayNameOr } from './mail-address.js';
import type { BusinessHoursSpec, Owner } from './types.js';

/**
 * The most characters of an owner's question kept on each of its items: the question mail carries it
 * whole, the record keeps enough to recognise it, so an item stays far below DynamoDB's 400 KB.
 */
export const MAX_STORED_QUESTION_CHARS = 4000;

/**
 * One question of a consult round to one colleague: an `#ask` naming three colleagues is three of these,
 * sharing `questionId`. Its own item in the conversation's partition, written once when the question
 * goes out and then only given a few fixed fields (never a list that grows), so it stays bounded.
 */
export interface ConsultQuestion {
  conversationId: string;
  /** The round: the inbound id of the owner's `#ask` mail, so a redelivered `#ask` is the same round. */
  questionId: string;
  /** The colleague asked (lower-cased address) and the name written beside it. */
  colleague: Colleague;
  /** Who asked: the owner, or the backup covering for them. */
  askedBy: { address: string; name: string };
  askedAt: string;
  /** The owner's question, at most {@link MAX_STORED_QUESTION_CHARS} characters of it. */
  question: string;
  /** The id of the reply-token key the colleague's consult address was signed with ('' for none). */
  tokenKeyId: string;
  /** The Message-ID of the question mail, so an answer and a later question thread for the colleague. */
  messageId: string;
  /** When the owner is reminded if the colleague has not answered (business time after `askedAt`). */
  remindAt: string;
  /** When that one reminder went out. */
  remindedAt?: string;
  /** The colleague's first answer; the question is open until then. */
  answeredAt?: string;
  /** The colleague's newest answer. */
  lastAnsweredAt?: string;
}

/** Whether a question still waits for its colleague. */
export function isOpenQuestion(question: Pick<ConsultQuestion, 'answeredAt'>): boolean {
  return question.answeredAt === undefined;
}

/** The config's `consult.remindAfter` (`1d`, `4h`) as a business duration. */
function remindAfterDuration(remindAfter: string) {
  const duration = parseBusinessDuration(remindAfter);
  if (!duration.ok) throw new InvalidBusinessTimeError(duration.problem);
  return duration.value;
}

/**
 * When the owner is reminded of a question asked at `askedAt`: `consult.remindAfter` of business time
 * later, in the asking owner's hours (their own, else `defaultHours`), skipping `holidays`.
 */
export function consultRemindAt(input: {
  askedAt: Date;
  remindAfter: string;
  owner: Pick<Owner, 'hours'>;
  defaultHours: BusinessHoursSpec;
  holidays: readonly string[];
}): Date {
  const hours = businessHoursOf(effectiveHoursSpec(input.owner, input.defaultHours));
  return addBusinessTime(
    input.askedAt,
    remindAfterDuration(input.remindAfter),
    hours,
    new Set(input.holidays),
  );
}

/**
 * Whether the one reminder of a question is due at `now`: the colleague has not answered, no reminder
 * went out yet, and `remindAt` has passed. A closed conversation reminds nobody.
 */
export function consultReminderDue(
  question: Pick<ConsultQuestion, 'answeredAt' | 'remindedAt' | 'remindAt'>,
  now: Date,
  conversation?: { status: 'open' | 'closed' },
): boolean {
  if (!isOpenQuestion(question) || question.remindedAt !== undefined) return false;
  if (conversation?.status === 'closed') return false;
  return Date.parse(question.remindAt) <= now.getTime();
}

/**
 * Which question a colleague's answer answers: the oldest question still open to that colleague (they
 * answer in the order they were asked), else the newest one they were asked (a second answer to it).
 * `undefined` when the colleague was never asked in the conversation.
 */
export function questionAnswered(
  questions: readonly ConsultQuestion[],
  colleague: string,
): ConsultQuestion | undefined {
  const address = colleague.trim().toLowerCase();
  const theirs = sortedByAsked(questions.filter((question) => question.colleague.address === address));
  return theirs.find(isOpenQuestion) ?? theirs.at(-1);
}

/** Questions oldest first: by the time asked, then by round and colleague, so the order is stable. */
export function sortedByAsked(questions: readonly ConsultQuestion[]): ConsultQuestion[] {
  return [...questions].sort(
    (a, b) =>
      compare(a.askedAt, b.askedAt) ||
      compare(a.questionId, b.questionId) ||
      compare(a.colleague.address, b.colleague.address),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The colleagues a conversation's questions went to, each once: whose consult token an answer may carry. */
export function askedColleagues(questions: readonly ConsultQuestion[]): string[] {
  return [...new Set(questions.map((question) => question.colleague.address))].sort();
}

function who(colleague: Colleague): string {
  const name = displayNameOr(colleague.name, colleague.address);
  return name === colleague.address ? name : `${name} <${colleague.address}>`;
}

/**
 * One line per open question, oldest first, for an owner's context block, a nudge, a history:
 * `Waiting on Carol Diaz <carol@example.com> since 2026-12-03 09:12 UTC (asked by Alice Smith)`.
 * Empty when nothing is open.
 */
export function openQuestionLines(questions: readonly ConsultQuestion[]): string[] {
  return sortedByAsked(questions)
    .filter(isOpenQuestion)
    .map(
      (question) =>
        `Waiting on ${who(question.colleague)} since ${minuteOf(question.askedAt)} (asked by ${displayNameOr(question.askedBy.name, question.askedBy.address)})`,
    );
}

/**
 * The line a nudge adds when the owner waits on colleagues: `While you wait on Carol Diaz (since …),
 * the customer waits on you.` `undefined` when no question is open.
 */
export function openQuestionsNudgeLine(questions: readonly ConsultQuestion[]): string | undefined {
  const open = sortedByAsked(questions).filter(isOpenQuestion);
  const first = open[0];
  if (!first) return undefined;
  const names = [
    ...new Set(open.map((question) => displayNameOr(question.colleague.name, question.colleague.address))),
  ];
  return `You asked ${names.join(', ')} (open since ${minuteOf(first.askedAt)}); your promise to the customer keeps running while you wait.`;
}

/**
 * Every consult round as lines, oldest first, for `spoc conversation show`, a handoff history and an
 * away digest: when, who asked whom, the question's first line, and whether and when it was answered.
 */
export function consultRoundLines(questions: readonly ConsultQuestion[]): string[] {
  return sortedByAsked(questions).map((question) => {
    const state = question.answeredAt
      ? `answered ${minuteOf(question.answeredAt)}`
      : `open${question.remindedAt ? `, reminded ${minuteOf(question.remindedAt)}` : ''}`;
    const firstLine = question.question.trim().split('\n', 1)[0] ?? '';
    const excerpt = firstLine.length > 120 ? `${firstLine.slice(0, 120).trimEnd()}…` : firstLine;
    return `[${minuteOf(question.askedAt)}] ${displayNameOr(question.askedBy.name, question.askedBy.address)} asked ${who(question.colleague)}: "${excerpt}" (${state})`;
  });
}

function minuteOf(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** The question as the record keeps it: at most {@link MAX_STORED_QUESTION_CHARS} characters. */
export function storedQuestionText(question: string): string {
  const trimmed = question.trim();
  return trimmed.length > MAX_STORED_QUESTION_CHARS
    ? `${trimmed.slice(0, MAX_STORED_QUESTION_CHARS).trimEnd()}…`
    : trimmed;
}
