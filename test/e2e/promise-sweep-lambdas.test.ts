import { Logger } from '@aws-lambda-powertools/logger';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbSupportStore } from '../../lib/adapters/dynamodb/dynamodb-support-store.js';
import { SesMailSender } from '../../lib/adapters/ses/ses-mail-sender.js';
import { SqsDuePromiseQueue } from '../../lib/adapters/sqs/sqs-due-promise-queue.js';
import { createPromiseScheduleHandler } from '../../lib/handlers/promise-schedule.js';
import { createPromiseStepBatchHandler } from '../../lib/handlers/promise-step-batch.js';
import {
  createLocalDynamoClients,
  type EmbeddedEngines,
  startEmbeddedEngines,
} from '../../lib/local/embedded-engines.js';
import { injectFaults } from '../../lib/local/fault-injection.js';
import type { ScheduleReport } from '../../lib/use-cases/schedule-due-promises.js';
import type { SweepDeps } from '../../lib/use-cases/sweep-promises.js';
import { HandlerRig } from '../support/handler-rig.js';
import { type MotoServer, startMotoServer } from '../support/moto-server.js';
import { seedPromisedConversation } from '../support/seed-promise.js';
import { sqsRecordOf } from '../support/sqs-record.js';

const REGION = 'us-east-1';
const CONFIG = { escalation: { defaultBackup: 'bob@example.test', leadAddress: 'lead@example.test' } };
const RECEIVED = new Date('2026-12-02T09:00:00Z');
const NUDGE = new Date('2026-12-02T12:00:00Z');
const DUE = new Date('2026-12-02T13:00:00Z');
const silent = new Logger({ logLevel: 'SILENT' });

/**
 * The two functions of the promise sweep in AWS, through their handlers: the scheduler reads the due
 * index on dynalite and fills a real SQS queue (moto_server); the worker runs on the records received
 * from that queue and sends through SES (moto_server) with the production sender.
 */
