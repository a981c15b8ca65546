import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation } from '../../lib/domain/types.js';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import type { SupportStore } from '../../lib/ports/support-store.js';
import { runPromiseStep, type SweepDeps, sweepPromises } from '../../lib/use-cases/sweep-promises.js';
import { InjectedCrashError } from '../support/crash-injection.js';
import { HandlerRig } from '../support/handler-rig.js';
import { seedPromisedConversation } from '../support/seed-promise.js';

const CONFIG = { escalation: { defaultBackup: 'bob@example.test', leadAddress: 'lead@example.test' } };
const RECEIVED = new Date('2026-12-02T09:00:00Z');
const NUDGE = new Date('2026-12-02T12:00:00Z');
const DUE = new Date('2026-12-02T13:00:00Z');

function seeded(rig: HandlerRig, id: string): Promise<Conversation> {
  return seedPromisedConversation(rig.deps.store, {
    id,
    subject: 'Order',
    receivedAt: RECEIVED,
    times: { nudgeAt: NUDGE, dueAt: DUE },
  });
}

/** The store, dying once right before the promise's state is written (after its mails went out). */
function crashingBeforePromiseWrite(store: SupportStore): SupportStore {
  let crashed = false;
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property === 'writePromise' && !crashed) {
        return () => {
          crashed = true;
          throw new InjectedCrashError('crash between the sends and the promise write');
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('the promise sweep under repeated and concurrent runs and crashes (real engines)', () => {
  let engines: EmbeddedEngines;
  beforeAll(async () => {
    engines = await startEmbeddedEngines();
  });
  afterAll(async () => {
    await engines.close();
  });

  it('two sweeps at once send one nudge, and three at once one handover and one notice', async () => {
    const rig = await HandlerRig.create(engines, { config: CONFIG });
    await seeded(rig, 'race-1');
    const deps: SweepDeps = rig.deps;
    await Promise.all([sweepPromises(deps, NUDGE), sweepPromises(deps, NUDGE)]);
    expect(rig.sender.mails.map((m) => m.envelope.to)).toEqual([['alice@example.test']]);
    expect((await rig.deps.store.getConversation('race-1'))?.promise?.nudgedAt).toBe(NUDGE.toISOString());

    await Promise.all([sweepPromises(deps, DUE), sweepPromises(deps, DUE), sweepPromises(deps, DUE)]);
    // A sweep that found another sending the same mail backs off: a later sweep finds nothing left.
    await sweepPromises(deps, DUE);
    expect(rig.sender.mails.map((m) => m.envelope.to[0]).sort()).toEqual([
      'alice@example.test',
      'alice@example.test',
      'bob@example.test',
    ]);
    expect((await rig.deps.store.getConversation('race-1'))?.promise).toMatchObject({
      state: 'escalated',
      escalatedTo: 'bob@example.test',
    });
  });

  it('a crash between the send and the promise write sends no second mail when the sweep runs again', async () => {
    const rig = await HandlerRig.create(engines, { config: CONFIG });
    await seeded(rig, 'crash-1');
    const crashing: SweepDeps = { ...rig.deps, store: crashingBeforePromiseWrite(rig.deps.store) };
    await expect(runPromiseStep(crashing, 'crash-1', NUDGE)).rejects.toThrow(InjectedCrashError);
    expect(rig.sender.mails).toHaveLength(1);
    // The promise is as it was: the next sweep plans the same nudge, finds it sent, and writes the state.
    expect((await rig.deps.store.getConversation('crash-1'))?.promise?.nudgedAt).toBeUndefined();
    const report = await sweepPromises(rig.deps, NUDGE);
    expect(report.results).toEqual([
      { conversationId: 'crash-1', step: 'nudge', detail: 'nudged alice@example.test' },
    ]);
    expect(rig.sender.mails).toHaveLength(1);
    expect((await rig.deps.store.getConversation('crash-1'))?.promise?.nudgedAt).toBe(NUDGE.toISOString());
    await sweepPromises(rig.deps, NUDGE);
    expect(rig.sender.mails).toHaveLength(1);
  });

  it('a crash after the handover went out finishes with the owner notice once, the handover not again', async () => {
    const rig = await HandlerRig.create(engines, { config: CONFIG });
    await seeded(rig, 'crash-2');
    const crashing: SweepDeps = { ...rig.deps, store: crashingBeforePromiseWrite(rig.deps.store) };
    await expect(runPromiseStep(crashing, 'crash-2', DUE)).rejects.toThrow(InjectedCrashError);
    expect(rig.sender.mails.map((m) => m.envelope.to[0]).sort()).toEqual([
      'alice@example.test',
      'bob@example.test',
    ]);
    await sweepPromises(rig.deps, DUE);
    await sweepPromises(rig.deps, DUE);
    expect(rig.sender.mails).toHaveLength(2);
    expect((await rig.deps.store.getConversation('crash-2'))?.promise?.state).toBe('escalated');
  });

  it('a sweep reads only the due index: a promise not yet due and one answered are left alone', async () => {
    const rig = await HandlerRig.create(engines, { config: CONFIG });
    await seeded(rig, 'later-1');
    await seeded(rig, 'kept-1');
    await rig.deps.store.writePromise(
      'kept-1',
      { promise: undefined, promiseEpoch: 1 },
      undefined,
      NUDGE.toISOString(),
    );
    const early = await sweepPromises(rig.deps, new Date(NUDGE.getTime() - 1));
    expect(early.due).toBe(0);
    const report = await sweepPromises(rig.deps, NUDGE);
    expect(report.results.map((r) => r.conversationId)).toEqual(['later-1']);
    expect(rig.sender.mails).toHaveLength(1);
  });
});
