import { describe, expect, it } from 'vitest';
import { escalationTarget } from '../../../lib/domain/escalation-target.js';
import type { Owner } from '../../../lib/domain/types.js';

const now = new Date('2026-12-04T12:00:00Z');
const owner = (email: string, extra: Partial<Owner> = {}): Owner => ({
  email,
  name: email.split('@')[0] ?? email,
  active: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});
const awayUntil = (until: string, backupEmail: string) => ({
  since: '2026-12-01T00:00:00.000Z',
  until,
  backupEmail,
});

describe('escalationTarget', () => {
  const alice = owner('alice@x.test', { backupEmail: 'bob@x.test' });
  const bob = owner('bob@x.test');
  const carol = owner('carol@x.test');

  it("takes the owner's own backup, else the default one", () => {
    expect(escalationTarget(alice, [alice, bob, carol], 'carol@x.test', now)).toMatchObject({
      found: true,
      owner: { email: 'bob@x.test' },
      named: 'own-backup',
      passedOver: [],
    });
    expect(escalationTarget(bob, [alice, bob, carol], 'carol@x.test', now)).toMatchObject({
      found: true,
      owner: { email: 'carol@x.test' },
      named: 'default-backup',
    });
  });

  it('finds nobody without a backup, for the default backup themselves, or for an unknown or inactive one', () => {
    expect(escalationTarget(bob, [alice, bob], undefined, now)).toEqual({
      found: false,
      problem: 'bob@x.test has no backup: name one with spoc owner backup, or set escalation.defaultBackup',
    });
    expect(escalationTarget(carol, [carol], 'carol@x.test', now)).toMatchObject({
      found: false,
      problem: 'the backup of carol@x.test leads back to carol@x.test',
    });
    expect(escalationTarget(alice, [alice], undefined, now)).toMatchObject({
      found: false,
      problem: 'the backup bob@x.test is not an owner',
    });
    expect(escalationTarget(alice, [alice, { ...bob, active: false }], undefined, now)).toMatchObject({
      found: false,
      problem: 'the backup bob@x.test is inactive',
    });
  });

  it('passes over an absent backup to their cover, never to an absent person', () => {
    const bobAway = { ...bob, away: awayUntil('2026-12-10', 'carol@x.test') };
    expect(escalationTarget(alice, [alice, bobAway, carol], undefined, now)).toMatchObject({
      found: true,
      owner: { email: 'carol@x.test' },
      passedOver: ['bob@x.test'],
    });
    // An absence whose day has come counts as over.
    const bobBack = { ...bob, away: awayUntil('2026-12-04', 'carol@x.test') };
    expect(escalationTarget(alice, [alice, bobBack, carol], undefined, now)).toMatchObject({
      owner: { email: 'bob@x.test' },
    });
  });

  it('stops when the covers lead back to the silent owner or run in a circle', () => {
    const bobCoveredByAlice = { ...bob, away: awayUntil('2026-12-10', 'alice@x.test') };
    expect(escalationTarget(alice, [alice, bobCoveredByAlice], undefined, now)).toMatchObject({
      found: false,
      problem: 'the backup of alice@x.test leads back to alice@x.test',
    });
    const bobToCarol = { ...bob, away: awayUntil('2026-12-10', 'carol@x.test') };
    const carolToBob = { ...carol, away: awayUntil('2026-12-10', 'bob@x.test') };
    expect(escalationTarget(alice, [alice, bobToCarol, carolToBob], undefined, now)).toEqual({
      found: false,
      problem: 'the covers of bob@x.test, carol@x.test run in a circle',
    });
  });
});
