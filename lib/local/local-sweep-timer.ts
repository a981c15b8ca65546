import type { Logger } from '@aws-lambda-powertools/logger';
import { type SweepDeps, sweepPromises } from '../use-cases/sweep-promises.js';

/** How often local mode sweeps the due promises, as the schedule does in AWS. */
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

/** A running local sweep timer. */
export interface SweepTimer {
  /** Stops the timer and waits for a sweep in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Runs the promise sweep every `intervalMs` in this process (local mode's stand-in for the EventBridge
 * schedule), one sweep at a time: the next starts `intervalMs` after the last ended. A failed sweep is
 * logged and the next one tries again; what a sweep did is logged when it did anything.
 */
export function startSweepTimer(input: {
  deps: SweepDeps;
  now: () => Date;
  intervalMs: number;
  logger: Pick<Logger, 'info' | 'error'>;
}): SweepTimer {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = (async () => {
      try {
        const report = await sweepPromises(input.deps, input.now());
        const acted = report.results.filter((r) => r.step !== 'none');
        if (acted.length > 0) input.logger.info('promise sweep', { due: report.due, results: acted });
      } catch (error) {
        input.logger.error('promise sweep failed', { error: String(error) });
      }
      if (!stopped) timer = setTimeout(tick, input.intervalMs);
    })();
  };
  timer = setTimeout(tick, input.intervalMs);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
