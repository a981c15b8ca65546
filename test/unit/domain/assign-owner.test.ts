import { describe, expect, it } from 'vitest';
import { chooseOwner } from '../../../lib/domain/assign-owner.js';
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
