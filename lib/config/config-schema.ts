import { parseBusinessDuration } from '../domain/business-duration.js';
import {
  DEFAULT_BUSINESS_HOURS,
  parseClockTime,
  parseDays,
  parseTimeZone,
  type SpecResult,
} from '../domain/business-hours.js';
import { isFreeMailDomain } from '../domain/free-mail-domains.js';
import { isIsoDate } from '../domain/owner-cover.js';
import * as z from '../validation/zod-mini.js';

const emailAddress = z.pipe(
  z.string().check(z.trim(), z.toLowerCase()),
  z.email({ message: 'must be an email address' }),
);

const domainName = z
  .string()
  .check(
    z.trim(),
    z.toLowerCase(),
    z.regex(
      /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/,
      'must be a domain name',
    ),
  );

/** A whole number from `min` to `max`. */
function wholeNumber(min: number, max: number) {
  return z.number().check(z.int(), z.minimum(min), z.maximum(max));
}

/** One owner as configured (seeded into the store on start). */
export const ownerConfigSchema = z.strictObject({
  email: emailAddress,
  name: z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(100)),
  active: z._default(z.boolean(), true),
});

/**
 * Business hours: an IANA time zone, working days (`mon-fri`, `mon,wed,fri`, `mon-sun`) and the working
 * span `from`–`to` (`HH:MM`; `to` is its end, `23:59` the end of the day); a field left out keeps its
 * default. Each field is checked by the reader `spoc owner hours` uses, so both accept the same hours.
 */
export const businessHoursSchema = z
  .strictObject({
    timeZone: z._default(z.string().check(specCheck(parseTimeZone)), DEFAULT_BUSINESS_HOURS.timeZone),
    days: z._default(z.string().check(specCheck(parseDays)), DEFAULT_BUSINESS_HOURS.days),
    from: z._default(z.string().check(specCheck(parseClockTime)), DEFAULT_BUSINESS_HOURS.from),
    to: z._default(z.string().check(specCheck(parseClockTime)), DEFAULT_BUSINESS_HOURS.to),
  })
  .check(
    z.superRefine((hours, ctx) => {
      // Each field's own problems are reported above; what is left is the span itself.
      const from = parseClockTime(hours.from);
      const to = parseClockTime(hours.to);
      if (from.ok && to.ok && from.value >= to.value) {
        ctx.addIssue({
          code: 'custom',
          path: ['to'],
          message: `must be after from (${hours.from}); a span past midnight is not supported`,
          input: hours.to,
        });
      }
    }),
  );

/** A check that runs one of the business-hours readers and reports its problem. */
function specCheck(read: (text: string) => SpecResult<unknown>) {
  return z.superRefine((text: string, ctx) => {
    const parsed = read(text);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem, input: text });
  });
}

/** A duration of business time: `90m`, `4h`, `2d` (a business day is one full working span). */
const businessDuration = z.string().check(specCheck(parseBusinessDuration));

/** Stack name when `deploy.stackName` is not set. */
export const DEFAULT_STACK_NAME = 'SpocInbox';

/**
 * Settings of the deployed stack; ignored in local mode. Every deployment setting lives here, in the
 * file, so that each deploy of one file builds the same stack (no `-c` flag to forget).
 */
