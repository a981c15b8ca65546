import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  BENCH_CONFIG,
  type EnginesProcess,
  envNumber,
  meteredInbound,
  percentile,
  round,
} from '../support/harness.js';
import { compose, customerMail, newMessageId, ownerAnswer } from '../support/mail.js';
import {
  type AwsCall,
  type CallSummary,
  describeRounds,
  modelledPathMs,
  summarize,
} from '../support/meter.js';

export type MessageKind = 'new-customer' | 'follow-up' | 'owner-reply';
export const KINDS: MessageKind[] = ['new-customer', 'follow-up', 'owner-reply'];
/** Every kind measured: the three above with the bench's 1 KB mail, and a follow-up of a typical 50 KB mail. */
type MeasuredKind = MessageKind | 'typical-follow-up';

/**
 * Round trip assumed per AWS service inside one region (Lambda to the service and back, warm connection),
 * for the modelled Lambda duration: DynamoDB single-item calls take single-digit ms, an S3 GET of a small
 * object tens of ms to its first byte, an SES send tens of ms.
 */
export const ROUND_TRIP_MS: Record<AwsCall['service'], number> = {
  dynamodb: 8,
  s3: 25,
  ses: 50,
  secretsmanager: 20,
};

interface Prices {
  sesReceivePerMail: number;
  sesReceivePerChunk256KB: number;
  sesSendPerMail: number;
  sesSendPerGB: number;
  s3GetPerRequest: number;
  s3PutPerRequest: number;
  dynamoWritePerUnit: number;
  dynamoReadPerUnit: number;
  sqsPerRequest64KB: number;
  snsPublishPerRequest: number;
  lambdaArmPerGBSecond: number;
  lambdaPerRequest: number;
  sesPricingPlan: string;
  s3StandardPerGBMonth: number;
  s3GlacierInstantPerGBMonth: number;
  s3GlacierInstantTransitionPerRequest: number;
  s3GlacierInstantMinBillableBytes: number;
  dynamoStoragePerGBMonth: number;
  dynamoPitrPerGBMonth: number;
}

/** The stack's storage settings the cost model follows (`deploy.*` defaults, PITR on). */
const STORAGE = {
  retentionMonths: 12,
  archiveAfterMonths: 1,
  archiveMinBytes: BENCH_CONFIG.deploy.rawMailArchiveMinBytes,
  pointInTimeRecovery: true,
};

export interface KindFigures extends CallSummary {
  sequentialRoundTripsMax: number;
  rounds: string;
  inboundBytes: number;
  cpuMs: number;
  /** Modelled Lambda duration: CPU + sequential round trips × the assumed round-trip time. */
  lambdaMs: number;
  costPer10k: Record<string, number>;
  sesCostPer10k: number;
  otherCostPer10k: number;
  otherToSes: number;
  /** Storage of 10,000 such mails for one month, by line (raw mail in S3, DynamoDB items, PITR). */
  storagePer10kPerMonth: Record<string, number>;
  /** Storage of 10,000 such mails over a year of retention (S3 with its archive rule). */
  storagePer10kFirstYear: number;
  /** Non-SES cost with a year of storage, over SES cost. */
  otherWithYearToSes: number;
}

