import type { InboundDeps } from '../../lib/use-cases/inbound-deps.js';

/** The process "dies" here: thrown instead of running the chosen step. */
export class InjectedCrashError extends Error {
  override readonly name = 'InjectedCrashError';
}

/** Which step to crash at (1-based, counted over every store, raw-mail and sender call) and what ran. */
export interface CrashPlan {
  crashAt?: number;
  steps: string[];
}

function crashing<T extends object>(target: T, label: string, plan: CrashPlan): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        plan.steps.push(`${label}.${property}`);
        if (plan.steps.length === plan.crashAt) {
          throw new InjectedCrashError(`crash before step ${plan.crashAt} (${label}.${property})`);
        }
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

/**
 * Wraps the ports so the run dies right before step `plan.crashAt`, i.e. right after every step before
 * it has completed. Crashing before `sender.send` is "after the claim/store"; crashing before
 * `store.recordSentMail` is "after SES accepted the mail".
 */
export function withCrashAt(deps: InboundDeps, plan: CrashPlan): InboundDeps {
  return {
    ...deps,
    store: crashing(deps.store, 'store', plan),
    rawMail: crashing(deps.rawMail, 'rawMail', plan),
    sender: crashing(deps.sender, 'sender', plan),
  };
}
