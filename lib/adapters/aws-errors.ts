/**
 * What the AWS SDK's errors say about a failure, kept beside the adapters that meet them so use cases
 * and handlers ask a question instead of knowing error names.
 */

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);

/** Network errors of a connection that failed or was cut: the service, not the request. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/** Throttling, a 5xx or a timeout from an AWS client: worth another try at once; anything else is not. */
export function isTransientAwsError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const meta = error as Error & { $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  return (
    meta.$retryable !== undefined ||
    TRANSIENT_NAMES.has(error.name) ||
    (meta.$metadata?.httpStatusCode ?? 0) >= 500
  );
}

/**
 * Whether an error came from a service rather than from the code handling a request: any answer of an
 * AWS service (the SDK attaches `$metadata` to each), an SDK timeout, or a connection that failed.
 */
export function isServiceError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const details = error as Error & { $metadata?: unknown; code?: unknown };
  return (
    details.$metadata !== undefined ||
    error.name === 'TimeoutError' ||
    (typeof details.code === 'string' && NETWORK_CODES.has(details.code))
  );
}