describe('the promise sweep as the scheduler and the step functions (dynalite, SQS and SES on moto)', () => {
  let engines: EmbeddedEngines;
  let moto: MotoServer;
  let sqs: SQSClient;
  let ses: SESv2Client;
  const saved = { ...process.env };

  beforeAll(async () => {
    [engines, moto] = await Promise.all([startEmbeddedEngines(), startMotoServer()]);
    // The SQS and SES clients find moto the way the deployed code would find any endpoint.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: REGION,
    });
    sqs = new SQSClient({});
    ses = new SESv2Client({});
    for (const identity of ['example.test', 'reply.example.test']) {
      await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: identity }));
    }
  }, 60_000);

  afterAll(async () => {
    sqs?.destroy();
    ses?.destroy();
    await moto?.stop();
    await engines?.close();
    process.env = saved;
  });

  /** A table with owners, a queue, the scheduler on a store that records every command it sends. */
  async function setUp(options: { sesClient?: SESv2Client; unverifiedSender?: boolean } = {}) {
    const sender = new SesMailSender({ client: options.sesClient ?? ses, region: REGION });
    const config = options.unverifiedSender
      ? { ...CONFIG, supportAddress: 'support@unverified.test', replyDomain: 'reply.unverified.test' }
      : CONFIG;
    const rig = await HandlerRig.create(engines, { config, wrapSender: () => sender });
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: `promise-${Math.random().toString(36).slice(2, 10)}` }),
    );
    const queueUrl = QueueUrl as string;
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const commands: string[] = [];
    const indexes: unknown[] = [];
    const { doc } = createLocalDynamoClients(engines.endpoints.dynamodb);
    doc.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        if (context.commandName === 'QueryCommand') {
          indexes.push((args.input as { IndexName?: string }).IndexName);
        }
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    const scheduleDeps = {
      store: new DynamoDbSupportStore({ client: doc, tableName: rig.tableName }),
      queue: new SqsDuePromiseQueue(sqs, queueUrl),
    };
    const schedule = (at: Date) =>
      createPromiseScheduleHandler(
        () => scheduleDeps,
        silent,
        () => at,
      )({}) as Promise<ScheduleReport>;
    const sweepDeps: SweepDeps = rig.deps;
    // What the worker reports for its figures (an escalation counts toward the broken-promise alarm).
    const steps: string[] = [];
    const step = (at: Date, deps: SweepDeps = sweepDeps) =>
      createPromiseStepBatchHandler(
        () => Promise.resolve(deps),
        silent,
        () => at,
        (result) => steps.push(result.step),
      );
    return {
      rig,
      queueUrl,
      queueArn: Attributes?.QueueArn as string,
      commands,
      indexes,
      schedule,
      step,
      steps,
    };
  }

  const seed = (rig: HandlerRig, id: string, times = { nudgeAt: NUDGE, dueAt: DUE }) =>
    seedPromisedConversation(rig.deps.store, { id, subject: `Order ${id}`, receivedAt: RECEIVED, times });

  /** What the queue holds now, as the records Lambda's SQS event source would hand the worker. */
  async function receive(queueUrl: string, queueArn: string): Promise<SQSRecord[]> {
    const records: SQSRecord[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) return records;
      records.push(...Messages.map((m) => sqsRecordOf(m, queueArn, REGION)));
    }
  }

  const bodies = (records: SQSRecord[]) =>
    records.map((r) => (JSON.parse(r.body) as { conversationId: string }).conversationId).sort();

  /** Mails moto's SES took for `address` whose subject names the conversation. */
  const sentAbout = async (id: string) =>
    (await moto.sentRawMails()).filter((m) => m.raw.includes(`Order ${id}`));

  it('the scheduler enqueues each due conversation once, from queries of the due index alone', async () => {
    const { rig, queueUrl, queueArn, commands, indexes, schedule } = await setUp();
    await seed(rig, 'due-a');
    await seed(rig, 'due-b');
    await seed(rig, 'later-c', {
      nudgeAt: new Date(NUDGE.getTime() + 60_000),
      dueAt: new Date(DUE.getTime() + 60_000),
    });

    const report = await schedule(NUDGE);
    expect(report.enqueued.sort()).toEqual(['due-a', 'due-b']);
    const records = await receive(queueUrl, queueArn);
    expect(bodies(records)).toEqual(['due-a', 'due-b']);
    // The cursor item and queries of the due index: no scan, nothing else (the scheduler's IAM grant).
    expect(commands.filter((name) => /scan/i.test(name))).toEqual([]);
    expect(new Set(commands)).toEqual(new Set(['GetItemCommand', 'QueryCommand', 'PutItemCommand']));
    // The due index for promises, the reminder day buckets in gsi1 for questions to colleagues.
    expect(new Set(indexes)).toEqual(new Set(['due', 'gsi1']));
    // 31 day buckets at most (the first run reads back a month) and `later`: bounded, whatever the data.
    expect(report.buckets.length).toBeLessThanOrEqual(32);

    // A run a minute later, before the worker moved either on, finds them again: each once more.
    commands.length = 0;
    const again = await schedule(new Date(NUDGE.getTime() + 60_000));
    expect(again.enqueued.sort()).toEqual(['due-a', 'due-b', 'later-c']);
    // From the cursor on: the day before it (late writers), its day (today here) and `later`.
    expect(again.buckets).toEqual(['2026-12-01', '2026-12-02', 'later']);
    // And the reminders of the same days, one query each.
    expect(commands.sort()).toEqual(['GetItemCommand', 'PutItemCommand', ...Array(6).fill('QueryCommand')]);
    expect(bodies(await receive(queueUrl, queueArn))).toEqual(['due-a', 'due-b', 'later-c']);
    expect(await sentAbout('due-a')).toEqual([]);
  });

  it('the worker sends a nudge once, however often its record is delivered, and the next run finds nothing', async () => {
    const { rig, queueUrl, queueArn, schedule, step, steps } = await setUp();
    await seed(rig, 'nudge-1');
    await schedule(NUDGE);
    // Two runs before the worker: two messages for the one conversation.
    await schedule(new Date(NUDGE.getTime() + 30_000));
    const records = await receive(queueUrl, queueArn);
    expect(bodies(records)).toEqual(['nudge-1', 'nudge-1']);

    const worker = step(new Date(NUDGE.getTime() + 40_000));
    const first = records[0] as SQSRecord;
    expect((await worker({ Records: [first] })).batchItemFailures).toEqual([]);
    const sent = await sentAbout('nudge-1');
    expect(sent.map((m) => m.destinations[0])).toEqual(['alice@example.test']);
    // SQS delivers at least once: the same record again, and the second message, send nothing more.
    expect((await worker({ Records: [first] })).batchItemFailures).toEqual([]);
    expect((await worker({ Records: records })).batchItemFailures).toEqual([]);
    expect(await sentAbout('nudge-1')).toHaveLength(1);
    expect(steps).toEqual(['nudge', 'none', 'none', 'none']);
    expect((await rig.deps.store.getConversation('nudge-1'))?.promise?.nudgedAt).toBeDefined();

    // The nudge moved the entry to the due time: the next run enqueues nothing until then.
    expect((await schedule(new Date(NUDGE.getTime() + 60_000))).enqueued).toEqual([]);
    expect(await receive(queueUrl, queueArn)).toEqual([]);
  });

  it('the worker hands a due promise to the backup once and reports the escalation for the alarm once', async () => {
    const { rig, queueUrl, queueArn, schedule, step, steps } = await setUp();
    await seed(rig, 'late-1', { nudgeAt: DUE, dueAt: DUE });
    const at = new Date(DUE.getTime() + 60_000);
    expect((await schedule(at)).enqueued).toEqual(['late-1']);
    const records = await receive(queueUrl, queueArn);
    expect((await step(at)({ Records: records })).batchItemFailures).toEqual([]);
    expect((await step(at)({ Records: records })).batchItemFailures).toEqual([]);
    // One escalation, counted once toward the daily broken-promise alarm (publishPromiseStepMetrics).
    expect(steps).toEqual(['escalate', 'none']);
    expect((await sentAbout('late-1')).map((m) => m.destinations[0])).toContain('bob@example.test');
    expect((await rig.deps.store.getConversation('late-1'))?.promise?.state).toBe('escalated');
  });

  it('the worker fails only the record whose send failed on a service error, and its retry sends once', async () => {
    const failing = new SESv2Client({});
    injectFaults(failing, {
      rate: 1,
      kinds: ['server-error'],
      commands: (name) => name === 'SendEmailCommand',
    });
    const { rig, queueUrl, queueArn, schedule, step } = await setUp({ sesClient: failing });
    await seed(rig, 'flaky-1');
    await seed(rig, 'quiet-1', {
      nudgeAt: new Date(NUDGE.getTime() + 3_600_000),
      dueAt: new Date(DUE.getTime() + 3_600_000),
    });
    expect((await schedule(NUDGE)).enqueued).toEqual(['flaky-1']);
    const [due] = await receive(queueUrl, queueArn);
    if (!due) throw new Error('nothing enqueued');
    // In the same batch: a record for a conversation with nothing due (done), and an unreadable one.
    const quiet = { ...due, messageId: 'quiet', body: JSON.stringify({ conversationId: 'quiet-1' }) };
    const unreadable = { ...due, messageId: 'unreadable', body: '{"conversation":42}' };

    const result = await step(NUDGE)({ Records: [due, quiet, unreadable] });
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [due.messageId, 'unreadable'].sort(),
    );
    expect(await sentAbout('flaky-1')).toEqual([]);
    expect((await rig.deps.store.getConversation('flaky-1'))?.promise?.nudgedAt).toBeUndefined();

    // The queue's retry, with SES answering again: the nudge goes out once.
    const healthy: SweepDeps = { ...rig.deps, sender: new SesMailSender({ client: ses, region: REGION }) };
    const retried = { ...due, attributes: { ...due.attributes, ApproximateReceiveCount: '2' } };
    expect((await step(NUDGE, healthy)({ Records: [retried] })).batchItemFailures).toEqual([]);
    expect((await step(NUDGE, healthy)({ Records: [retried] })).batchItemFailures).toEqual([]);
    expect((await sentAbout('flaky-1')).map((m) => m.destinations[0])).toEqual(['alice@example.test']);
    failing.destroy();
  });

  it('the scheduler enqueues a due consult reminder and the worker reminds the owner once', async () => {
    const { rig, queueUrl, queueArn, schedule, step } = await setUp();
    // A conversation without a promise (so only the reminder is due), with one unanswered question.
    await seed(rig, 'asked-1', {
      nudgeAt: new Date(NUDGE.getTime() + 86_400_000),
      dueAt: new Date(DUE.getTime() + 86_400_000),
    });
    await rig.deps.store.putConsultQuestion({
      conversationId: 'asked-1',
      questionId: 'inbound-ask-1',
      colleague: { address: 'carol@example.test', name: 'Carol Diaz' },
      askedBy: { address: 'alice@example.test', name: 'Alice Smith' },
      askedAt: RECEIVED.toISOString(),
      question: 'Did the parcel leave the warehouse?',
      tokenKeyId: '',
      messageId: '<ask-1@example.test>',
      remindAt: new Date(NUDGE.getTime() - 60_000).toISOString(),
    });

    const report = await schedule(NUDGE);
    expect(report.enqueued).toEqual([]);
    expect(report.reminders).toBe(1);
    const records = await receive(queueUrl, queueArn);
    expect(records.map((r) => JSON.parse(r.body))).toEqual([
      {
        kind: 'consult-reminder',
        conversationId: 'asked-1',
        questionId: 'inbound-ask-1',
        colleague: 'carol@example.test',
      },
    ]);

    const worker = step(new Date(NUDGE.getTime() + 10_000));
    expect((await worker({ Records: records })).batchItemFailures).toEqual([]);
    expect((await worker({ Records: records })).batchItemFailures).toEqual([]);
    const sent = await sentAbout('asked-1');
    expect(sent.map((m) => m.destinations[0])).toEqual(['alice@example.test']);
    expect(sent[0]?.raw).toContain('has not answered yet');
    const [question] = await rig.deps.store.listConsultQuestions('asked-1');
    expect(question?.remindedAt).toBe(new Date(NUDGE.getTime() + 10_000).toISOString());
    // Reminded, the question left the index: the next run enqueues nothing.
    expect((await schedule(new Date(NUDGE.getTime() + 60_000))).reminders).toBe(0);
    expect(await receive(queueUrl, queueArn)).toEqual([]);
  });

  it('the worker ends a record whose send SES rejects for good, logged, and the promise stays due', async () => {
    // Mail from an identity SES never verified is refused on every try (MessageRejected).
    const { rig, queueUrl, queueArn, schedule, step } = await setUp({ unverifiedSender: true });
    await seed(rig, 'rejected-1');
    await schedule(NUDGE);
    const records = await receive(queueUrl, queueArn);
    expect(bodies(records)).toEqual(['rejected-1']);
    expect((await step(NUDGE)({ Records: records })).batchItemFailures).toEqual([]);
    expect(await sentAbout('rejected-1')).toEqual([]);
    expect((await rig.deps.store.getConversation('rejected-1'))?.promise?.nudgedAt).toBeUndefined();
    // Not lost: the next run finds it due again.
    expect((await schedule(new Date(NUDGE.getTime() + 60_000))).enqueued).toEqual(['rejected-1']);
  });
});
