import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { runBatch } from './handler-rig.js';

/** Options of {@link SimulatedQueue}: the SQS settings that matter for redelivery. */
export interface SimulatedQueueOptions {
  /** Receives before a record moves to the DLQ (the redrive policy's maxReceiveCount). */
  maxReceiveCount: number;
  batchSize: number;
  /** Batches processed at once (Lambda concurrency). */
  concurrency: number;
  /** Called before each redelivery round: the visibility timeout passing. */
  onVisibilityTimeout?: () => void;
}

/** What a drained queue did. */
export interface QueueReport {
  deliveries: number;
  redeliveries: number;
  dlq: Array<{ record: SQSRecord; receiveCount: number }>;
}

/**
 * An SQS queue with a redrive policy, in memory: records go to the handler in batches, failed ones (the
 * batch item failures, or a whole batch that threw) come back after the visibility timeout until
 * `maxReceiveCount`, then land in the DLQ.
 */
export class SimulatedQueue {
  private waiting: Array<{ record: SQSRecord; receiveCount: number }> = [];
  constructor(
    private readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
    private readonly options: SimulatedQueueOptions,
  ) {}

  send(record: SQSRecord): void {
    this.waiting.push({ record, receiveCount: 0 });
  }

  async drain(): Promise<QueueReport> {
    const report: QueueReport = { deliveries: 0, redeliveries: 0, dlq: [] };
    while (this.waiting.length > 0) {
      const round = this.waiting;
      this.waiting = [];
      const batches: Array<typeof round> = [];
      for (let i = 0; i < round.length; i += this.options.batchSize) {
        batches.push(round.slice(i, i + this.options.batchSize));
      }
      const failedThisRound: typeof round = [];
      let next = 0;
      const worker = async () => {
        for (let batch = batches[next++]; batch !== undefined; batch = batches[next++]) {
          const records = batch.map((entry) => {
            entry.receiveCount += 1;
            report.deliveries += 1;
            if (entry.receiveCount > 1) report.redeliveries += 1;
            return {
              ...entry.record,
              attributes: { ...entry.record.attributes, ApproximateReceiveCount: String(entry.receiveCount) },
            };
          });
          const result = await runBatch(this.handler, records);
          const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
          for (const entry of batch) if (failed.has(entry.record.messageId)) failedThisRound.push(entry);
        }
      };
      await Promise.all(Array.from({ length: this.options.concurrency }, worker));
      for (const entry of failedThisRound) {
        if (entry.receiveCount >= this.options.maxReceiveCount) report.dlq.push(entry);
        else this.waiting.push(entry);
      }
      if (this.waiting.length > 0) this.options.onVisibilityTimeout?.();
    }
    return report;
  }
}
