import { describe, expect, it } from 'vitest';
import { chooseOwner } from '../../../lib/domain/assign-owner.js';
import { isFreeMailDomain } from '../../../lib/domain/free-mail-domains.js';
import { checkAway, coverSignature, coverState, isIsoDate } from '../../../lib/domain/owner-cover.js';
import { readReplyAddress, replyAddressFor } from '../../../lib/domain/reply-token.js';
import { resolveOwner } from '../../../lib/domain/resolve-owner.js';
import { checkOwnerReply } from '../../../lib/domain/route-inbound.js';
import type { Conversation, Owner } from '../../../lib/domain/types.js';

const owner = (email: string, name: string, extra: Partial<Owner> = {}): Owner => ({
  email,
  name,
  active: true,
  createdAt: '2026-01-01T00:00:00Z',
  ...extra,
});
const alice = owner('alice@x.test', 'Alice Smith');
const bob = owner('bob@x.test', 'Bob Jones');

describe('domain rules and free-mail domains', () => {
  it('never maps a free-mail domain, whatever the rules say', () => {
    expect(isFreeMailDomain('Gmail.com')).toBe(true);
    expect(isFreeMailDomain('acme-corp.com')).toBe(false);
    const rules = { 'gmail.com': 'bob@x.test', 'acme-corp.com': 'bob@x.test' };
    const pick = (customerEmail: string, sequence: number) =>
      chooseOwner({ customerEmail, owners: [alice, bob], domainRules: rules, sequence })?.email;
    expect(pick('a@acme-corp.com', 1)).toBe('bob@x.test');
    expect(pick('b@acme-corp.com', 1)).toBe('bob@x.test');
    // Round robin for gmail: sequence 1 is alice.
    expect(pick('someone@gmail.com', 1)).toBe('alice@x.test');
  });
});

describe('resolveOwner', () => {
  it('finds by address or unique name, and refuses an ambiguous or unknown one', () => {
    expect(resolveOwner([alice, bob], 'BOB@x.test')).toMatchObject({ found: true, owner: bob });
    expect(resolveOwner([alice, bob], ' bob   jones ')).toMatchObject({ found: true, owner: bob });
    expect(resolveOwner([alice, bob, owner('b2@x.test', 'Bob Jones')], 'Bob Jones')).toMatchObject({
      found: false,
      problem: 'ambiguous',
    });
    expect(resolveOwner([alice, bob], 'carol@x.test')).toMatchObject({ found: false, problem: 'unknown' });
  });
});

