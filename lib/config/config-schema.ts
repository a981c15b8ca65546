import * as z from 'zod';

const emailAddress = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'must be an email address' }));

const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/, 'must be a domain name');

/** One owner as configured (seeded into the store on start). */
export const ownerConfigSchema = z.object({
  email: emailAddress,
  name: z.string().trim().min(1, 'must not be empty').max(100),
  active: z.boolean().default(true),
});

/** Settings of the deployed stack; ignored in local mode. */
export const deployConfigSchema = z
  .object({
    /** Days raw mail is kept in S3 before the lifecycle rule removes it. */
    rawMailRetentionDays: z.number().int().min(1).max(3650).default(365),
    /** Reject inbound mail that did not arrive over TLS. */
    requireTls: z.boolean().default(true),
    /** Add the receipt rule to this existing, already active rule set instead of creating and activating one. */
    existingRuleSetName: z.string().min(1).optional(),
    /** Ops address subscribed to alarms. */
    alarmEmail: emailAddress.optional(),
    /** Protect the table from deletion. */
    deletionProtection: z.boolean().default(true),
    /** Lambda memory for the inbound function, sized for 40 MB mail. */
    inboundMemoryMb: z.number().int().min(512).max(10240).default(1536),
  })
  .default({
    rawMailRetentionDays: 365,
    requireTls: true,
    deletionProtection: true,
    inboundMemoryMb: 1536,
  });

/** The whole product configuration, shared by local mode, Lambda and the CDK app. */
export const spocConfigSchema = z
  .object({
    /** The one address customers write to. */
    supportAddress: emailAddress,
    /** Shown after a customer's name on relays to owners: "Jane Doe via Support". */
    supportName: z.string().trim().min(1).max(60).default('Support'),
    /** Domain of the signed reply addresses `reply+<token>@<replyDomain>`; must receive mail too. */
    replyDomain: domainName,
    owners: z.array(ownerConfigSchema).default([]),
    assignment: z
      .object({
        policy: z.literal('round-robin').default('round-robin'),
        /** B2B accounts: customer domain → owner email. */
        domains: z.record(domainName, emailAddress).default({}),
      })
      .default({ policy: 'round-robin', domains: {} }),
    limits: z
      .object({
        /** Larger inbound mail is not relayed; the owner is told where it is. SES's own limit is 40 MB. */
        maxMessageBytes: z
          .number()
          .int()
          .positive()
          .default(40 * 1024 * 1024),
        /**
         * Customer mails per sender and clock hour that are relayed; beyond it the mail is kept and
         * recorded (`rate-limited`) and the owner gets one notice per hour. Stops floods and mail loops.
         */
        maxMailsPerSenderPerHour: z.number().int().positive().default(20),
      })
      .default({ maxMessageBytes: 40 * 1024 * 1024, maxMailsPerSenderPerHour: 20 }),
    /** A new customer's first mail is answered once, from their owner, introducing that one person. */
    firstContact: z
      .object({
        enabled: z.boolean().default(true),
        /** Replaces the default body; `{customerName}`, `{ownerName}` and `{supportAddress}` are filled in. */
        text: z.string().trim().min(1).max(5000).optional(),
      })
      .default({ enabled: true }),
    deploy: deployConfigSchema,
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.owners.forEach((owner, index) => {
      if (seen.has(owner.email)) {
        ctx.addIssue({ code: 'custom', path: ['owners', index, 'email'], message: 'is listed twice' });
      }
      seen.add(owner.email);
      if (owner.email === config.supportAddress) {
        ctx.addIssue({
          code: 'custom',
          path: ['owners', index, 'email'],
          message: 'must not be the support address',
        });
      }
    });
    if (config.supportAddress.endsWith(`@${config.replyDomain}`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['replyDomain'],
        message: 'must differ from the support address domain so owner replies are told apart',
      });
    }
  });

/** Validated configuration. */
export type SpocConfig = z.infer<typeof spocConfigSchema>;
/** Configuration as written in `spoc.config.json`, before defaults. */
export type SpocConfigInput = z.input<typeof spocConfigSchema>;
