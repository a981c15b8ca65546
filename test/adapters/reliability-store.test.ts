import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbSupportStore } from '../../lib/adapters/dynamodb/dynamodb-support-store.js';
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
    beforeAll(async () => {
      running = await engine.start();
    });
    afterAll(async () => {
      await running?.close();
    });
    beforeEach(async () => {
      tables += 1;
      const tableName = `guards-${tables}`;
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
      const positions = await Promise.all(ids.map((id) => store.countSenderMail('s@x.test', 'h1', id, 0)));
      expect([...positions].sort((a, b) => a - b)).toEqual(ids.map((_, n) => n + 1));
      const again = await Promise.all(ids.map((id) => store.countSenderMail('s@x.test', 'h1', id, 0)));
      expect(again).toEqual(positions);
      expect(await store.countSenderMail('s@x.test', 'h2', 'in-0', 0)).toBe(1);
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
