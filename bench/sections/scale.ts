import { randomBytes } from 'node:crypto';
import {
  conversationIdFor,
  conversationReference,
  THREAD_LIMIT,
} from '../../lib/domain/thread-conversation.js';
import type { Conversation, ConversationMessage, InboundOutcome } from '../../lib/domain/types.js';
import { newInboundId } from '../../lib/local/synthesize-ses-event.js';
import { rateWindowOf } from '../../lib/use-cases/screen-inbound.js';
import {
  BENCH_CONFIG,
  type EnginesProcess,
  type MeteredInbound,
  meteredInbound,
  round,
} from '../support/harness.js';
import { customerMail, newMessageId, ownerAnswer } from '../support/mail.js';
import { type AwsCall, describeCalls, summarize } from '../support/meter.js';

/** What one metered mail cost, and how it ended. */
export interface MailCost {
  wcu: number;
  rcu: number;
  calls: number;
  /**
   * The recorded outcome's name (`relayed-to-owner`, `rate-limited`, …), or `failed: <error>` when the
   * attempt ended without one (the queue would retry it, then dead-letter it).
   */
  outcome: string;
}

export interface ConversationLengthRow {
  messages: number;
  followUp: MailCost;
  ownerReply: MailCost;
}

export interface SenderFloodRow {
  mailsInHour: number;
  wcu: number;
  outcome: string;
  /** Mails the sender's hourly counter could count before this one (less than asked once it is full). */
  counted: number;
}

export interface OwnersRow {
  owners: number;
  customerMail: { rcu: number; wcu: number; calls: number; outcome: string };
}

export interface ScaleResult {
  conversationLength: ConversationLengthRow[];
  senderFlood: SenderFloodRow[];
  owners: OwnersRow[];
  /** Wall time of each part, seeding included. */
  seconds: { conversationLength: number; senderFlood: number; owners: number };
}

const CONVERSATION_SIZES = [3, 100, 1000, 5000];
const FLOOD_POSITIONS = [1, 100, 1000, 5000];
const OWNER_COUNTS = [2, 200, 2000];
const SEED_CONCURRENCY = 16;
const SUPPORT_DOMAIN = 'example.test';

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i] as T);
    }),
  );
}

/** An id shaped like the one SES puts on a sent mail (what threads store for our relays and answers). */
function sesMessageId(): string {
  const hex = randomBytes(16).toString('hex');
  return `<0100019a${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 24)}-${hex.slice(24)}-000000@email.amazonses.com>`;
}

function isItemTooLarge(error: unknown): boolean {
  return error instanceof Error && /item size/i.test(error.message);
}

function outcomeName(outcome: InboundOutcome): string {
  if (outcome.status === 'failed') return `failed: ${outcome.reason ?? ''} ${outcome.detail ?? ''}`.trim();
  if (outcome.status === 'rejected' || outcome.status === 'quarantined' || outcome.status === 'duplicate')
    return outcome.reason ?? outcome.status;
  return outcome.status;
}

/**
 * Runs one mail through the real handler (stored first, as SES's S3 action would, unmetered) and meters
 * it. A failed attempt is reported, not thrown: its units were spent all the same.
 */
async function meterOne(
  inbound: MeteredInbound,
  raw: Buffer,
  envelope: { from: string; to: string[] },
  receivedAt: Date,
): Promise<MailCost & { sent: Buffer[]; metered: AwsCall[] }> {
  const { inboundId, rawKey } = await inbound.store(raw);
  inbound.meter.reset();
  // A batch whose every record failed is thrown whole (Powertools' FullBatchFailureError): as in Lambda,
  // the queue keeps the record and delivers it again.
  const failed = await inbound
    .handle(inbound.event(inboundId, rawKey, envelope, raw, receivedAt))
    .then((result) => result.batchItemFailures.length > 0)
    .catch(() => true);
  // A copy: the outcome read below is the bench's own, not the mail's.
  const calls = [...inbound.meter.calls];
  const sent = inbound.meter.sentRaw;
  const summary = summarize(calls);
  const record = await inbound.deps.store.getInbound(inboundId);
  let outcome: string;
  if (failed || !record?.outcome) {
    const error = calls.find((c) => c.error && !/ConditionalCheckFailed/.test(c.error))?.error;
    outcome = `failed: ${error ?? 'no outcome recorded'}`;
  } else outcome = outcomeName(record.outcome);
  return {
    wcu: round(summary.dynamoWriteUnits, 2),
    rcu: round(summary.dynamoReadUnits, 2),
    calls: summary.calls,
    outcome,
    sent,
    metered: calls,
  };
}

