import { describe, expect, it } from 'vitest';
import { rawMailLocationLines } from '../../../lib/mail/raw-mail-location-text.js';

const now = new Date('2026-12-04T12:00:00Z');

describe('rawMailLocationLines', () => {
  it('states the true end of a link signed with temporary credentials, and the command for after', () => {
    const lines = rawMailLocationLines(
      { location: 'https://s3/x', expiresAt: new Date('2026-12-04T17:30:00Z') },
      'inbound/abc123',
      now,
    );
    expect(lines).toEqual([
      'The complete mail as received: https://s3/x',
      'This link works until 2026-12-04 17:30 UTC (about 5 hours); at any time, fetch the mail with: spoc raw abc123',
    ]);
  });

  it('says days for a long-lived link and hours at most for an unknown temporary one', () => {
    expect(
      rawMailLocationLines(
        { location: 'u', expiresAt: new Date('2026-12-11T12:00:00Z') },
        'inbound/a',
        now,
      )[1],
    ).toContain('(about 7 days)');
    expect(rawMailLocationLines({ location: 'u', shortLived: true }, 'inbound/a', now)[1]).toContain(
      'a few hours at most',
    );
    expect(rawMailLocationLines({ location: '/data/f' }, 'inbound/a', now)[1]).toBe(
      'Or fetch it with: spoc raw a',
    );
  });
});