export interface WorkResult {
  samples: number;
  roundTripMs: number;
  lambdaMemoryMb: number;
  kinds: Record<MessageKind, KindFigures>;
  /** A follow-up of a typical 50 KB mail (text, HTML and a 25 KB attachment): the cost targets' case. */
  typical: KindFigures;
  /** The owner answer with two people on Cc: SES charges each recipient (modelled from `owner-reply`). */
  ownerReplyTwoCc: KindFigures;
  roundTripMsByService: Record<AwsCall['service'], number>;
  sesPricingPlan: string;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

type CostInput = Omit<
  KindFigures,
  | 'costPer10k'
  | 'sesCostPer10k'
  | 'otherCostPer10k'
  | 'otherToSes'
  | 'storagePer10kPerMonth'
  | 'storagePer10kFirstYear'
  | 'otherWithYearToSes'
>;

function costs(prices: Prices, s: CostInput, memoryMb: number) {
  const n = 10_000;
  const GB = 1024 ** 3;
  const chunks = Math.max(1, Math.ceil(s.inboundBytes / (256 * 1024)));
  const notificationChunks = 1;
  const c = {
    sesReceive: n * (prices.sesReceivePerMail + chunks * prices.sesReceivePerChunk256KB),
    // Charged per recipient; the bytes once per mail sent (the attachment charge, an upper bound).
    sesSend: n * (s.sesRecipients * prices.sesSendPerMail + (s.sesBytes / GB) * prices.sesSendPerGB),
    // SES's S3 action stores every received mail: one PUT, plus the handler's own S3 calls.
    s3: n * ((1 + s.s3Puts) * prices.s3PutPerRequest + s.s3Gets * prices.s3GetPerRequest),
    dynamodb:
      n * (s.dynamoWriteUnits * prices.dynamoWritePerUnit + s.dynamoReadUnits * prices.dynamoReadPerUnit),
    sns: n * prices.snsPublishPerRequest,
    sqs: n * 3 * notificationChunks * prices.sqsPerRequest64KB,
    lambda:
      n * (prices.lambdaPerRequest + (memoryMb / 1024) * (s.lambdaMs / 1000) * prices.lambdaArmPerGBSecond),
  };
  const ses = c.sesReceive + c.sesSend;
  const other = c.s3 + c.dynamodb + c.sns + c.sqs + c.lambda;
  // Storage: the raw mail in S3 for the retention, the items the mail added to DynamoDB, and PITR on them.
  const storageMonth = {
    s3RawMail: n * (s.inboundBytes / GB) * prices.s3StandardPerGBMonth,
    dynamodbItems: n * (s.dynamoPutBytes / GB) * prices.dynamoStoragePerGBMonth,
    pointInTimeRecovery: STORAGE.pointInTimeRecovery
      ? n * (s.dynamoPutBytes / GB) * prices.dynamoPitrPerGBMonth
      : 0,
  };
  const archived = s.inboundBytes > STORAGE.archiveMinBytes;
  const s3Year = archived
    ? storageMonth.s3RawMail * STORAGE.archiveAfterMonths +
      n *
        (prices.s3GlacierInstantTransitionPerRequest +
          (STORAGE.retentionMonths - STORAGE.archiveAfterMonths) *
            (Math.max(s.inboundBytes, prices.s3GlacierInstantMinBillableBytes) / GB) *
            prices.s3GlacierInstantPerGBMonth)
    : storageMonth.s3RawMail * STORAGE.retentionMonths;
  // A mail stays in the table for good; its first year is what it adds to the year's bill.
  const year = s3Year + (storageMonth.dynamodbItems + storageMonth.pointInTimeRecovery) * 12;
  const r = (v: number) => round(v, 4);
  return {
    costPer10k: Object.fromEntries(Object.entries(c).map(([k, v]) => [k, r(v)])),
    sesCostPer10k: r(ses),
    otherCostPer10k: r(other),
    otherToSes: round(other / ses, 3),
    storagePer10kPerMonth: Object.fromEntries(Object.entries(storageMonth).map(([k, v]) => [k, r(v)])),
    storagePer10kFirstYear: r(year),
    otherWithYearToSes: round((other + year) / ses, 3),
  };
}

/**
 * The text of a typical follow-up: about 3.4 KB of prose that does not repeat itself, since the stored
 * copy is compressed and a repeated paragraph would shrink far more than a customer's words do (Brotli
 * takes this to 2.2×; the corpus's texts of 2–20 KB shrink 2.0× at the median).
 */
const TYPICAL_PARAGRAPHS = [
  'I ordered a blue kettle two weeks ago (order 4711) and it has not arrived yet. The tracking page has said "in transit" since last Tuesday, and the carrier tells me to ask you.',
  'When I called the number on your website on Monday, a colleague of yours told me the parcel had left your warehouse in Leipzig on the 14th and that it should reach me within three working days. That was eight working days ago.',
  'I have checked with my neighbours and with the reception desk of our building, in case somebody signed for it while I was at work. Nobody has seen a parcel from you, and there is no card from the courier in my letterbox either.',
  'The kettle was meant as a birthday present for my mother, whose birthday is on Saturday, so I am starting to get a little nervous about the timing. If it cannot arrive before Friday, I would rather know now so that I can find something else in a shop here.',
  'Could you please tell me which courier has the parcel at the moment, and give me a tracking number that works on their own site? The number in your confirmation mail (DE-88231-KX) is not recognised by DHL, Hermes or DPD.',
  'If the parcel has been lost, I would like you to send a replacement by express delivery at no extra cost, or refund the full amount of 89.90 euros to the credit card I paid with. I do not want to pay twice for the same kettle.',
  'I also noticed that the invoice attached to your confirmation mail lists my old address in Hamburg rather than my current one in Bremen, although I updated my account in March. Please check that the parcel was not sent to the old address by mistake.',
  'For your reference, my current address is Am Wall 112, 28195 Bremen, second floor, and the name on the doorbell is "Doe / Kowalski". The building has a parcel box in the entrance hall that couriers can open with their own code.',
  'I have been a customer of yours for several years and have always been happy with the service, which is why this is so surprising. I hope it is simply a mix-up at the depot that can be sorted out quickly.',
  'I attach the receipt from my bank showing the payment, in case your system does not show it. Please reply to this mail rather than opening a new ticket, as I have already explained everything twice on the phone.',
  'One more thing: the confirmation mail promised a voucher for my next order because of the delay with my last parcel in the spring. It never arrived, and the customer account page shows no voucher either. Could you check that as well?',
  'Last time, the kettle I received had a dent in the lid, and your returns department was very kind and replaced it within a week. I mention it only because the replacement came from a different warehouse, in case that is relevant here.',
  'Should you need anything else from me (a photo of my ID for the courier, a different delivery day, or a signature on a form), just let me know and I will send it the same day. I work from home on Wednesdays and Thursdays, so those days are best for a delivery.',
  'Please also let me know whether I should refuse the parcel if it does turn up after I have bought something else, or whether I can simply send it back with the prepaid label that was in the box last time.',
  'Many thanks in advance for looking into this. I am reachable on my mobile at +49 151 2345 6789 between nine and five if it is easier to call, but mail is fine too.',
];

/** A typical 50 KB customer mail: a few KB of text, its HTML, and a 25 KB attachment. */
function typicalMail(customer: string, references: string[]): Promise<Buffer> {
  const text = `Hello,\n\n${TYPICAL_PARAGRAPHS.join('\n\n')}\n\nThanks,\nJane\n`;
  return compose({
    from: { name: 'Jane Doe', address: customer },
    to: 'support@example.test',
    subject: 'Re: My order has not arrived',
    messageId: newMessageId('customer.test'),
    inReplyTo: references.at(-1),
    references: references.join(' '),
    text,
    html: `<html><body style="font-family: Arial, sans-serif"><p>Hello,</p>${TYPICAL_PARAGRAPHS.map((p) => `<p style="margin: 0 0 12px 0">${p}</p>`).join('')}<p>Thanks,<br>Jane</p></body></html>`,
    attachments: [
      { filename: 'receipt.pdf', contentType: 'application/pdf', content: randomBytes(25 * 1024) },
    ],
  });
}

/**
 * Runs new-customer mails, their follow-ups and the owners' replies through the inbound handler and
 * counts each one's AWS calls, DynamoDB units, bytes and sequential round trips.
 */
export async function runWork(engines: EnginesProcess): Promise<WorkResult> {
  const samples = envNumber('BENCH_WORK_SAMPLES', 20);
  const roundTripMs = envNumber('BENCH_ROUND_TRIP_MS', ROUND_TRIP_MS.dynamodb);
  const roundTrips = { ...ROUND_TRIP_MS, dynamodb: roundTripMs };
  const memoryMb = BENCH_CONFIG.deploy.inboundMemoryMb;
  const prices = JSON.parse(await readFile(new URL('../prices.json', import.meta.url), 'utf8')) as Prices;
  const inbound = await meteredInbound(engines);
  const seen: Record<MeasuredKind, Array<{ calls: AwsCall[]; bytes: number; cpuMs: number }>> = {
    'new-customer': [],
    'follow-up': [],
    'owner-reply': [],
    'typical-follow-up': [],
  };
  const run = async (kind: MeasuredKind, raw: Buffer, envelope: { from: string; to: string[] }) => {
    inbound.meter.reset();
    const cpu = process.cpuUsage();
    await inbound.receive(raw, envelope);
    const used = process.cpuUsage(cpu);
    seen[kind].push({
      calls: inbound.meter.calls,
      bytes: raw.length,
      cpuMs: (used.user + used.system) / 1000,
    });
    return inbound.meter.sentRaw;
  };
  try {
    for (let i = 0; i < samples; i++) {
      const customer = `customer${i}@customer.test`;
      const first = await customerMail(customer);
      const firstId = /^Message-ID: (.*)$/im.exec(first.toString('latin1'))?.[1]?.trim() ?? '';
      const envelope = { from: customer, to: [BENCH_CONFIG.supportAddress] };
      const [relay] = await run('new-customer', first, envelope);
      await run('follow-up', await customerMail(customer, { references: [firstId] }), envelope);
      if (!relay) throw new Error('the new customer mail was not relayed');
      const owner = BENCH_CONFIG.owners.find((o) => relay.includes(Buffer.from(o.email)));
      if (!owner) throw new Error('relay to an unknown owner');
      const answer = await ownerAnswer(relay, { address: owner.email, name: owner.name });
      await run('owner-reply', answer.raw, answer.envelope);
      await run('typical-follow-up', await typicalMail(customer, [firstId]), envelope);
    }
  } finally {
    inbound.close();
  }
  const figures = (kind: MeasuredKind): KindFigures => {
    const runs = seen[kind];
    const summaries = runs.map((r) => summarize(r.calls));
    const avg = (pick: (s: CallSummary) => number) => round(mean(summaries.map(pick)), 2);
    const byCommand: Record<string, number> = {};
    for (const s of summaries)
      for (const [name, count] of Object.entries(s.byCommand))
        byCommand[name] = (byCommand[name] ?? 0) + count / summaries.length;
    const cpuMs = round(mean(runs.map((r) => r.cpuMs)), 2);
    // Timing can only approximate dependency: a lookup that happens to start after an unrelated parallel
    // one ended looks one round deeper. The median over the samples is the structure; the max is kept too.
    const trips = summaries.map((s) => s.sequentialRoundTrips);
    const sequentialRoundTrips = percentile(trips, 50);
    const base = {
      calls: avg((s) => s.calls),
      byCommand: Object.fromEntries(Object.entries(byCommand).map(([k, v]) => [k, round(v, 2)])),
      dynamoWriteUnits: avg((s) => s.dynamoWriteUnits),
      dynamoReadUnits: avg((s) => s.dynamoReadUnits),
      s3Gets: avg((s) => s.s3Gets),
      s3Puts: avg((s) => s.s3Puts),
      s3GetBytes: avg((s) => s.s3GetBytes),
      sesSends: avg((s) => s.sesSends),
      sesBytes: avg((s) => s.sesBytes),
      sesRecipients: avg((s) => s.sesRecipients),
      dynamoPutBytes: avg((s) => s.dynamoPutBytes),
      sequentialRoundTrips,
      sequentialRoundTripsMax: Math.max(...trips),
      rounds: describeRounds(runs.at(-1)?.calls ?? []),
      inboundBytes: round(mean(runs.map((r) => r.bytes)), 0),
      cpuMs,
      // Modelled on AWS: the handler's CPU plus its chain of calls at each service's assumed round trip.
      lambdaMs: round(
        cpuMs +
          percentile(
            runs.map((r) => modelledPathMs(r.calls, roundTrips)),
            50,
          ),
        1,
      ),
    };
    return { ...base, ...costs(prices, base, memoryMb) };
  };
  const kinds = Object.fromEntries(KINDS.map((kind) => [kind, figures(kind)])) as Record<
    MessageKind,
    KindFigures
  >;
  const answer = kinds['owner-reply'];
  const twoCc = { ...answer, sesRecipients: answer.sesRecipients + 2 };
  return {
    samples,
    roundTripMs,
    roundTripMsByService: roundTrips,
    lambdaMemoryMb: memoryMb,
    sesPricingPlan: prices.sesPricingPlan,
    kinds,
    typical: figures('typical-follow-up'),
    ownerReplyTwoCc: { ...twoCc, ...costs(prices, twoCc, memoryMb) },
  };
}
