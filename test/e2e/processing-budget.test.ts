import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  sqsBodyWithSesNotificationSchema,
  toInboundNotice,
} from '../../lib/events/ses-received-notification.js';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import type { RawMailStore } from '../../lib/ports/raw-mail-store.js';
import type { InboundDeps } from '../../lib/use-cases/inbound-deps.js';
import { EmptyInboundIdError, processInboundMail } from '../../lib/use-cases/process-inbound-mail.js';
import { HandlerRig } from '../support/handler-rig.js';
import { customerMail } from '../support/mail-builder.js';

const SUPPORT = ['support@example.test'];

/**
 * Raw mail reads of the keys in `stalled` never answer (a read that outlives every timeout) until their
 * signal is aborted, as the SDK ends an aborted request.
 */
function stallReads(stalled: Set<string>): (deps: InboundDeps) => InboundDeps {
  return (deps) => {
    const rawMail = new Proxy(deps.rawMail, {
      get(target, property) {
        if (property === 'getRaw') {
          return (key: string, options?: { signal?: AbortSignal }) =>
            stalled.has(key)
              ? new Promise<Buffer>((_, reject) =>
                  options?.signal?.addEventListener('abort', () => reject(options.signal?.reason)),
                )
              : target.getRaw(key, options);
        }
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as RawMailStore;
    return { ...deps, rawMail };
  };
}

function withReceiveCount(record: SQSRecord, count: number): SQSRecord {
  return { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: String(count) } };
}

describe('a mail that cannot be finished ends held, and never takes its batch with it', () => {
  let engines: EmbeddedEngines;
  let rig: HandlerRig;
  const stalled = new Set<string>();
  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    rig = await HandlerRig.create(engines, {
      config: { limits: { processingBudgetMs: 3000, maxProcessingAttempts: 3 } },
      wrap: stallReads(stalled),
    });
  });
  afterAll(async () => {
    await engines.close();
  });

  it('past the processing budget: quarantined, raw mail kept, the other record relayed', async () => {
    const slow = await rig.receive(await customerMail('slow@customer.test', 'slow', 'Hello'), {
      from: 'slow@customer.test',
      to: SUPPORT,
    });
    stalled.add(slow.rawKey);
    const fine = await rig.receive(await customerMail('fine@customer.test', 'fine', 'Hello'), {
      from: 'fine@customer.test',
      to: SUPPORT,
    });

    const result = await rig.run(slow.record, fine.record);

    expect(result.batchItemFailures).toEqual([]);
    const held = await rig.deps.store.getInbound(slow.inboundId);
    expect(held?.outcome).toMatchObject({ status: 'quarantined', reason: 'processing-budget' });
    expect(held?.outcome?.detail).toContain(slow.rawKey);
    expect((await rig.setupRaw.getRaw(slow.rawKey)).length).toBeGreaterThan(0);
    expect((await rig.deps.store.getInbound(fine.inboundId))?.outcome?.status).toBe('relayed-to-owner');
    expect(rig.sender.to('slow@customer.test')).toEqual([]);
  });

  it('a delivery past the allowed attempts is held without being read again', async () => {
    const raw = await customerMail('crashy@customer.test', 'crashy', 'Hello');
    const crashy = await rig.receive(raw, { from: 'crashy@customer.test', to: SUPPORT });
    // Each earlier attempt crashed or timed out with the whole function: nothing was recorded.
    stalled.add(crashy.rawKey);
    const before = rig.sender.mails.length;

    const result = await rig.run(withReceiveCount(crashy.record, 4));

    expect(result.batchItemFailures).toEqual([]);
    const held = await rig.deps.store.getInbound(crashy.inboundId);
    expect(held?.outcome).toMatchObject({ status: 'quarantined', reason: 'repeated-failure' });
    expect(held?.outcome?.detail).toContain('3 attempts');
    expect(rig.sender.mails.length).toBe(before);
    expect((await rig.setupRaw.getRaw(crashy.rawKey)).equals(raw)).toBe(true);
  });

  it('deliveries that failed on a service do not count: a sound mail in a bad minute is relayed', async () => {
    const raw = await customerMail('unlucky@customer.test', 'unlucky', 'Hello');
    const unlucky = await rig.receive(raw, { from: 'unlucky@customer.test', to: SUPPORT });
    // Three earlier attempts met throttling or a 5xx: each was thrown for the queue and noted.
    const at = new Date().toISOString();
    for (let i = 0; i < 3; i += 1)
      await rig.deps.store.noteTransientFailure(unlucky.inboundId, unlucky.rawKey, at);

    const result = await rig.run(withReceiveCount(unlucky.record, 4));

    expect(result.batchItemFailures).toEqual([]);
    expect((await rig.deps.store.getInbound(unlucky.inboundId))?.outcome?.status).toBe('relayed-to-owner');
  });

  it('the last allowed delivery is still processed', async () => {
    const raw = await customerMail('third@customer.test', 'third', 'Hello');
    const third = await rig.receive(raw, { from: 'third@customer.test', to: SUPPORT });

    const result = await rig.run(withReceiveCount(third.record, 3));

    expect(result.batchItemFailures).toEqual([]);
    expect((await rig.deps.store.getInbound(third.inboundId))?.outcome?.status).toBe('relayed-to-owner');
  });

  it('an empty inbound id is refused before anything is claimed or recorded', async () => {
    const { record } = await rig.receive(await customerMail('empty@customer.test', 'empty', 'Hello'), {
      from: 'empty@customer.test',
      to: SUPPORT,
    });
    const notice = toInboundNotice(sqsBodyWithSesNotificationSchema.parse(record.body).Message);

    await expect(processInboundMail(rig.deps, { ...notice, inboundId: '' })).rejects.toThrow(
      EmptyInboundIdError,
    );
    expect(await rig.deps.store.getInbound('')).toBeUndefined();
  });
});