/** `BENCH_SCALE_CALLS=1` prints each call of the measured follow-up and owner answer. */
function printCalls(title: string, calls: AwsCall[]): void {
  if (process.env.BENCH_SCALE_CALLS !== '1') return;
  console.error([`  ${title}:`, ...describeCalls(calls).map((line) => `    ${line}`)].join('\n'));
}

/**
 * A conversation of `messages` messages (customer mails and owner answers in turn, the last an answer,
 * so the conversation waits on nobody), written through the store as the mail path keeps them: each
 * message stored and its Message-IDs linked; each thread list on the conversation item holding the
 * newest `THREAD_LIMIT` entries (the customer's id or our answer's SES id on the customer side, our
 * relay's SES id or the owner's id on the owner side) and counting the ones trimmed off.
 */
async function seedConversation(
  inbound: MeteredInbound,
  customer: string,
  messages: number,
  now: Date,
): Promise<Conversation> {
  const store = inbound.deps.store;
  const owner = BENCH_CONFIG.owners[0] as { email: string; name: string };
  const id = conversationIdFor(`bench-scale:${customer}`);
  const customerThread: string[] = [];
  const ownerThread: string[] = [];
  const stored: ConversationMessage[] = [];
  const links: Array<{ ids: string[]; origin?: { inboundId: string; sender: string } }> = [];
  // One message every 20 minutes up to an hour ago: slower than any loop, older than the rate window.
  const start = now.getTime() - 60 * 60 * 1000 - messages * 20 * 60 * 1000;
  for (let i = 0; i < messages; i++) {
    const at = new Date(start + i * 20 * 60 * 1000);
    const inboundId = newInboundId(at);
    if ((messages - 1 - i) % 2 === 1) {
      const rfc = newMessageId('customer.test');
      customerThread.push(rfc);
      ownerThread.push(sesMessageId());
      links.push({ ids: [rfc], origin: { inboundId, sender: customer } });
      stored.push({
        conversationId: id,
        id: inboundId,
        at: at.toISOString(),
        direction: 'from-customer',
        fromAddress: customer,
        fromName: 'Jane Doe',
        subject: 'My order has not arrived',
        text: `Hello,\n\nI ordered a blue kettle two weeks ago (order ${4711 + i}) and it has not arrived yet.\nCould you check where it is?\n\nThanks,\nJane\n`,
        rfcMessageId: rfc,
        attachments: [],
        rawKey: `inbound/${inboundId}`,
      });
    } else {
      const ours = `<${inboundId}.customer@${SUPPORT_DOMAIN}>`;
      const provider = sesMessageId();
      customerThread.push(provider);
      ownerThread.push(newMessageId('mail.gmail.com'));
      links.push({ ids: [provider] });
      stored.push({
        conversationId: id,
        id: inboundId,
        at: at.toISOString(),
        direction: 'to-customer',
        fromAddress: owner.email,
        fromName: owner.name,
        subject: 'Re: My order has not arrived',
        text: 'Hi Jane,\n\nIt left our warehouse today; tracking follows.\n\nAlice',
        rfcMessageId: ours,
        attachments: [],
        rawKey: `inbound/${inboundId}`,
      });
    }
  }
  const firstAnswer = stored.find((m) => m.direction === 'to-customer');
  await store.createCustomer({
    email: customer,
    name: 'Jane Doe',
    ownerEmail: owner.email,
    since: new Date(start).toISOString(),
  });
  await forEachLimited(stored, SEED_CONCURRENCY, (m) => store.putMessage(m));
  await forEachLimited(links, SEED_CONCURRENCY, (l) => store.linkMessageIds(l.ids, id, l.origin));
  const kept = (thread: string[]) => thread.slice(-THREAD_LIMIT);
  const dropped = Math.max(0, messages - THREAD_LIMIT);
  const conversation: Conversation = {
    id,
    customerEmail: customer,
    ownerEmail: owner.email,
    subject: 'My order has not arrived',
    status: 'open',
    createdAt: new Date(start).toISOString(),
    updatedAt: new Date(start + (messages - 1) * 20 * 60 * 1000).toISOString(),
    customerThread: kept(customerThread),
    ownerThread: kept(ownerThread),
    ...(dropped > 0 ? { customerThreadDropped: dropped, ownerThreadDropped: dropped } : {}),
    // As the mail path keeps them: when the customer first asked, and the conversation's first answer.
    askedAt: new Date(start).toISOString(),
    ...(firstAnswer ? { firstAnswer: { id: firstAnswer.id, at: firstAnswer.at, seconds: 20 * 60 } } : {}),
  };
  await store.createConversation(conversation);
  return conversation;
}

