import type { OutcomeReason } from './outcome-reasons.js';

/**
 * A failure that will not go away by retrying (bad input, missing object, broken invariant).
 * The use case records it as an outcome instead of letting the queue retry.
 */
export class PermanentFailureError extends Error {
  override readonly name: string = 'PermanentFailureError';
  /** Machine-readable reason recorded with the outcome. */
  readonly reason: OutcomeReason;
  constructor(reason: OutcomeReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** The configuration is invalid; the message names the offending field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A conditional write lost a race or found the item already present. */
export class ConditionFailedError extends Error {
  override readonly name = 'ConditionFailedError';
}

/** The raw mail object is gone or unreadable. */
export class RawMailMissingError extends PermanentFailureError {
  override readonly name = 'RawMailMissingError';
  constructor(key: string, options?: { cause?: unknown }) {
    super('raw-mail-missing', `raw mail not found at ${key}`, options);
  }
}

/** The mail could not be parsed or exceeds a limit. */
export class MailRejectedError extends PermanentFailureError {
  override readonly name = 'MailRejectedError';
}

/**
 * Another attempt holds the lease on this work right now (a concurrent redelivery). Transient: the
 * record is retried later and finds the work done, or the lease run out.
 */
export class LeaseHeldError extends Error {
  override readonly name = 'LeaseHeldError';
}

/**
 * The mail provider refused a send before taking the message (e.g. over its sending rate): nothing went
 * out, so a retry may send at once, without waiting for the send lease to run out.
 */
export class SendNotTakenError extends Error {
  override readonly name: string = 'SendNotTakenError';
}
