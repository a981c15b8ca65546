import { describe, expect, it } from 'vitest';
import { chooseOwner, domainRuleOwner, firstInRotation } from '../../../lib/domain/assign-owner.js';
import type { Owner } from '../../../lib/domain/types.js';

const owner = (email: string, active = true): Owner => ({
  email,
  name: email,
  active,
  createdAt: '2026-01-01T00:00:00Z',
});
const owners = [owner('bob@x.test'), owner('alice@x.test'), owner('zed@x.test', false)];

describe('chooseOwner', () => {
  it('goes round robin over active owners in address order', () => {
    const picks = [1, 2, 3, 4].map(
      (sequence) => chooseOwner({ customerEmail: 'c@y.test', owners, domainRules: {}, sequence })?.email,
    );
    expect(picks).toEqual(['alice@x.test', 'bob@x.test', 'alice@x.test', 'bob@x.test']);
  });

  it('follows a domain rule to an active owner, and ignores one naming an inactive owner', () => {
    expect(
      chooseOwner({
        customerEmail: 'p@acme.test',
        owners,
        domainRules: { 'acme.test': 'bob@x.test' },
        sequence: 1,
      })?.email,
    ).toBe('bob@x.test');
    expect(
      chooseOwner({
        customerEmail: 'p@acme.test',
        owners,
        domainRules: { 'acme.test': 'zed@x.test' },
        sequence: 1,
      })?.email,
    ).toBe('alice@x.test');
  });

  it('returns nothing when no owner is active', () => {
    expect(
      chooseOwner({
        customerEmail: 'c@y.test',
        owners: [owner('zed@x.test', false)],
        domainRules: {},
        sequence: 1,
      }),
    ).toBeUndefined();
  });
});

describe('chooseOwner keeps the promise possible', () => {
  const now = new Date('2026-12-04T10:00:00Z');
  const away = (email: string, since: string, until: string): Owner => ({
    ...owner(email),
    away: { since, until, backupEmail: 'cover@x.test' },
  });
  const pick = (input: Partial<Parameters<typeof chooseOwner>[0]>) =>
    chooseOwner({
      customerEmail: 'c@y.test',
      owners,
      domainRules: {},
      sequence: 1,
      now,
      skipIfAwayWithinDays: 2,
      ...input,
    })?.email;

  it('skips an owner away now, one whose absence starts tomorrow, and an inactive one', () => {
    const team = [
      away('alice@x.test', '2026-12-01T08:00:00Z', '2026-12-10'),
      away('bob@x.test', '2026-12-05T00:00:00Z', '2026-12-12'),
      owner('carol@x.test'),
      owner('aaron@x.test', false),
    ];
    for (const sequence of [1, 2, 3, 4]) expect(pick({ owners: team, sequence })).toBe('carol@x.test');
  });

  it('gives customers to an owner whose absence starts after the window, or whose return day has come', () => {
    const team = [
      away('alice@x.test', '2026-12-07T00:00:00Z', '2026-12-10'),
      away('bob@x.test', '2026-11-20T00:00:00Z', '2026-12-04'),
    ];
    expect([1, 2].map((sequence) => pick({ owners: team, sequence }))).toEqual([
      'alice@x.test',
      'bob@x.test',
    ]);
    expect(pick({ owners: team, sequence: 1, skipIfAwayWithinDays: 3 })).toBe('bob@x.test');
  });

  it('when every owner is away or soon away, gives the customer to those back soonest, never to nobody', () => {
    const team = [
      away('alice@x.test', '2026-12-01T00:00:00Z', '2026-12-20'),
      away('bob@x.test', '2026-12-01T00:00:00Z', '2026-12-08'),
      away('dan@x.test', '2026-12-05T00:00:00Z', '2026-12-08'),
      away('carol@x.test', '2026-12-05T00:00:00Z', '2026-12-30'),
    ];
    expect([1, 2, 3].map((sequence) => pick({ owners: team, sequence }))).toEqual([
      'bob@x.test',
      'dan@x.test',
      'bob@x.test',
    ]);
  });

  it('does not follow a domain rule to an owner who is away; the customer goes to someone present', () => {
    const team = [away('alice@x.test', '2026-12-01T00:00:00Z', '2026-12-20'), owner('bob@x.test')];
    expect(
      pick({ owners: team, customerEmail: 'p@acme.test', domainRules: { 'acme.test': 'alice@x.test' } }),
    ).toBe('bob@x.test');
    expect(
      pick({
        owners: team,
        customerEmail: 'p@acme.test',
        domainRules: { 'acme.test': 'bob@x.test' },
        sequence: 2,
      }),
    ).toBe('bob@x.test');
  });

  it('least-loaded takes the owner with the fewest open conversations, and shares ties in turn', () => {
    const team = [owner('alice@x.test'), owner('bob@x.test'), owner('carol@x.test')];
    const openCounts = new Map([
      ['alice@x.test', 4],
      ['bob@x.test', 1],
    ]);
    expect(pick({ owners: team, strategy: 'least-loaded', openCounts, sequence: 1 })).toBe('carol@x.test');
    const tied = new Map([
      ['alice@x.test', 2],
      ['bob@x.test', 2],
      ['carol@x.test', 2],
    ]);
    expect(
      [1, 2, 3].map((sequence) =>
        pick({ owners: team, strategy: 'least-loaded', openCounts: tied, sequence }),
      ),
    ).toEqual(['alice@x.test', 'bob@x.test', 'carol@x.test']);
  });

  it('least-loaded never counts an away owner, however idle', () => {
    const team = [away('alice@x.test', '2026-12-04T09:00:00Z', '2026-12-06'), owner('bob@x.test')];
    const openCounts = new Map([['bob@x.test', 30]]);
    expect(pick({ owners: team, strategy: 'least-loaded', openCounts })).toBe('bob@x.test');
  });
});

describe('firstInRotation (round robin one page of the team at a time)', () => {
  const now = new Date('2026-12-05T10:00:00Z');
  const away = (email: string): Owner => ({
    ...owner(email),
    away: { since: '2026-12-01T00:00:00Z', until: '2026-12-10', backupEmail: 'alice@x.test' },
  });
  const page = [owner('a@x.test', false), away('b@x.test'), owner('c@x.test'), owner('d@x.test')];

  it('takes the first owner of the page who is active and not away', () => {
    expect(firstInRotation(page, now, 0)?.email).toBe('c@x.test');
  });

  it('coming round, stops at the owner it started after (who may take the customer again)', () => {
    expect(firstInRotation(page, now, 0, 'c@x.test')?.email).toBe('c@x.test');
    expect(firstInRotation(page, now, 0, 'b@x.test')).toBeUndefined();
  });

  it('finds nobody on a page of inactive or away owners', () => {
    expect(firstInRotation([owner('a@x.test', false), away('b@x.test')], now, 0)).toBeUndefined();
  });
});

describe('domainRuleOwner', () => {
  it('prefers the stored rule, falls back to the config, and never rules a free-mail domain', () => {
    expect(domainRuleOwner('p@acme.test', { 'acme.test': 'bob@x.test' }, 'alice@x.test')).toBe(
      'alice@x.test',
    );
    expect(domainRuleOwner('p@acme.test', { 'acme.test': 'bob@x.test' }, undefined)).toBe('bob@x.test');
    expect(domainRuleOwner('p@gmail.com', { 'gmail.com': 'bob@x.test' }, 'bob@x.test')).toBeUndefined();
  });
});