/**
 * A customer's follow-up in a conversation of each size (seeded), then their owner's answer to its
 * relay: units, calls and outcome of each.
 */
async function conversationLength(engines: EnginesProcess, now: Date): Promise<ConversationLengthRow[]> {
  const inbound = await meteredInbound(engines);
  const rows: ConversationLengthRow[] = [];
  try {
    for (const messages of CONVERSATION_SIZES) {
      console.error(`  scale: conversation of ${messages} messages…`);
      const customer = `long${messages}@customer.test`;
      const conversation = await seedConversation(inbound, customer, messages, now);
      const references = [
        conversationReference(conversation.id, SUPPORT_DOMAIN),
        ...conversation.customerThread.slice(-3),
      ];
      const followUp = await meterOne(
        inbound,
        await customerMail(customer, { references }),
        { from: customer, to: [BENCH_CONFIG.supportAddress] },
        now,
      );
      printCalls(`follow-up in ${messages} messages`, followUp.metered);
      const relay = followUp.sent[0];
      let ownerReply: MailCost = {
        wcu: 0,
        rcu: 0,
        calls: 0,
        outcome: 'not run: the follow-up was not relayed',
      };
      if (relay) {
        const owner = BENCH_CONFIG.owners[0] as { email: string; name: string };
        const answer = await ownerAnswer(relay, { address: owner.email, name: owner.name });
        const { sent: _sent, metered, ...cost } = await meterOne(inbound, answer.raw, answer.envelope, now);
        printCalls(`owner answer in ${messages + 1} messages`, metered);
        ownerReply = cost;
      }
      const { sent: _relays, metered: _calls, ...followUpCost } = followUp;
      rows.push({ messages, followUp: followUpCost, ownerReply });
    }
  } finally {
    inbound.close();
  }
  return rows;
}

/**
 * One sender's mails in one hour: the first runs through the handler; the count up to each measured
 * position is seeded through the store's own counter (as the mails before it would have counted); the
 * mail at that position runs through the handler. All in the hour of `now`, whatever the clock does.
 */
