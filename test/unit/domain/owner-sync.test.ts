import { describe, expect, it } from 'vitest';
import { planOwnerSync } from '../../../lib/domain/owner-sync.js';
import type { Owner } from '../../../lib/domain/types.js';

const now = new Date('2026-12-04T12:00:00Z');
const alice: Owner = {
  email: 'alice@x.test',
  name: 'Alice',
  active: true,
  createdAt: '2026-01-01T00:00:00Z',
};

describe('planOwnerSync', () => {
  it('adds missing owners, updates changed ones, keeps absences and creation times', () => {
    const away = {
      ...alice,
      name: 'Alice S',
      away: { since: 'x', until: '2026-12-24', backupEmail: 'bob@x.test' },
    };
    const plan = planOwnerSync(
      [
        { email: 'alice@x.test', name: 'Alice Smith', active: true },
        { email: 'bob@x.test', name: 'Bob', active: true },
      ],
      [away, { ...alice, email: 'carol@x.test', name: 'Carol' }],
      now,
    );
    expect(plan.put).toEqual([
      { owner: { ...away, name: 'Alice Smith' }, change: 'updated' },
      {
        owner: { email: 'bob@x.test', name: 'Bob', active: true, createdAt: now.toISOString() },
        change: 'added',
      },
    ]);
    expect(plan.onlyInStore).toEqual(['carol@x.test']);
  });

  it('plans no writes once the store matches (idempotent)', () => {
    const configured = [{ email: 'alice@x.test', name: 'Alice', active: true }];
    const first = planOwnerSync(configured, [], now);
    const second = planOwnerSync(
      configured,
      first.put.map((p) => p.owner),
      now,
    );
    expect(second.put).toEqual([]);
    expect(second.unchanged).toEqual(['alice@x.test']);
  });
});
