import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendThrottledError } from '../../lib/adapters/ses/ses-mail-sender.js';
import { THROTTLED_MAX_DELAY_SECONDS, throttledRetryDelaySeconds } from '../../lib/handlers/inbound-batch.js';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import type { MailSender, OutgoingMail, SendReceipt } from '../../lib/ports/mail-sender.js';
import type { MessageVisibility, ReceivedMessageRef } from '../../lib/ports/message-queue.js';
import { HandlerRig } from '../support/handler-rig.js';
import { customerMail } from '../support/mail-builder.js';

const SUPPORT = ['support@example.test'];
const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:SpocInbox-IngestInboundQueue';

/** The visibility port in memory: what SQS ChangeMessageVisibility would have been asked. */
class RecordingVisibility implements MessageVisibility {
  readonly calls: Array<ReceivedMessageRef & { seconds: number }> = [];
  async returnAfter(message: ReceivedMessageRef, seconds: number): Promise<void> {
    this.calls.push({ ...message, seconds });
  }
}

/** SES over its rate for the first `times` sends, as the adapter reports it; then the real sender. */
function throttleFirst(sender: MailSender, times: number): MailSender {
  let left = times;
  return {
    send: async (mail: OutgoingMail): Promise<SendReceipt> => {
      if (left > 0) {
        left -= 1;
        const cause = Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling' });
        throw new SendThrottledError('Throttling', `SES throttled ${mail.messageId}`, { cause });
      }
      return sender.send(mail);
    },
  };
}

describe('throttledRetryDelaySeconds', () => {
  it('is short, grows with each receive, stays under the cap, and spreads over its upper half', () => {
    expect(throttledRetryDelaySeconds(1, 0)).toBe(5);
    expect(throttledRetryDelaySeconds(1, 0.999)).toBe(10);
    expect(throttledRetryDelaySeconds(2, 0.5)).toBe(15);
    expect(throttledRetryDelaySeconds(3, 0)).toBe(20);
    expect(throttledRetryDelaySeconds(40, 0.999)).toBe(THROTTLED_MAX_DELAY_SECONDS);
    expect(throttledRetryDelaySeconds(Number.NaN, 0)).toBe(5);
  });
});

describe('a send SES throttles', () => {
  let engines: EmbeddedEngines;
  beforeAll(async () => {
    engines = await startEmbeddedEngines();
  });
  afterAll(async () => {
    await engines.close();
  });

  it('returns the record to its queue after a short jittered delay, and the retry relays it', async () => {
    const visibility = new RecordingVisibility();
    let throttledCount = 0;
    const rig = await HandlerRig.create(engines, {
      wrapSender: (sender) => throttleFirst(sender, 1),
      throttling: { visibility, random: () => 0.5, onThrottled: () => (throttledCount += 1) },
    });
    const raw = await customerMail('jane@customer.test', 'Invoice', 'Where is my invoice?');
    const { record, inboundId } = await rig.receive(raw, { from: 'jane@customer.test', to: SUPPORT });
    const first = { ...record, eventSourceARN: QUEUE_ARN, receiptHandle: 'handle-1' };
    first.attributes = { ...first.attributes, ApproximateReceiveCount: '2' };

    const result = await rig.run(first);
    // Still a failure, so the queue keeps it; but it comes back in seconds, not after the timeout.
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(visibility.calls).toEqual([{ queueArn: QUEUE_ARN, receiptHandle: 'handle-1', seconds: 15 }]);
    expect(throttledCount).toBe(1);
    expect(rig.sender.mails).toHaveLength(0);

    const retry = await rig.run({ ...first, receiptHandle: 'handle-2' });
    expect(retry.batchItemFailures).toEqual([]);
    expect(rig.sender.mails).toHaveLength(1);
    expect((await rig.deps.store.getInbound(inboundId))?.outcome?.status).toBe('relayed-to-owner');
    expect(visibility.calls).toHaveLength(1);
  });

  it('leaves other failures to the visibility timeout', async () => {
    const visibility = new RecordingVisibility();
    const rig = await HandlerRig.create(engines, {
      wrapSender: () => ({
        send: async () => {
          throw Object.assign(new Error('service unavailable'), { name: 'InternalServiceErrorException' });
        },
      }),
      throttling: { visibility },
    });
    const raw = await customerMail('jane@customer.test', 'Invoice', 'Where is my invoice?');
    const { record } = await rig.receive(raw, { from: 'jane@customer.test', to: SUPPORT });
    const result = await rig.run({ ...record, eventSourceARN: QUEUE_ARN });
    expect(result.batchItemFailures).toHaveLength(1);
    expect(visibility.calls).toEqual([]);
  });
});