describe('cover while away', () => {
  const away = { since: '2026-11-20T10:00:00.000Z', until: '2026-12-24', backupEmail: bob.email };
  const awayAlice = { ...alice, away };

  it('is covered before the return day and returned from its start', () => {
    expect(coverState(alice, new Date('2026-12-01T00:00:00Z'))).toEqual({ kind: 'present' });
    expect(coverState(awayAlice, new Date('2026-12-23T23:59:59Z'))).toEqual({ kind: 'covered', away });
    expect(coverState(awayAlice, new Date('2026-12-24T00:00:00Z'))).toEqual({ kind: 'returned', away });
  });

  it('leaves a planned absence uncovered until it starts', () => {
    const planned = { ...alice, away: { ...away, since: '2026-12-20T00:00:00.000Z' } };
    expect(coverState(planned, new Date('2026-12-19T23:59:59Z'))).toEqual({ kind: 'present' });
    expect(coverState(planned, new Date('2026-12-20T00:00:00Z'))).toEqual({
      kind: 'covered',
      away: planned.away,
    });
  });

  it('checks the date, the backup and that nobody covers for themselves', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    expect(isIsoDate('2026-02-30')).toBe(false);
    expect(checkAway({ owner: alice, backup: bob, until: '2026-12-24', now })).toBeUndefined();
    expect(checkAway({ owner: alice, backup: bob, until: '2026-11-01', now })).toMatch(/not in the future/);
    expect(checkAway({ owner: alice, backup: bob, until: '2026-13-01', now })).toMatch(/YYYY-MM-DD/);
    expect(checkAway({ owner: alice, backup: undefined, until: '2026-12-24', now })).toMatch(/not an owner/);
    expect(checkAway({ owner: alice, backup: alice, until: '2026-12-24', now })).toMatch(/themselves/);
    expect(checkAway({ owner: alice, backup: { ...bob, active: false }, until: '2026-12-24', now })).toMatch(
      /inactive/,
    );
    expect(
      checkAway({
        owner: alice,
        backup: { ...bob, away: { ...away, backupEmail: alice.email } },
        until: '2026-12-24',
        now,
      }),
    ).toMatch(/away until/);
    expect(coverSignature(bob, alice)).toBe('Bob Jones, covering for Alice Smith');
  });

  it("accepts the backup's reply only when named as the cover", () => {
    const secret = 'k'.repeat(64);
    const conversation: Conversation = {
      id: 'c0ffee00c0ffee00',
      customerEmail: 'jane@c.test',
      ownerEmail: alice.email,
      subject: 's',
      status: 'open',
      createdAt: '2026-11-20T10:00:00Z',
      updatedAt: '2026-11-20T10:00:00Z',
      customerThread: [],
      ownerThread: [],
    };
    const claim = readReplyAddress(replyAddressFor(conversation.id, secret, 'r.test'), 'r.test');
    if (!claim) throw new Error('no claim');
    const verdicts = { spf: 'PASS', dkim: 'PASS', dmarc: 'PASS', spam: 'PASS', virus: 'PASS' } as const;
    const base = { claim, secret, conversation, senderAddress: bob.email, verdicts };
    expect(checkOwnerReply(base)).toMatchObject({ accepted: false, reason: 'sender-not-owner' });
    expect(checkOwnerReply({ ...base, coverEmail: bob.email })).toMatchObject({
      accepted: true,
      asCover: true,
    });
    expect(checkOwnerReply({ ...base, senderAddress: alice.email, coverEmail: bob.email })).toEqual({
      accepted: true,
      conversation,
    });
  });

  it('accepts the reply of the backup an escalated promise went to, as a cover, and only while it is theirs', () => {
    const secret = 'k'.repeat(64);
    const promise = {
      epoch: 1,
      state: 'escalated' as const,
      kind: 'first-response' as const,
      waitingSince: '2026-11-20T10:00:00.000Z',
      nudgeAt: '2026-11-20T13:00:00.000Z',
      dueAt: '2026-11-20T14:00:00.000Z',
      escalatedTo: bob.email,
      escalatedAt: '2026-11-20T14:00:00.000Z',
    };
    const conversation: Conversation = {
      id: 'c0ffee00c0ffee01',
      customerEmail: 'jane@c.test',
      ownerEmail: alice.email,
      subject: 's',
      status: 'open',
      createdAt: '2026-11-20T10:00:00Z',
      updatedAt: '2026-11-20T10:00:00Z',
      customerThread: [],
      ownerThread: [],
      promise,
    };
    const claim = readReplyAddress(replyAddressFor(conversation.id, secret, 'r.test'), 'r.test');
    if (!claim) throw new Error('no claim');
    const verdicts = { spf: 'PASS', dkim: 'PASS', dmarc: 'PASS', spam: 'PASS', virus: 'PASS' } as const;
    const base = { claim, secret, senderAddress: bob.email, verdicts };
    expect(checkOwnerReply({ ...base, conversation })).toMatchObject({ accepted: true, asCover: true });
    // Another owner is not the backup; a promise that is only open, or ended, names no backup.
    expect(checkOwnerReply({ ...base, conversation, senderAddress: 'carol@example.test' })).toMatchObject({
      accepted: false,
      reason: 'sender-not-owner',
    });
    for (const other of [
      { ...conversation, promise: { ...promise, state: 'open' as const } },
      { ...conversation, promise: undefined },
    ]) {
      expect(checkOwnerReply({ ...base, conversation: other })).toMatchObject({
        accepted: false,
        reason: 'sender-not-owner',
      });
    }
  });
});
