import * as z from '../validation/zod-mini.js';

/** A string that must hold JSON; the parsed value is then validated by `schema`. */
function jsonString<T extends z.ZodMiniType>(schema: T) {
  return z.pipe(
    z.pipe(
      z.string(),
      z.transform((text: string, payload): unknown => {
        try {
          return JSON.parse(text);
        } catch (error) {
          payload.issues.push({
            code: 'custom',
            message: `Invalid JSON - ${error instanceof Error ? error.message : String(error)}`,
            input: text,
            continue: false,
          });
          return z.NEVER;
        }
      }),
    ),
    schema,
  );
}

const messageAttributeSchema = z.object({ Type: z.string(), Value: z.string() });

/**
 * The body of an SQS record that an SNS topic delivered (raw message delivery off): the SNS
 * notification as JSON, whose `Message` is itself JSON validated by `message`. The fields and their
 * checks are those of SNS's documented notification format as delivered to SQS (the signing
 * certificate must be a URL; the unsubscribe URL, which SNS leaves out for some subscriptions, need
 * not be).
 *
 * Written here rather than taken from a parser library so that the Lambda bundle carries only the
 * zod it uses: importing `{ z }` from zod, as such libraries do, keeps all of zod in the bundle.
 */
export function sqsBodyWithSnsNotification<T extends z.ZodMiniType>(message: T) {
  return jsonString(
    z.object({
      Type: z.literal('Notification'),
      MessageId: z.string(),
      TopicArn: z.string(),
      Subject: z.nullish(z.string()),
      Message: jsonString(message),
      Timestamp: z.iso.datetime(),
      SignatureVersion: z.optional(z.string()),
      Signature: z.optional(z.string()),
      SigningCertURL: z.optional(z.url()),
      UnsubscribeURL: z.optional(z.string()),
      MessageAttributes: z.optional(z.record(z.string(), messageAttributeSchema)),
    }),
  );
}
