import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeliveryEventBody } from '../../lib/events/ses-delivery-event.js';
import { createDeliveryEventsBatchHandler } from '../../lib/handlers/delivery-events-batch.js';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { mayMailAutomatically } from '../../lib/use-cases/suppression.js';
import { corpusAvailable, corpusDir } from '../support/corpus.js';
import { type CapturedMail, HandlerRig, runBatch } from '../support/handler-rig.js';
import { customerMail, ownerAnswer } from '../support/mail-builder.js';

const SUPPORT = ['support@example.test'];

function sqsRecord(body: string, messageId: string): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'SNS',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:spoc-delivery-events',
    awsRegion: 'us-east-1',
  };
}

const sample = (path: string) => readFile(join(corpusDir(), 'ses-events', path), 'utf8');

describe.skipIf(!corpusAvailable())(
  'bounces and complaints (delivery-events handler on the SES samples)',
  () => {
    let engines: EmbeddedEngines;
    let rig: HandlerRig;
    let handle: (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
    const customers = [
      'relayuser@test.com',
      'bounce@simulator.amazonses.com',
      'complaint@simulator.amazonses.com',
    ];
    const ownerOf = new Map<string, string>();
    const relays = new Map<string, CapturedMail>();

    beforeAll(async () => {
      engines = await startEmbeddedEngines();
      rig = await HandlerRig.create(engines);
      for (const customer of customers) {
        await rig.deliver(await customerMail(customer, `Hello from ${customer}`, 'Hi'), {
          from: customer,
          to: SUPPORT,
        });
        const relay = rig.sender.mails.at(-1) as CapturedMail;
        relays.set(customer, relay);
        ownerOf.set(customer, relay.envelope.to[0] ?? '');
      }
      handle = createDeliveryEventsBatchHandler(
        () => Promise.resolve(rig.deps),
        new Logger({ logLevel: 'SILENT' }),
      );
    });
    afterAll(async () => {
      await engines.close();
    });

    const notices = (owner: string) =>
      rig.sender.to(owner).filter((m) => m.mail.subject.startsWith('[Support]'));

    it('reads every sample; made-up bounce subtypes are an unknown subtype', async () => {
      const kinds = [];
      for (const name of [
        'fx-private-relay/hard_bounce_sns_body.json',
        'fx-private-relay/soft_bounce_sns_body.json',
        'fx-private-relay/spam_bounce_sns_body.json',
        ...[1, 2, 3, 4, 5, 6].map((n) => `sisimai/json-amazonses-0${n}.json`),
      ]) {
        const event = parseDeliveryEventBody(await sample(name));
        kinds.push(event.kind === 'bounce' ? `bounce:${event.permanent}:${event.subType}` : event.kind);
      }
      expect(kinds).toEqual([
        'bounce:true:OnAccountSuppressionList',
        'bounce:false:Unknown',
        'bounce:false:Unknown',
        'bounce:true:General',
        'bounce:true:General',
        'complaint',
        'other',
        'other',
        'bounce:true:General',
      ]);
    });

    it('a hard bounce or complaint suppresses the address and tells its owner once; redelivery changes nothing', async () => {
      const bodies = [
        await sample('fx-private-relay/hard_bounce_sns_body.json'),
        await sample('sisimai/json-amazonses-01.json'),
        await sample('sisimai/json-amazonses-02.json'),
        await sample('sisimai/json-amazonses-03.json'),
        await sample('sisimai/json-amazonses-04.json'),
      ];
      const records = bodies.map((body, i) => sqsRecord(body, `event-${i}`));
      for (let delivery = 0; delivery < 3; delivery += 1) {
        expect((await handle({ Records: records })).batchItemFailures).toEqual([]);
      }
      for (const customer of customers) {
        expect(await mayMailAutomatically(rig.deps, customer)).toBe(false);
      }
      expect((await rig.deps.store.getSuppression('complaint@simulator.amazonses.com'))?.reason).toBe(
        'complaint',
      );
      expect((await rig.deps.store.getSuppression('relayuser@test.com'))?.detail).toContain(
        'OnAccountSuppressionList',
      );
      const told = customers.map((c) =>
        notices(ownerOf.get(c) ?? '').filter((m) => m.mail.subject.includes(c)),
      );
      // relayuser: one hard bounce; bounce@simulator: samples 01 and 02 carry different feedback ids; complaint: one.
      expect(told.map((t) => t.length)).toEqual([1, 2, 1]);
      expect(told[2]?.[0]?.mail.subject).toContain('complained');
      expect(told.flat().every((m) => m.mail.headers.get('auto-submitted')?.[0] === 'auto-generated')).toBe(
        true,
      );
    });

    it('a soft bounce changes nothing; an unreadable record fails so the queue keeps it for the DLQ', async () => {
      await rig.deliver(await customerMail('soft@customer.test', 'Soft', 'x'), {
        from: 'soft@customer.test',
        to: SUPPORT,
      });
      const soft = (await sample('fx-private-relay/soft_bounce_sns_body.json')).replaceAll(
        'relayuser@test.com',
        'soft@customer.test',
      );
      const before = rig.sender.mails.length;
      const result = await runBatch(handle, [
        sqsRecord(soft, 'soft'),
        sqsRecord('{"Type":"Notification","Message":"{}"}', 'junk'),
      ]);
      expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'junk' }]);
      expect(await mayMailAutomatically(rig.deps, 'soft@customer.test')).toBe(true);
      expect(rig.sender.mails.length).toBe(before);
    });

    it("the owner's own reply still reaches a suppressed customer, and the owner is reminded once", async () => {
      const relay = relays.get('relayuser@test.com') as CapturedMail;
      const owner = ownerOf.get('relayuser@test.com') ?? '';
      const before = notices(owner).length;
      for (let i = 0; i < 2; i += 1) {
        const raw = await ownerAnswer(relay, owner, `Trying again ${i}`);
        const { outcome } = await rig.deliver(raw, {
          from: owner,
          to: [relay.mail.replyTo[0]?.address ?? ''],
        });
        expect(outcome?.status).toBe('relayed-to-customer');
      }
      expect(rig.sender.to('relayuser@test.com')).toHaveLength(2);
      const reminders = notices(owner).slice(before);
      expect(reminders).toHaveLength(1);
      expect(reminders[0]?.mail.text).toContain('bounced permanently');
    });
  },
);
