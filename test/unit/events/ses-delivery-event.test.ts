import { describe, expect, it } from 'vitest';
import {
  parseDeliveryEventBody,
  UnreadableDeliveryEventError,
} from '../../../lib/events/ses-delivery-event.js';

const mail = {
  messageId: 'ses-1',
  timestamp: '2026-11-23T10:00:00Z',
  source: 'support@example.test',
  destination: [],
};

describe('SES delivery events', () => {
  it('reads configuration-set event publishing (eventType), raw or inside SNS', () => {
    const event = {
      eventType: 'Bounce',
      mail,
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'NoEmail',
        bouncedRecipients: [{ emailAddress: '"Jane Doe" <Jane@Customer.test>', status: '5.1.1' }],
        timestamp: '2026-11-23T10:00:01Z',
        feedbackId: 'fb-1',
      },
    };
    const raw = parseDeliveryEventBody(JSON.stringify(event));
    const wrapped = parseDeliveryEventBody(
      JSON.stringify({ Type: 'Notification', Message: JSON.stringify(event) }),
    );
    expect(raw).toEqual(wrapped);
    expect(raw).toMatchObject({
      kind: 'bounce',
      permanent: true,
      subType: 'NoEmail',
      recipients: [{ address: 'jane@customer.test', status: '5.1.1' }],
    });
  });

  it('reads an undocumented subtype as Unknown and keeps the bounce type', () => {
    const event = parseDeliveryEventBody(
      JSON.stringify({
        notificationType: 'Bounce',
        mail,
        bounce: {
          bounceType: 'Transient',
          bounceSubType: 'EatenByDinosaurs',
          bouncedRecipients: [{ emailAddress: 'a@b.test' }],
          timestamp: 't',
          feedbackId: 'f',
        },
      }),
    );
    expect(event).toMatchObject({
      kind: 'bounce',
      permanent: false,
      subType: 'Unknown',
      bounceType: 'Transient',
    });
  });

  it('reads complaints and passes other events through as nothing to do', () => {
    const complaint = parseDeliveryEventBody(
      JSON.stringify({
        notificationType: 'Complaint',
        mail,
        complaint: { complainedRecipients: [{ emailAddress: 'x@y.test' }], timestamp: 't', feedbackId: 'f' },
      }),
    );
    expect(complaint).toMatchObject({ kind: 'complaint', feedbackType: 'unspecified' });
    expect(parseDeliveryEventBody(JSON.stringify({ eventType: 'Open', mail }))).toEqual({
      kind: 'other',
      type: 'Open',
      sesMessageId: 'ses-1',
    });
  });

  it.each([
    ['not JSON', 'not json'],
    ['no type', JSON.stringify({ mail })],
    ['a Bounce without details', JSON.stringify({ notificationType: 'Bounce', mail })],
    ['an SNS envelope around nothing', JSON.stringify({ Type: 'Notification', Message: '{}' })],
  ])('refuses %s with a reason', (_name, body) => {
    expect(() => parseDeliveryEventBody(body)).toThrow(UnreadableDeliveryEventError);
  });
});
