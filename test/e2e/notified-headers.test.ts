import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { notifiedHeaders } from '../../lib/local/synthesize-ses-event.js';
import { mailFromHeaderFields } from '../../lib/mail/header-fields.js';
import { HandlerRig } from '../support/handler-rig.js';
import { customerMail, rawMail } from '../support/mail-builder.js';

const SUPPORT = ['support@example.test'];
const JANE = 'jane@customer.test';

/** The record with the notification's header fields replaced. */
function withNotifiedHeaders(record: SQSRecord, headers: Array<{ name: string; value: string }>): SQSRecord {
  const sns = JSON.parse(record.body) as { Message: string };
  const notification = JSON.parse(sns.Message) as { mail: Record<string, unknown> };
  notification.mail.headers = headers;
  notification.mail.headersTruncated = false;
  return { ...record, body: JSON.stringify({ ...sns, Message: JSON.stringify(notification) }) };
}

describe('the header fields SES lists in its notification (Lambda handler, real engines)', () => {
  let engines: EmbeddedEngines;
  beforeAll(async () => {
    engines = await startEmbeddedEngines();
  });
  afterAll(async () => {
    await engines.close();
  });

  it('lists header fields as SES does: in order, unfolded, none when the block is too large', () => {
    const raw = Buffer.from(
      'From: Jane <jane@customer.test>\r\nSubject: a long\r\n  folded subject\r\nX-Empty:\r\n\r\nbody: not a header\r\n',
    );
    expect(notifiedHeaders(raw)).toEqual([
      { name: 'From', value: 'Jane <jane@customer.test>' },
      { name: 'Subject', value: 'a long folded subject' },
      { name: 'X-Empty', value: '' },
    ]);
    expect(notifiedHeaders(Buffer.from(`X-Big: ${'x'.repeat(20_000)}\r\n\r\nbody`))).toBeUndefined();
  });

  it('reads a mail from header fields as the parser reads it: addresses, ids, content type', () => {
    const mail = mailFromHeaderFields(
      [
        { name: 'From', value: '"Doe, Jane" <Jane@Customer.TEST>' },
        { name: 'To', value: 'support@example.test, Bob <bob@x.test>' },
        { name: 'Message-ID', value: '<m2@x.test>' },
        { name: 'In-Reply-To', value: '<m1@x.test>' },
        { name: 'References', value: '<m0@x.test><m1@x.test>' },
        { name: 'Subject', value: '=?UTF-8?Q?Caf=C3=A9?=' },
        { name: 'Content-Type', value: 'multipart/report; report-type="delivery-status"; boundary=b' },
      ],
      'Café',
    );
    expect(mail).toMatchObject({
      from: { address: 'jane@customer.test', name: 'Doe, Jane' },
      to: [
        { address: 'support@example.test', name: '' },
        { address: 'bob@x.test', name: 'Bob' },
      ],
      messageId: '<m2@x.test>',
      inReplyTo: '<m1@x.test>',
      references: ['<m0@x.test>', '<m1@x.test>'],
      subject: 'Café',
      contentType: 'multipart/report',
      reportType: 'delivery-status',
    });
    expect(mail.headers.get('message-id')).toEqual(['<m2@x.test>']);
  });

  it('ends automatic mail from its header fields without reading the raw mail', async () => {
    const rig = await HandlerRig.create(engines);
    const raw = await rawMail({
      from: 'MAILER-DAEMON@mx.example.net',
      to: 'support@example.test',
      subject: 'Undelivered Mail Returned to Sender',
      text: 'The mail could not be delivered.',
    });
    const { record, inboundId, rawKey } = await rig.receive(raw, { from: '', to: SUPPORT });
    // The raw mail is gone, yet the verdict stands: it came from the header fields alone.
    await engines.s3.send(new DeleteObjectCommand({ Bucket: engines.bucket, Key: rawKey }));
    expect((await rig.run(record)).batchItemFailures).toEqual([]);
    expect((await rig.deps.store.getInbound(inboundId))?.outcome).toMatchObject({
      status: 'automatic',
      reason: 'mailer-daemon',
    });
    expect(rig.sender.mails).toHaveLength(0);
  });

  it('lets the raw mail decide when the header fields disagree with it', async () => {
    const rig = await HandlerRig.create(engines);
    const raw = await customerMail(JANE, 'Order', 'Where is my order?');
    const { record, inboundId } = await rig.receive(raw, { from: JANE, to: SUPPORT });
    // Fields naming another sender: their look-ahead is set aside and Jane's mail is relayed as hers.
    const forged = withNotifiedHeaders(record, [
      { name: 'From', value: 'someone@else.test' },
      { name: 'To', value: 'support@example.test' },
      { name: 'Subject', value: 'Order' },
    ]);
    expect((await rig.run(forged)).batchItemFailures).toEqual([]);
    expect((await rig.deps.store.getInbound(inboundId))?.outcome).toMatchObject({
      status: 'relayed-to-owner',
      customerEmail: JANE,
    });
    expect(await rig.deps.store.getCustomer('someone@else.test')).toBeUndefined();
    expect(rig.sender.mails).toHaveLength(1);

    // Fields saying "automatic" for a human mail are believed: SES wrote them from the mail itself.
    const human = await rig.receive(await customerMail(JANE, 'Again', 'Second question'), {
      from: JANE,
      to: SUPPORT,
    });
    expect(
      (
        await rig.run(
          withNotifiedHeaders(human.record, [
            { name: 'From', value: JANE },
            { name: 'Auto-Submitted', value: 'auto-replied' },
          ]),
        )
      ).batchItemFailures,
    ).toEqual([]);
    expect((await rig.deps.store.getInbound(human.inboundId))?.outcome?.status).toBe('automatic');
  });
});