export const deployConfigSchema = z._default(
  z.strictObject({
    /** Days raw mail is kept in S3 before the lifecycle rule removes it. */
    rawMailRetentionDays: z._default(wholeNumber(1, 3650), 365),
    /** Reject inbound mail that did not arrive over TLS. */
    requireTls: z._default(z.boolean(), true),
    /** Add the receipt rule to this existing, already active rule set instead of creating and activating one. */
    existingRuleSetName: z.optional(z.string().check(z.minLength(1))),
    /** Ops address subscribed to alarms. */
    alarmEmail: z.optional(emailAddress),
    /** Protect the table from deletion. */
    deletionProtection: z._default(z.boolean(), true),
    /** Lambda memory for the inbound function, sized for 40 MB mail. */
    inboundMemoryMb: z._default(wholeNumber(512, 10240), 1536),
    /**
     * Inbound function invocations at most (the SQS event source's maximum concurrency, and the
     * function's reserved concurrency): with `inboundBatchSize`, the ceiling of mails processed at once.
     */
    inboundMaxConcurrency: z._default(wholeNumber(2, 1000), 5),
    /** Mails per inbound invocation (processed in parallel; five 40 MB mails need about 1 GB). */
    inboundBatchSize: z._default(wholeNumber(1, 10), 5),
    /**
     * Days after which raw mail larger than `rawMailArchiveMinBytes` moves to S3 Glacier Instant
     * Retrieval (still read in milliseconds); 0 keeps all raw mail in S3 Standard.
     */
    rawMailArchiveAfterDays: z._default(wholeNumber(0, 3650), 30),
    /**
     * Only raw mail larger than this moves: a smaller object is billed as 128 KB there, and each move is
     * a request, so small mail costs less left in S3 Standard for a year.
     */
    rawMailArchiveMinBytes: z._default(wholeNumber(0, 50 * 1024 * 1024), 256 * 1024),
    /** CloudFormation stack name: one stack per environment (and one AWS account per environment). */
    stackName: z._default(
      z
        .string()
        .check(
          z.regex(
            /^[A-Za-z][A-Za-z0-9-]{0,55}$/,
            'must be a CloudFormation stack name of at most 56 characters',
          ),
        ),
      DEFAULT_STACK_NAME,
    ),
    /** Public Route 53 zone the DKIM and MX records of the domains inside it are written to. */
    hostedZone: z.optional(
      z.object({
        id: z.string().check(z.regex(/^Z[A-Z0-9]{1,31}$/, 'must be a Route 53 hosted zone id')),
        name: domainName,
      }),
    ),
    /** Create the SES domain identities; false when they already exist in the account. */
    manageSesIdentities: z._default(z.boolean(), true),
    /** Verified addresses the functions may also send to while the account is in the SES sandbox. */
    sesSandboxRecipients: z._default(z.array(emailAddress), []),
    /** Hours without any processed inbound mail before the quiet-inbox alarm fires. */
    noInboundMailAlarmHours: z._default(wholeNumber(1, 168), 24),
    /** The account's SES sending quota (mails per 24 hours); an alarm fires at 80% of it. */
    sesDailySendingQuota: z._default(wholeNumber(1, 100_000_000), 50_000),
  }),
  {
    rawMailRetentionDays: 365,
    requireTls: true,
    deletionProtection: true,
    inboundMemoryMb: 1536,
    inboundMaxConcurrency: 5,
    inboundBatchSize: 5,
    rawMailArchiveAfterDays: 30,
    rawMailArchiveMinBytes: 256 * 1024,
    stackName: DEFAULT_STACK_NAME,
    manageSesIdentities: true,
    sesSandboxRecipients: [],
    noInboundMailAlarmHours: 24,
    sesDailySendingQuota: 50_000,
  },
);

/**
 * The whole product configuration, shared by local mode, Lambda and the CDK app. Every object is strict:
 * a misspelt key would otherwise be dropped and its setting silently left at the default, so an unknown
 * key is an error (naming the closest known one, see `load-config.ts`). This schema is the one list of keys.
 */
