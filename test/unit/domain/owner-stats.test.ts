import { describe, expect, it } from 'vitest';
import {
  type ConversationHistory,
  computeOwnerFigures,
  firstResponseSeconds,
  percentile,
} from '../../../lib/domain/owner-stats.js';

const period = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };

function history(
  id: string,
  ownerEmail: string,
  status: 'open' | 'closed',
  messages: Array<[direction: 'from-customer' | 'to-customer', at: string, from?: string]>,
): ConversationHistory {
  return {
    conversation: { id, ownerEmail, status },
    messages: messages.map(([direction, at, from], index) => ({
      id: `${id}-${index}`,
      direction,
      at,
      fromAddress: from ?? (direction === 'to-customer' ? ownerEmail : 'customer@x.test'),
    })),
  };
}

describe('firstResponseSeconds', () => {
  it('counts from the first customer message', () => {
    expect(
      firstResponseSeconds(
        [
          { direction: 'from-customer', at: '2026-11-02T10:05:00.000Z' },
          { direction: 'from-customer', at: '2026-11-02T10:00:00.000Z' },
        ],
        '2026-11-02T11:00:00.000Z',
      ),
    ).toBe(3600);
    expect(firstResponseSeconds([], '2026-11-02T11:00:00.000Z')).toBeUndefined();
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 90)).toBe(9);
    expect(percentile([42], 90)).toBe(42);
    expect(percentile([], 50)).toBeUndefined();
  });
});

describe('computeOwnerFigures', () => {
  it('gives per owner open conversations, replies, and median and p90 first-response times', () => {
    const figures = computeOwnerFigures(
      [
        history('a', 'alice@x.test', 'open', [
          ['from-customer', '2026-11-02T10:00:00.000Z'],
          ['to-customer', '2026-11-02T10:10:00.000Z'],
          ['from-customer', '2026-11-02T11:00:00.000Z'],
          ['to-customer', '2026-11-02T11:30:00.000Z'],
        ]),
        history('b', 'alice@x.test', 'closed', [
          ['from-customer', '2026-11-03T10:00:00.000Z'],
          ['to-customer', '2026-11-03T12:00:00.000Z'],
        ]),
        history('c', 'alice@x.test', 'open', [
          ['from-customer', '2026-11-04T10:00:00.000Z'],
          ['to-customer', '2026-11-04T10:01:00.000Z'],
        ]),
        history('d', 'bob@x.test', 'open', [['from-customer', '2026-11-05T10:00:00.000Z']]),
        // Before the period: neither new nor a first response in it.
        history('e', 'bob@x.test', 'closed', [
          ['from-customer', '2026-10-01T10:00:00.000Z'],
          ['to-customer', '2026-10-01T10:30:00.000Z'],
        ]),
      ],
      period,
      ['alice@x.test', 'bob@x.test', 'carol@x.test'],
    );
    expect(figures).toEqual([
      {
        ownerEmail: 'alice@x.test',
        openConversations: 2,
        newConversations: 3,
        repliesSent: 4,
        firstResponses: 3,
        firstResponseMedianSeconds: 600,
        firstResponseP90Seconds: 7200,
        unanswered: 0,
      },
      {
        ownerEmail: 'bob@x.test',
        openConversations: 1,
        newConversations: 1,
        repliesSent: 0,
        firstResponses: 0,
        unanswered: 1,
      },
      {
        ownerEmail: 'carol@x.test',
        openConversations: 0,
        newConversations: 0,
        repliesSent: 0,
        firstResponses: 0,
        unanswered: 0,
      },
    ]);
  });

  it('counts a message stored twice once, and an answer for the owner who sent it', () => {
    const twice = history('a', 'bob@x.test', 'open', [
      ['from-customer', '2026-11-02T10:00:00.000Z'],
      ['to-customer', '2026-11-02T10:02:00.000Z', 'alice@x.test'],
    ]);
    const duplicate = { ...twice, messages: [...twice.messages, ...twice.messages] };
    const [alice, bob] = computeOwnerFigures([duplicate], period);
    expect(alice).toMatchObject({
      ownerEmail: 'alice@x.test',
      repliesSent: 1,
      firstResponseMedianSeconds: 120,
    });
    expect(bob).toMatchObject({ ownerEmail: 'bob@x.test', openConversations: 1, repliesSent: 0 });
  });
});
