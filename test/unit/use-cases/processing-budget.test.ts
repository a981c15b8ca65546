import { describe, expect, it } from 'vitest';
import { ProcessingBudgetError, withinBudget } from '../../../lib/use-cases/processing-budget.js';

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withinBudget', () => {
  it("returns the work's result when it ends in time", async () => {
    await expect(withinBudget(async () => 'done', 1_000)).resolves.toBe('done');
  });

  it('passes on the failure of work that fails in time', async () => {
    await expect(
      withinBudget(async () => {
        throw new Error('unreadable');
      }, 1_000),
    ).rejects.toThrow('unreadable');
  });

  it('aborts the work at the deadline and waits for the step in flight before it throws', async () => {
    const steps: string[] = [];
    const result = withinBudget(async (signal) => {
      await later(45);
      steps.push('read');
      signal.throwIfAborted();
      steps.push('claimed');
      return 'planned';
    }, 30);
    await expect(result).rejects.toBeInstanceOf(ProcessingBudgetError);
    // The read that was in flight finished before the error; nothing after it started.
    expect(steps).toEqual(['read']);
  });

  it('throws the budget error even when the work ignores the signal and succeeds late', async () => {
    let finished = false;
    const result = withinBudget(async () => {
      await later(45);
      finished = true;
      return 'late';
    }, 30);
    await expect(result).rejects.toBeInstanceOf(ProcessingBudgetError);
    expect(finished).toBe(true);
  });

  it('gives up waiting for work that answers neither its signal nor its timeout after one more budget', async () => {
    const result = withinBudget(() => new Promise<string>(() => {}), 5);
    await expect(result).rejects.toBeInstanceOf(ProcessingBudgetError);
  });
});