export const spocConfigSchema = z
  .strictObject({
    /** The one address customers write to. */
    supportAddress: emailAddress,
    /** Shown after a customer's name on relays to owners: "Jane Doe via Support". */
    supportName: z._default(z.string().check(z.trim(), z.minLength(1), z.maxLength(60)), 'Support'),
    /** Domain of the signed reply addresses `reply+<token>@<replyDomain>`; must receive mail too. */
    replyDomain: domainName,
    owners: z._default(z.array(ownerConfigSchema), []),
    assignment: z._default(
      z.strictObject({
        policy: z._default(z.literal('round-robin'), 'round-robin'),
        /** B2B accounts: customer domain → owner email. */
        domains: z._default(z.record(domainName, emailAddress), {}),
        /** How a new customer's owner is chosen: in turn, or the one with the fewest open conversations. */
        strategy: z._default(
          z.enum(['round-robin', 'least-loaded'], 'must be "round-robin" or "least-loaded"'),
          'round-robin',
        ),
        /** A new customer is not given to an owner whose absence starts within this many days. */
        skipIfAwayWithinDays: z._default(wholeNumber(0, 365), 2),
      }),
      { policy: 'round-robin', domains: {}, strategy: 'round-robin', skipIfAwayWithinDays: 2 },
    ),
    /** Every owner's business hours unless set for the owner (`spoc owner hours`). */
    hours: z._default(businessHoursSchema, { ...DEFAULT_BUSINESS_HOURS }),
    /** Days without business hours (`YYYY-MM-DD`), read in each owner's own time zone. */
    holidays: z._default(
      z.array(z.string().check(z.refine(isIsoDate, { message: 'must be a date written as YYYY-MM-DD' }))),
      [],
    ),
    /** The response promise: how long, in business time, a customer waits for an answer at most. */
    promise: z._default(
      z.strictObject({
        /** Due time of the first answer to a new conversation. */
        firstResponse: z._default(businessDuration, '4h'),
        /** Due time of the answer to each later customer mail. */
        followUp: z._default(businessDuration, '8h'),
        /** Share of the time after which the owner is nudged (above 0, below 1). */
        nudgeAt: z._default(z.number().check(z.gt(0, 'must be above 0'), z.lt(1, 'must be below 1')), 0.75),
        /** Broken promises in a day beyond which the alarm fires. */
        alarmThreshold: z._default(wholeNumber(0, 1_000_000), 10),
      }),
      { firstResponse: '4h', followUp: '8h', nudgeAt: 0.75, alarmThreshold: 10 },
    ),
    /** Who takes over when an owner leaves a promise unanswered. */
    escalation: z._default(
      z.strictObject({
        /** Backup for owners who have none of their own (`spoc owner backup`). */
        defaultBackup: z.optional(emailAddress),
        /** Receives one mail when the backup stays silent too (a team lead, say). */
        leadAddress: z.optional(emailAddress),
      }),
      {},
    ),
    limits: z._default(
      z.strictObject({
        /** Larger inbound mail is not relayed; the owner is told where it is. SES's own limit is 40 MB. */
        maxMessageBytes: z._default(z.number().check(z.int(), z.positive()), 40 * 1024 * 1024),
        /**
         * Customer mails per sender and clock hour that are relayed; beyond it the mail is kept and
         * recorded (`rate-limited`) and the owner gets one notice per hour. Stops floods and mail loops.
         */
        maxMailsPerSenderPerHour: z._default(z.number().check(z.int(), z.positive()), 20),
        /**
         * New customers per clock hour, over all senders; beyond it a new sender's mail is kept and
         * recorded (`quarantined`/`new-customer-cap`), nothing is sent, and the alarm fires.
         */
        maxNewCustomersPerHour: z._default(z.number().check(z.int(), z.positive()), 100),
        /**
         * A loop: more than this many customer-side mails in one conversation within
         * `loopWindowMinutes` (faster than people write) ends the conversation's relaying.
         */
        loopMailsPerConversation: z._default(z.number().check(z.int(), z.positive()), 10),
        loopWindowMinutes: z._default(z.number().check(z.int(), z.positive(), z.maximum(24 * 60)), 10),
        /** How long customer-side mail of an ended loop is kept without being relayed. */
        loopHoldHours: z._default(z.number().check(z.int(), z.positive()), 24),
        /**
         * Milliseconds a mail may take to be read and decided (raw mail fetched, parsed, classified,
         * routed); past it the mail ends `quarantined` (`processing-budget`), its raw mail kept. Well
         * below the inbound function's 2-minute timeout, so one mail cannot take its batch down.
         */
        processingBudgetMs: z._default(z.number().check(z.int(), z.positive()), 60_000),
        /**
         * Deliveries of one mail that are processed; the next one ends it `quarantined`
         * (`repeated-failure`), raw mail kept. Below the queue's 5 receives before its dead-letter queue.
         */
        maxProcessingAttempts: z._default(z.number().check(z.int(), z.positive(), z.maximum(4)), 3),
      }),
      {
        maxMessageBytes: 40 * 1024 * 1024,
        maxMailsPerSenderPerHour: 20,
        maxNewCustomersPerHour: 100,
        loopMailsPerConversation: 10,
        loopWindowMinutes: 10,
        loopHoldHours: 24,
        processingBudgetMs: 60_000,
        maxProcessingAttempts: 3,
      },
    ),
    /** A new customer's first mail is answered once, from their owner, introducing that one person. */
    firstContact: z._default(
      z.strictObject({
        enabled: z._default(z.boolean(), true),
        /** Replaces the default body; `{customerName}`, `{ownerName}` and `{supportAddress}` are filled in. */
        text: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(5000))),
      }),
      { enabled: true },
    ),
    /** Reply-token keys: how long tokens of the previous key still work after a rotation. */
    replyTokens: z._default(
      z.object({
        /** Days after the previous key's `retiredAt` that its tokens are still accepted. */
        graceDays: z._default(wholeNumber(0, 3650), 90),
      }),
      { graceDays: 90 },
    ),
    /** Asking colleagues behind the scenes (`#ask` in an owner's reply). */
    consult: z._default(
      z.strictObject({
        /**
         * Domains colleagues may be asked at, besides the domains of the owners' own addresses (a
         * free-mail domain only when listed here). Exactly these domains, not their subdomains.
         */
        allowedDomains: z._default(z.array(domainName), []),
        /** The conversation's attachments go along with a question (`attach`), or are only named (`list`). */
        attachments: z._default(z.enum(['attach', 'list']), 'attach'),
        /** Business time after which an unanswered question is reminded once: `<n>d` days or `<n>h` hours. */
        remindAfter: z._default(
          z.string().check(z.regex(/^[1-9][0-9]{0,2}[dh]$/, 'must be days or hours, as "1d" or "4h"')),
          '1d',
        ),
      }),
      { allowedDomains: [], attachments: 'attach', remindAfter: '1d' },
    ),
    deploy: deployConfigSchema,
  })
  .check(
    z.superRefine((config, ctx) => {
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
      // A rule naming someone who is not an owner, or a free-mail domain, would never be applied. Without
      // listed owners (the functions' environment leaves them out: the table holds them) the rule is
      // checked against the store instead, by `spoc dev` and `spoc customer domain add`.
      const owners = new Set(config.owners.filter((owner) => owner.active).map((owner) => owner.email));
      for (const [domain, ownerEmail] of Object.entries(config.assignment.domains)) {
        if (isFreeMailDomain(domain)) {
          ctx.addIssue({
            code: 'custom',
            path: ['assignment', 'domains', domain],
            message: `${domain} is a free-mail provider: its users are not one company, so it cannot have an owner`,
          });
        } else if (config.owners.length > 0 && !owners.has(ownerEmail)) {
          ctx.addIssue({
            code: 'custom',
            path: ['assignment', 'domains', domain],
            message: `names ${ownerEmail}, who is not an active owner in owners: add them there or name one who is`,
          });
        }
      }
      const backup = config.escalation.defaultBackup;
      if (backup !== undefined && config.owners.length > 0 && !owners.has(backup)) {
        ctx.addIssue({
          code: 'custom',
          path: ['escalation', 'defaultBackup'],
          message: `names ${backup}, who is not an active owner in owners: add them there or name one who is`,
        });
      }
      if (config.escalation.leadAddress === config.supportAddress) {
        ctx.addIssue({
          code: 'custom',
          path: ['escalation', 'leadAddress'],
          message: 'must not be the support address: the lead is a person who is told',
        });
      }
      if (config.supportAddress.endsWith(`@${config.replyDomain}`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['replyDomain'],
          message: 'must differ from the support address domain so owner replies are told apart',
        });
      }
    }),
  );

/** Validated configuration. */
export type SpocConfig = z.infer<typeof spocConfigSchema>;
/** Configuration as written in `spoc.config.json`, before defaults. */
export type SpocConfigInput = z.input<typeof spocConfigSchema>;
