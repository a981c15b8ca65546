import * as z from '../validation/zod-mini.js';

/** Bounce subtypes SES documents; anything else (new or made-up values) is read as `Unknown`. */
export const KNOWN_BOUNCE_SUBTYPES = [
  'Undetermined',
  'General',
  'NoEmail',
  'Suppressed',
  'OnAccountSuppressionList',
  'MailboxFull',
  'MessageTooLarge',
  'ContentRejected',
  'AttachmentRejected',
] as const;

/** A bounce subtype, or `Unknown` for a value SES does not document. */
export type BounceSubType = (typeof KNOWN_BOUNCE_SUBTYPES)[number] | 'Unknown';

const recipientSchema = z.object({
  emailAddress: z.string().check(z.minLength(1)),
  status: z.optional(z.string()),
  diagnosticCode: z.optional(z.string()),
});

const bounceSchema = z.object({
  bounceType: z.string(),
  bounceSubType: z.optional(z.string()),
  bouncedRecipients: z.array(recipientSchema).check(z.minLength(1)),
  timestamp: z.string(),
  feedbackId: z.string().check(z.minLength(1)),
});

const complaintSchema = z.object({
  complainedRecipients: z.array(z.pick(recipientSchema, { emailAddress: true })).check(z.minLength(1)),
  timestamp: z.string(),
  feedbackId: z.string().check(z.minLength(1)),
  complaintFeedbackType: z.optional(z.string()),
});

/**
 * An SES sending event as a notification (`notificationType`, identity notifications) or as
 * configuration-set event publishing (`eventType`); only the fields used here.
 */
export const sesDeliveryEventSchema = z
  .object({
    notificationType: z.optional(z.string()),
    eventType: z.optional(z.string()),
    mail: z.object({
      messageId: z.string().check(z.minLength(1)),
      timestamp: z.string(),
      source: z.string(),
      destination: z._default(z.array(z.string()), []),
    }),
    bounce: z.optional(bounceSchema),
    complaint: z.optional(complaintSchema),
  })
  .check(
    z.refine((event) => (event.notificationType ?? event.eventType) !== undefined, {
      message: 'neither notificationType nor eventType is set',
    }),
    z.refine((event) => (event.notificationType ?? event.eventType) !== 'Bounce' || event.bounce, {
      message: 'a Bounce event without bounce details',
    }),
    z.refine((event) => (event.notificationType ?? event.eventType) !== 'Complaint' || event.complaint, {
      message: 'a Complaint event without complaint details',
    }),
  );

/** One recipient an event is about, address lower-cased. */
export interface EventRecipient {
  address: string;
  status?: string;
  diagnostic?: string;
}

/** A delivery event reduced to what the product acts on. */
export type DeliveryEvent =
  | {
      kind: 'bounce';
      /** `Permanent` bounces are hard: the address will not accept mail. */
      permanent: boolean;
      bounceType: string;
      subType: BounceSubType;
      recipients: EventRecipient[];
      feedbackId: string;
      at: string;
      sesMessageId: string;
    }
  | {
      kind: 'complaint';
      feedbackType: string;
      recipients: EventRecipient[];
      feedbackId: string;
      at: string;
      sesMessageId: string;
    }
  /** Delivery, Send, Open, …: nothing to do. */
  | { kind: 'other'; type: string; sesMessageId: string };

/** An SQS record that holds no SES delivery event; it fails so the queue moves it to the DLQ. */
export class UnreadableDeliveryEventError extends Error {
  override readonly name = 'UnreadableDeliveryEventError';
}

/** `"Name" <a@b>` or `a@b` → `a@b`, lower-cased. */
function bareAddress(value: string): string {
  const bracketed = /<([^<>]+)>\s*$/.exec(value)?.[1];
  return (bracketed ?? value).trim().toLowerCase();
}

/**
 * Reads an SQS record body: an SNS envelope (`Type: Notification`, the event JSON in `Message`) or, with
 * raw message delivery, the event JSON itself.
 *
 * @throws {UnreadableDeliveryEventError} When the body is not JSON or not an SES sending event.
 */
export function parseDeliveryEventBody(body: string): DeliveryEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
    if (
      value !== null &&
      typeof value === 'object' &&
      'Message' in value &&
      typeof (value as { Message: unknown }).Message === 'string'
    ) {
      value = JSON.parse((value as { Message: string }).Message);
    }
  } catch (error) {
    throw new UnreadableDeliveryEventError('record body is not JSON', { cause: error });
  }
  const parsed = sesDeliveryEventSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new UnreadableDeliveryEventError(`not an SES delivery event: ${issues.join('; ')}`, {
      cause: parsed.error,
    });
  }
  return toDeliveryEvent(parsed.data);
}

function toDeliveryEvent(event: z.infer<typeof sesDeliveryEventSchema>): DeliveryEvent {
  const type = event.notificationType ?? event.eventType ?? '';
  const sesMessageId = event.mail.messageId;
  if (type === 'Bounce' && event.bounce) {
    const { bounce } = event;
    const subType = (KNOWN_BOUNCE_SUBTYPES as readonly string[]).includes(bounce.bounceSubType ?? '')
      ? (bounce.bounceSubType as BounceSubType)
      : 'Unknown';
    return {
      kind: 'bounce',
      permanent: bounce.bounceType === 'Permanent',
      bounceType: bounce.bounceType,
      subType,
      recipients: bounce.bouncedRecipients.map((r) => ({
        address: bareAddress(r.emailAddress),
        ...(r.status === undefined ? {} : { status: r.status }),
        ...(r.diagnosticCode === undefined ? {} : { diagnostic: r.diagnosticCode }),
      })),
      feedbackId: bounce.feedbackId,
      at: bounce.timestamp,
      sesMessageId,
    };
  }
  if (type === 'Complaint' && event.complaint) {
    const { complaint } = event;
    return {
      kind: 'complaint',
      feedbackType: complaint.complaintFeedbackType ?? 'unspecified',
      recipients: complaint.complainedRecipients.map((r) => ({ address: bareAddress(r.emailAddress) })),
      feedbackId: complaint.feedbackId,
      at: complaint.timestamp,
      sesMessageId,
    };
  }
  return { kind: 'other', type, sesMessageId };
}
