import { describe, expect, it } from 'vitest';
import { LeaseHeldError, SendNotTakenError } from '../../../lib/domain/errors.js';
import { failedOnService } from '../../../lib/handlers/inbound-batch.js';
import { repeatedFailureOutcome } from '../../../lib/use-cases/processing-budget.js';

describe('which failed attempts count towards the repeated-failure hold', () => {
  it('does not count an attempt that failed on a service', () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(failedOnService(throttled)).toBe(true);
    expect(failedOnService(reset)).toBe(true);
    expect(failedOnService(new LeaseHeldError('held'))).toBe(true);
    expect(failedOnService(new SendNotTakenError('not taken'))).toBe(true);
  });

  it('counts an attempt that broke on the mail itself', () => {
    expect(failedOnService(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
    expect(failedOnService(new RangeError('Maximum call stack size exceeded'))).toBe(false);
    expect(failedOnService('thrown string')).toBe(false);
  });

  it('holds a mail once the attempts without a trace reach the limit', () => {
    expect(repeatedFailureOutcome(3, 3, 'inbound/a')).toBeUndefined();
    expect(repeatedFailureOutcome(4, 3, 'inbound/a')).toMatchObject({ reason: 'repeated-failure' });
    // Three of four earlier deliveries failed on a service: one untraced attempt, well under the limit.
    expect(repeatedFailureOutcome(5, 3, 'inbound/a', 3)).toBeUndefined();
    expect(repeatedFailureOutcome(5, 3, 'inbound/a', 1)).toMatchObject({
      detail: '3 attempts at this mail crashed or timed out; kept at inbound/a',
    });
  });
});
