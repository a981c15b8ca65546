import type { FinalizeRequestMiddleware, MiddlewareStack } from '@smithy/types';

/** What an injected failure looks like to the SDK and to the code above it. */
export type FaultKind = 'throttling' | 'server-error' | 'timeout';

/** Options of {@link injectFaults}. */
export interface FaultInjectionOptions {
  /** Share of request attempts that fail, 0–1. */
  rate: number;
  /** Kinds to draw from, evenly; default all three. */
  kinds?: FaultKind[];
  /** Random source in [0, 1); default `Math.random` (pass a seeded one for a repeatable run). */
  random?: () => number;
  /** Only commands whose name passes (e.g. `GetObjectCommand`); default every command. */
  commands?: (commandName: string) => boolean;
}

/** Counters of one injector, live. */
export interface FaultStats {
  attempts: number;
  injected: Record<FaultKind, number>;
}

/** A failure the injector raised; shaped like the SDK's own service and timeout errors. */
export class InjectedFaultError extends Error {
  readonly $metadata: { httpStatusCode?: number; attempts?: number };
  readonly $fault: 'client' | 'server';
  readonly $retryable?: { throttling: boolean };
  constructor(
    readonly kind: FaultKind,
    commandName: string,
  ) {
    super(`injected ${kind} on ${commandName}`);
    switch (kind) {
      case 'throttling':
        this.name = 'ThrottlingException';
        this.$metadata = { httpStatusCode: 400 };
        this.$fault = 'client';
        this.$retryable = { throttling: true };
        break;
      case 'server-error':
        this.name = 'InternalServerError';
        this.$metadata = { httpStatusCode: 500 };
        this.$fault = 'server';
        break;
      case 'timeout':
        this.name = 'TimeoutError';
        this.$metadata = {};
        this.$fault = 'client';
        break;
    }
  }
}

/**
 * Adds a middleware to an AWS SDK v3 client that fails a chosen share of request attempts with
 * throttling (400 `ThrottlingException`), server errors (500) or timeouts. It sits inside the SDK's
 * retry middleware, so the SDK retries an injected failure as it would a real one, and what the SDK
 * gives up on reaches the caller (and the queue). A timeout is injected after the request was sent and
 * answered, as a lost response: the write happened but the caller cannot know, which is what
 * idempotent steps must survive. For chaos runs and benchmarks against the local engines.
 *
 * @returns Live counters of attempts and injected failures.
 */
export function injectFaults<Input extends object, Output extends object>(
  client: { middlewareStack: MiddlewareStack<Input, Output> },
  options: FaultInjectionOptions,
): FaultStats {
  const kinds = options.kinds ?? ['throttling', 'server-error', 'timeout'];
  const random = options.random ?? Math.random;
  const stats: FaultStats = { attempts: 0, injected: { throttling: 0, 'server-error': 0, timeout: 0 } };
  const middleware: FinalizeRequestMiddleware<Input, Output> = (next, context) => async (args) => {
    const commandName = String(context.commandName ?? 'unknown');
    if (options.commands && !options.commands(commandName)) return next(args);
    stats.attempts += 1;
    if (random() >= options.rate) return next(args);
    const kind = kinds[Math.floor(random() * kinds.length)] ?? 'throttling';
    stats.injected[kind] += 1;
    if (kind === 'timeout') {
      const response = await next(args);
      // Drain a streamed body so the connection is released; the caller never sees the response.
      const body = (response.response as { body?: { resume?: () => void } } | undefined)?.body;
      body?.resume?.();
      throw new InjectedFaultError(kind, commandName);
    }
    throw new InjectedFaultError(kind, commandName);
  };
  client.middlewareStack.add(middleware, {
    step: 'finalizeRequest',
    priority: 'low',
    name: 'spocFaultInjection',
  });
  return stats;
}

/** Total injected failures of some stats. */
export function injectedTotal(stats: FaultStats): number {
  return stats.injected.throttling + stats.injected['server-error'] + stats.injected.timeout;
}
