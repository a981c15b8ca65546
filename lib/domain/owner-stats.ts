import type { Conversation, ConversationMessage } from './types.js';

/**
 * Seconds from the first customer message among `messages` to `answeredAt`, or `undefined` when there is
 * no customer message (or the clock says the answer came first).
 */
export function firstResponseSeconds(
  messages: readonly Pick<ConversationMessage, 'direction' | 'at'>[],
  answeredAt: string,
): number | undefined {
  const asked = messages
    .filter((m) => m.direction === 'from-customer')
    .map((m) => Date.parse(m.at))
    .filter((t) => !Number.isNaN(t));
  if (asked.length === 0) return undefined;
  const seconds = (Date.parse(answeredAt) - Math.min(...asked)) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds) : undefined;
}

/** A period `[from, to)` in ISO times. */
export interface StatsPeriod {
  from: string;
  to: string;
}

/** The figures of one owner over a period. */
export interface OwnerFigures {
  ownerEmail: string;
  /** Conversations of the owner still open, with a message in the period. */
  openConversations: number;
  /** Conversations whose first customer message falls in the period. */
  newConversations: number;
  /** Answers the owner sent to customers in the period. */
  repliesSent: number;
  /** First answers (in the period) to conversations opened by a customer message: how many, and how fast. */
  firstResponses: number;
  firstResponseMedianSeconds?: number;
  firstResponseP90Seconds?: number;
  /** Conversations opened in the period that have no answer yet. */
  unanswered: number;
}

/** One conversation with its messages, as the figures need it. */
export interface ConversationHistory {
  conversation: Pick<Conversation, 'id' | 'ownerEmail' | 'status'>;
  messages: readonly Pick<ConversationMessage, 'id' | 'direction' | 'at' | 'fromAddress'>[];
}

/** Nearest-rank percentile (`p` in 0..100) of sorted numbers. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

function inPeriod(at: string, period: StatsPeriod): boolean {
  return at >= period.from && at < period.to;
}

/**
 * Figures per owner over a period, from conversations and their messages. An answer counts for the owner
 * who sent it; a conversation (open, new, unanswered) for its current owner. First-response time is from a
 * conversation's first customer message to its first answer, counted when that answer is in the period.
 * The same message stored twice (a retried step) counts once. Owners in `owners` appear even with no
 * activity; the result is ordered by owner address.
 */
export function computeOwnerFigures(
  histories: readonly ConversationHistory[],
  period: StatsPeriod,
  owners: readonly string[] = [],
): OwnerFigures[] {
  const figures = new Map<string, OwnerFigures & { times: number[] }>();
  const of = (ownerEmail: string) => {
    let entry = figures.get(ownerEmail);
    if (!entry) {
      entry = {
        ownerEmail,
        openConversations: 0,
        newConversations: 0,
        repliesSent: 0,
        firstResponses: 0,
        unanswered: 0,
        times: [],
      };
      figures.set(ownerEmail, entry);
    }
    return entry;
  };
  for (const owner of owners) of(owner);

  for (const { conversation, messages } of histories) {
    const unique = [...new Map(messages.map((m) => [m.id, m])).values()].sort((a, b) =>
      a.at < b.at ? -1 : a.at > b.at ? 1 : 0,
    );
    const asked = unique.filter((m) => m.direction === 'from-customer');
    const answers = unique.filter((m) => m.direction === 'to-customer');
    const owner = of(conversation.ownerEmail);
    if (conversation.status === 'open' && unique.some((m) => inPeriod(m.at, period))) {
      owner.openConversations += 1;
    }
    for (const answer of answers) if (inPeriod(answer.at, period)) of(answer.fromAddress).repliesSent += 1;
    const firstAsked = asked[0];
    if (!firstAsked) continue;
    const openedInPeriod = inPeriod(firstAsked.at, period);
    if (openedInPeriod) owner.newConversations += 1;
    const firstAnswer = answers.find((a) => a.at >= firstAsked.at);
    if (!firstAnswer) {
      if (openedInPeriod) owner.unanswered += 1;
      continue;
    }
    if (inPeriod(firstAnswer.at, period)) {
      const seconds = firstResponseSeconds([firstAsked], firstAnswer.at);
      if (seconds !== undefined) of(firstAnswer.fromAddress).times.push(seconds);
    }
  }
  return [...figures.values()]
    .sort((a, b) => (a.ownerEmail < b.ownerEmail ? -1 : 1))
    .map(({ times, ...rest }) => {
      const sorted = [...times].sort((a, b) => a - b);
      const median = percentile(sorted, 50);
      const p90 = percentile(sorted, 90);
      return {
        ...rest,
        firstResponses: sorted.length,
        ...(median === undefined ? {} : { firstResponseMedianSeconds: median }),
        ...(p90 === undefined ? {} : { firstResponseP90Seconds: p90 }),
      };
    });
}
