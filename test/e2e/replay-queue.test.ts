import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayQueue } from '../../lib/handlers/replay-queue.js';
import { DEFAULT_LOCAL_BUCKET } from '../../lib/local/embedded-engines.js';
import { synthesizeSesEvent } from '../../lib/local/synthesize-ses-event.js';
import type { MessageQueue, QueueMessage } from '../../lib/ports/message-queue.js';
import { LocalHarness } from '../support/local-harness.js';

/**
 * A queue with SQS's receive semantics (a received message is hidden until deleted), held in memory:
 * the dead-letter queue the replay drains. The SQS adapter itself needs a real queue to test.
 */
class InMemoryQueue implements MessageQueue {
  readonly visible: QueueMessage[] = [];
  readonly hidden: QueueMessage[] = [];
  async receive(max: number): Promise<QueueMessage[]> {
    const taken = this.visible.splice(0, max);
    this.hidden.push(...taken);
    return taken;
  }
  async delete(messages: QueueMessage[]): Promise<void> {
    for (const message of messages) {
      const at = this.hidden.indexOf(message);
      if (at >= 0) this.hidden.splice(at, 1);
    }
  }
}

function dlqMessage(inboundId: string): QueueMessage {
  const record = synthesizeSesEvent({
    inboundId,
    rawKey: `inbound/${inboundId}`,
    bucket: DEFAULT_LOCAL_BUCKET,
    envelopeFrom: 'dlq@customer.test',
    recipients: ['support@example.test'],
    receivedAt: new Date(),
    verdict: 'PASS',
  }).Records[0];
  if (!record) throw new Error('no record');
  return {
    messageId: `sqs-${inboundId}`,
    receiptHandle: `h-${inboundId}`,
    body: record.body,
    attributes: {},
  };
}

describe('spoc replay --queue-url: draining the dead-letter queue through the inbound handler', () => {
  let harness: LocalHarness;
  const logger = new Logger({ serviceName: 'replay-test', logLevel: 'SILENT' });
  beforeAll(async () => {
    harness = await LocalHarness.start();
  });
  afterAll(async () => {
    await harness.stop();
  });

  const raw = (id: string) =>
    Buffer.from(
      `From: dlq@customer.test\r\nTo: support@example.test\r\nSubject: From the DLQ ${id}\r\nMessage-ID: <${id}@customer.test>\r\n\r\nStuck once.\r\n`,
    );

  it('relays what never finished, deletes what succeeded, keeps what fails again, and re-runs failed outcomes only with force', async () => {
    const { store, rawMail } = harness.server.deps;
    await rawMail.putRaw('inbound/dlq00000000000001', raw('dlq1'));
    await rawMail.putRaw('inbound/dlq00000000000002', raw('dlq2'));
    await store.claimInbound('dlq00000000000002', 'inbound/dlq00000000000002', new Date().toISOString());
    await store.recordOutcome('dlq00000000000002', { status: 'failed', reason: 'no-active-owner' });

    const queue = new InMemoryQueue();
    queue.visible.push(dlqMessage('dlq00000000000001'), dlqMessage('dlq00000000000002'), {
      messageId: 'sqs-garbage',
      receiptHandle: 'h-garbage',
      body: '{"not":"ses"}',
      attributes: {},
    });
    const first = await replayQueue(harness.server.deps, queue, logger, { force: false });
    expect(first).toEqual({ replayed: 2, failedAgain: 1 });
    expect(queue.hidden.map((m) => m.messageId)).toEqual(['sqs-garbage']);
    const sent = await harness.newOutboxMails();
    expect(sent.map((m) => m.mail.subject)).toEqual(['From the DLQ dlq1']);
    expect((await store.getInbound('dlq00000000000002'))?.outcome?.status).toBe('failed');

    queue.visible.push(dlqMessage('dlq00000000000002'));
    const forced = await replayQueue(harness.server.deps, queue, logger, { force: true });
    expect(forced).toEqual({ replayed: 1, failedAgain: 0 });
    expect((await harness.newOutboxMails()).map((m) => m.mail.subject)).toEqual(['From the DLQ dlq2']);
    expect((await store.getInbound('dlq00000000000002'))?.outcome?.status).toBe('relayed-to-owner');

    // Delivered twice more, even with force: a relayed mail is never relayed again.
    queue.visible.push(dlqMessage('dlq00000000000001'), dlqMessage('dlq00000000000002'));
    expect(await replayQueue(harness.server.deps, queue, logger, { force: true })).toEqual({
      replayed: 2,
      failedAgain: 0,
    });
    expect(await harness.newOutboxMails()).toEqual([]);
  });
});
