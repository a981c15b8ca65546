import { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsMessageQueue } from '../../adapters/sqs/sqs-message-queue.js';
import { awaitAll } from '../../delivery/await-all.js';
import { replayQueue } from '../../handlers/replay-queue.js';
import type { AwsOpsComposition } from '../../runtime/aws-ops-composition.js';
import { replayStoredMail } from '../../use-cases/replay-inbound.js';
import { type CliIo, UsageError } from '../cli-io.js';
import { openDeps, type TargetFlags } from '../open-deps.js';
import { createProgressBar, type ProgressBar } from '../progress-bar.js';

/** Flags of `spoc replay`. */
export interface ReplayFlags extends TargetFlags {
  json?: boolean;
  force?: boolean;
  'queue-url'?: string;
}

const INBOUND_PREFIX = 'inbound/';

/**
 * `spoc replay [<inbound-id>…] [--force]` re-runs stored raw mail (all of `inbound/`, or the given ids)
 * through the inbound use case; `spoc replay --queue-url <dlq>` drains a dead-letter queue through the
 * inbound batch handler.
 */
export async function replayCommand(
  io: CliIo,
  args: string[],
  flags: ReplayFlags,
  progress: ProgressBar = createProgressBar(),
): Promise<void> {
  const opened = await openDeps(io, flags);
  try {
    const { deps } = opened;
    if (flags['queue-url']) {
      if (args.length > 0) throw new UsageError('give either inbound ids or --queue-url, not both');
      const queueUrl = flags['queue-url'];
      const region = flags.region ?? io.env.AWS_REGION;
      // With --table the queue comes from the same composition as the deps; locally it is its own client.
      const client = opened.aws ? undefined : new SQSClient(region ? { region } : {});
      try {
        const summary = await replayQueue(
          deps,
          client
            ? new SqsMessageQueue({ client, queueUrl })
            : (opened.aws as AwsOpsComposition).queue(queueUrl),
          new Logger({ serviceName: 'spoc-replay', logLevel: 'WARN' }),
          {
            force: flags.force === true,
            onProgress: (done) => progress.update(done, done, 'queue messages'),
          },
        );
        progress.finish();
        io.out(
          flags.json
            ? JSON.stringify(summary)
            : `replayed ${summary.replayed} message(s) from the queue; ${summary.failedAgain} failed again and stay in the queue (see the logs)`,
        );
      } finally {
        client?.destroy();
      }
      return;
    }
    const ids =
      args.length > 0
        ? args.map((id) => (id.startsWith(INBOUND_PREFIX) ? id.slice(INBOUND_PREFIX.length) : id))
        : (await deps.rawMail.listKeys(INBOUND_PREFIX)).map((key) => key.slice(INBOUND_PREFIX.length));
    if (ids.length === 0) {
      io.out(`no stored mail under ${INBOUND_PREFIX} in ${opened.where}`);
      return;
    }
    if (args.length > 0) {
      // An id that names nothing is a mistyped id, not a replay that found nothing to do.
      const unknown: string[] = [];
      for (const id of ids) {
        const key = `${INBOUND_PREFIX}${id}`;
        const [record, keys] = await awaitAll([deps.store.getInbound(id), deps.rawMail.listKeys(key)]);
        if (!record && !keys.includes(key)) unknown.push(id);
      }
      if (unknown.length > 0) {
        throw new UsageError(
          `no stored mail ${unknown.map((id) => `"${id}"`).join(', ')} in ${opened.where}: give the ids of ${INBOUND_PREFIX} (spoc export <customer> lists a customer's), or no id to replay everything`,
        );
      }
    }
    const summary = await replayStoredMail(deps, ids, {
      force: flags.force === true,
      trustUnmarked: opened.local,
      onProgress: (done, total) => progress.update(done, total, 'mails'),
    });
    progress.finish();
    if (flags.json) {
      io.out(JSON.stringify(summary));
      return;
    }
    const ran = Object.entries(summary.outcomes)
      .map(([status, count]) => `${count} ${status}`)
      .join(', ');
    io.out(
      [
        `replayed ${summary.processed} of ${ids.length} mail(s)${ran ? ` (${ran})` : ''}`,
        summary.alreadyDone > 0
          ? `${summary.alreadyDone} already had an outcome and were left alone${flags.force ? '' : ' (re-run failed ones with --force)'}`
          : '',
        summary.missing > 0
          ? `${summary.missing} had no raw mail any more (check the ids with spoc export, or the bucket)`
          : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  } finally {
    await opened.close();
  }
}
