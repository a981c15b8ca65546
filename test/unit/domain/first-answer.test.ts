import { describe, expect, it } from 'vitest';
import { firstResponseOf } from '../../../lib/domain/first-answer.js';

const askedAt = '2026-11-23T10:00:00.000Z';

describe('firstResponseOf', () => {
  it('gives the seconds from the opening mail for a conversation not answered yet', () => {
    expect(firstResponseOf({ askedAt }, 'in-1', '2026-11-23T10:01:30.400Z')).toEqual({
      known: true,
      seconds: 90,
    });
  });

  it('gives nothing for a later answer, and the recorded figure again for a retried first answer', () => {
    const firstAnswer = { id: 'in-1', at: '2026-11-23T10:01:30.000Z', seconds: 90 };
    expect(firstResponseOf({ askedAt, firstAnswer }, 'in-2', '2026-11-23T11:00:00.000Z')).toEqual({
      known: true,
      seconds: undefined,
    });
    expect(firstResponseOf({ askedAt, firstAnswer }, 'in-1', '2026-11-23T12:00:00.000Z')).toEqual({
      known: true,
      seconds: 90,
    });
  });

  it('gives nothing when the clock says the answer came first or a time is not a time', () => {
    expect(firstResponseOf({ askedAt }, 'in-1', '2026-11-23T09:59:59.000Z')).toEqual({
      known: true,
      seconds: undefined,
    });
    expect(firstResponseOf({ askedAt: 'yesterday' }, 'in-1', askedAt)).toEqual({
      known: true,
      seconds: undefined,
    });
  });

  it('cannot tell for a conversation stored before the opening time was kept, unless an answer was recorded since', () => {
    expect(firstResponseOf({}, 'in-1', askedAt)).toEqual({ known: false });
    // Its first answer after the change was not its first (no seconds): later ones are not either.
    const firstAnswer = { id: 'in-5', at: askedAt };
    expect(firstResponseOf({ firstAnswer }, 'in-6', askedAt)).toEqual({ known: true, seconds: undefined });
    expect(firstResponseOf({ firstAnswer }, 'in-5', askedAt)).toEqual({ known: true, seconds: undefined });
  });
});