async function senderFlood(engines: EnginesProcess, now: Date): Promise<SenderFloodRow[]> {
  const inbound = await meteredInbound(engines);
  const rows: SenderFloodRow[] = [];
  const sender = 'flood@customer.test';
  const { window, start } = rateWindowOf(now.toISOString(), now);
  const expiresAt = Math.floor(start.getTime() / 1000) + 25 * 60 * 60;
  let counted = 0;
  let full: string | undefined;
  try {
    for (const position of FLOOD_POSITIONS) {
      console.error(`  scale: mail ${position} of one sender in an hour…`);
      const seeds: number[] = [];
      for (let p = counted + 1; p < position; p++) seeds.push(p);
      // In order, as mails arrive; once the item is refused nothing more can be counted.
      for (const _ of seeds) {
        if (full) break;
        try {
          await inbound.deps.store.countSenderMail(
            sender,
            window,
            newInboundId(now),
            inbound.deps.config.limits.maxMailsPerSenderPerHour,
            expiresAt,
            newMessageId('customer.test'),
          );
          counted += 1;
        } catch (error) {
          if (!isItemTooLarge(error)) throw error;
          full = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        }
      }
      const cost = await meterOne(
        inbound,
        await customerMail(sender),
        { from: sender, to: [BENCH_CONFIG.supportAddress] },
        now,
      );
      rows.push({ mailsInHour: position, wcu: cost.wcu, outcome: cost.outcome, counted });
      if (!cost.outcome.startsWith('failed')) counted += 1;
    }
  } finally {
    inbound.close();
  }
  return rows;
}

/** A customer's follow-up with 2, 200 and 2,000 owners in the table. */
async function owners(engines: EnginesProcess, now: Date): Promise<OwnersRow[]> {
  const rows: OwnersRow[] = [];
  for (const count of OWNER_COUNTS) {
    console.error(`  scale: ${count} owners…`);
    const inbound = await meteredInbound(engines);
    try {
      const extra = Array.from({ length: count - BENCH_CONFIG.owners.length }, (_, i) => i + 1);
      const createdAt = now.toISOString();
      await forEachLimited(extra, SEED_CONCURRENCY, (i) =>
        inbound.deps.store.putOwner({
          email: `owner${i}@example.test`,
          name: `Owner ${i}`,
          active: true,
          createdAt,
        }),
      );
      const customer = `team${count}@customer.test`;
      const envelope = { from: customer, to: [BENCH_CONFIG.supportAddress] };
      const firstId = newMessageId('customer.test');
      await meterOne(inbound, await customerMail(customer, { messageId: firstId }), envelope, now);
      const cost = await meterOne(
        inbound,
        await customerMail(customer, { references: [firstId] }),
        envelope,
        now,
      );
      rows.push({
        owners: count,
        customerMail: { rcu: cost.rcu, wcu: cost.wcu, calls: cost.calls, outcome: cost.outcome },
      });
    } finally {
      inbound.close();
    }
  }
  return rows;
}

/**
 * What one mail costs as the data grows: a long conversation, a sender's flood within an hour, a large
 * team. Large states are seeded through the store; the measured mail runs through the real handler.
 */
export async function runScale(engines: EnginesProcess): Promise<ScaleResult> {
  const now = new Date();
  const timed = async <T>(part: () => Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    const result = await part();
    return [result, round((performance.now() - started) / 1000, 1)];
  };
  // `BENCH_SCALE_PARTS=owners` (comma-separated: length, flood, owners) measures only those parts.
  const parts = new Set((process.env.BENCH_SCALE_PARTS ?? 'length,flood,owners').split(','));
  const skipped = async <T>(): Promise<T[]> => [];
  const [lengths, lengthSeconds] = await timed(() =>
    parts.has('length') ? conversationLength(engines, now) : skipped<ConversationLengthRow>(),
  );
  const [flood, floodSeconds] = await timed(() =>
    parts.has('flood') ? senderFlood(engines, now) : skipped<SenderFloodRow>(),
  );
  const [team, teamSeconds] = await timed(() =>
    parts.has('owners') ? owners(engines, now) : skipped<OwnersRow>(),
  );
  return {
    conversationLength: lengths,
    senderFlood: flood,
    owners: team,
    seconds: { conversationLength: lengthSeconds, senderFlood: floodSeconds, owners: teamSeconds },
  };
}
