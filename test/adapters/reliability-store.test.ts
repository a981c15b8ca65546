import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbSupportStore } from '../../lib/adapters/dynamodb/dynamodb-support-store.js';
import { DynamoDbTable } from '../../lib/adapters/dynamodb/dynamodb-table.js';
import { keys } from '../../lib/adapters/dynamodb/item-keys.js';
import { ensureTable } from '../../lib/local/embedded-engines.js';
import {
  type DynamoEngine,
  dynaliteEngine,
  dynamoDbLocalEngine,
  type RunningDynamoEngine,
} from './engines.js';

describe.each<DynamoEngine>([dynaliteEngine, dynamoDbLocalEngine])(
  'store guards (resend, rate, suppression, send lease) on $name',
  (engine) => {
    if (engine.skipReason !== undefined) {
      it.skip(`skipped: ${engine.skipReason}`, () => {});
      return;
    }
    let running: RunningDynamoEngine;
    let store: DynamoDbSupportStore;
    let tables = 0;
    let tableName = '';
    beforeAll(async () => {
      running = await engine.start();
    });
    afterAll(async () => {
      await running?.close();
    });
    beforeEach(async () => {
      tables += 1;
      tableName = `guards-${tables}`;
      await ensureTable(running.clients.dynamodb, tableName);
      store = new DynamoDbSupportStore({ client: running.clients.doc, tableName });
    });

    it('gives a Message-ID to the first inbound id that claims it, per sender', async () => {
      const claims = await Promise.all(
        ['a', 'b', 'c'].map((id) => store.claimRfcMessage('jane@x.test', '<m@x.test>', id)),
      );
      expect(new Set(claims).size).toBe(1);
      expect(await store.claimRfcMessage('jane@x.test', '<m@x.test>', claims[0] ?? '')).toBe(claims[0]);
      expect(await store.claimRfcMessage('bob@x.test', '<m@x.test>', 'd')).toBe('d');
    });

    it('counts each message once per window, concurrently, and keeps a retried message in its place', async () => {
      const ids = Array.from({ length: 25 }, (_, n) => `in-${n}`);
      const counts = await Promise.all(ids.map((id) => store.countSenderMail('s@x.test', 'h1', id, 100, 0)));
      const positions = counts.map((count) => count.position);
      expect([...positions].sort((a, b) => a - b)).toEqual(ids.map((_, n) => n + 1));
      const again = await Promise.all(ids.map((id) => store.countSenderMail('s@x.test', 'h1', id, 100, 0)));
      expect(again).toEqual(counts);
      expect(await store.countSenderMail('s@x.test', 'h2', 'in-0', 100, 0)).toEqual({ position: 1 });
    });

    it('claims a Message-ID for the hour in the same write as the count, per sender', async () => {
      const counts = await Promise.all(
        ['a', 'b', 'c'].map((id) => store.countSenderMail('jane@x.test', 'h1', id, 100, 0, '<m@x.test>')),
      );
      const first = counts[0]?.firstInboundId ?? '';
      expect(['a', 'b', 'c']).toContain(first);
      expect(counts.every((count) => count.firstInboundId === first)).toBe(true);
      expect(counts.map((count) => count.position).sort()).toEqual([1, 2, 3]);
      // A retry of any of them keeps its place and the first claimer.
      expect(await store.countSenderMail('jane@x.test', 'h1', 'b', 100, 0, '<m@x.test>')).toEqual(counts[1]);
      expect(await store.countSenderMail('bob@x.test', 'h1', 'd', 100, 0, '<m@x.test>')).toEqual({
        position: 1,
        firstInboundId: 'd',
      });
    });

    it('writes nothing past the sender cap: the item stops growing, later mail and its retries get cap + 1', async () => {
      const cap = 5;
      const table = new DynamoDbTable(running.clients.doc, tableName);
      const count = (id: string, rfc?: string) => store.countSenderMail('loop@x.test', 'h1', id, cap, 0, rfc);
      for (let n = 0; n < cap; n += 1)
        expect((await count(`in-${n}`, `<m${n}@x.test>`)).position).toBe(n + 1);
      const full = await table.getItem(keys.rate('loop@x.test', 'h1'));
      for (let n = cap; n < cap + 40; n += 1) {
        expect(await count(`in-${n}`, `<m${n}@x.test>`)).toEqual({ position: cap + 1 });
      }
      expect(await table.getItem(keys.rate('loop@x.test', 'h1'))).toEqual(full);
      // A retried message keeps its answer, counted or not; a resend of a counted mail is still named.
      expect(await count('in-2', '<m2@x.test>')).toEqual({ position: 3, firstInboundId: 'in-2' });
      expect(await count(`in-${cap + 7}`, `<m${cap + 7}@x.test>`)).toEqual({ position: cap + 1 });
      expect(await count('resend', '<m1@x.test>')).toEqual({ position: cap + 1, firstInboundId: 'in-1' });
    });

    it('claims an inbound message with a lease: one holder at a time, a finished one always passes', async () => {
      const lease = (holder: string, now: number) => ({ holder, now, until: now + 1000 });
      const claims = await Promise.allSettled(
        ['h1', 'h2', 'h3'].map((h) => store.claimInbound('in-1', 'inbound/in-1', 'T', lease(h, 0))),
      );
      expect(claims.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
      expect(
        claims.filter((c) => c.status === 'rejected').map((c) => (c as PromiseRejectedResult).reason.name),
      ).toEqual(['LeaseHeldError', 'LeaseHeldError']);
      // Run out: the next attempt takes over; released: free at once.
      const taken = await store.claimInbound('in-1', 'inbound/in-1', 'T', lease('late', 1500));
      expect(taken).toMatchObject({ id: 'in-1', attempts: 2 });
      expect(taken).not.toHaveProperty('leaseHolder');
      await store.releaseInboundLease('in-1', 'someone-else');
      await expect(store.claimInbound('in-1', 'inbound/in-1', 'T', lease('x', 1600))).rejects.toThrow(
        /another attempt/,
      );
      await store.releaseInboundLease('in-1', 'late');
      await store.claimInbound('in-1', 'inbound/in-1', 'T', lease('y', 1700));
      const relay = { key: 'in-1:owner', messageId: '<r@x>', sentAt: 'T' };
      await store.recordOutcome('in-1', { status: 'relayed-to-owner' }, relay);
      const ended = await store.claimInbound('in-1', 'inbound/in-1', 'T', lease('z', 1800));
      // Refused claims count no attempt.
      expect(ended).toMatchObject({ outcome: { status: 'relayed-to-owner' }, relay, attempts: 4 });
      await store.reopenInbound('in-1');
      expect((await store.getInbound('in-1'))?.outcome).toBeUndefined();
    });

    it('settles a message in one write, once', async () => {
      const outcome = { status: 'automatic' as const, reason: 'mailer-daemon' as const };
      expect(await store.settleInbound('in-2', 'inbound/in-2', 'T', outcome)).toMatchObject({
        settled: true,
      });
      const again = await store.settleInbound('in-2', 'inbound/in-2', 'T2', { status: 'failed' });
      expect(again).toMatchObject({ settled: false, record: { outcome, attempts: 2, receivedAt: 'T' } });
    });

    it('keeps suppressions', async () => {
      expect(await store.getSuppression('a@x.test')).toBeUndefined();
      const record = {
        address: 'a@x.test',
        reason: 'complaint' as const,
        detail: 'abuse',
        at: '2026-11-23T10:00:00Z',
      };
      await store.suppressAddress(record);
      await store.suppressAddress(record);
      expect(await store.getSuppression('a@x.test')).toEqual(record);
    });

    it('lets one holder at a time send, hands over a run-out lease, and releases only its own', async () => {
      const results = await Promise.all(
        ['h1', 'h2', 'h3'].map((h) => store.claimSendLease('k', h, 1000, 2000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const holder = ['h1', 'h2', 'h3'][results.indexOf(true)] ?? '';
      expect(await store.claimSendLease('k', holder, 1500, 2500)).toBe(true);
      expect(await store.claimSendLease('k', 'late', 1600, 2600)).toBe(false);
      expect(await store.claimSendLease('k', 'late', 2600, 3600)).toBe(true);
      await store.releaseSendLease('k', holder);
      expect(await store.claimSendLease('k', 'other', 2700, 3700)).toBe(false);
      await store.releaseSendLease('k', 'late');
      expect(await store.claimSendLease('k', 'other', 2700, 3700)).toBe(true);
    });

    it('drops every lease at once for a single process starting up', async () => {
      await store.claimSendLease('k1', 'dead', 1000, 9_000_000_000_000);
      await store.claimSendLease('k2', 'dead', 1000, 9_000_000_000_000);
      expect(await store.claimSendLease('k1', 'new', 2000, 3000)).toBe(false);
      expect(await store.clearSendLeases()).toBeGreaterThanOrEqual(2);
      expect(await store.claimSendLease('k1', 'new', 2000, 3000)).toBe(true);
      expect(await store.claimSendLease('k2', 'new', 2000, 3000)).toBe(true);
    });
  },
);
