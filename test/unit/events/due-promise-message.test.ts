import { describe, expect, it } from 'vitest';
import type { DueWork } from '../../../lib/domain/due-work.js';
import {
  dueWorkMessageBody,
  parseDueWorkMessage,
  UnreadablePromiseMessageError,
} from '../../../lib/events/due-promise-message.js';

describe('parseDueWorkMessage', () => {
  it('reads the bodies the scheduler writes: a promise step, a consult reminder', () => {
    expect(parseDueWorkMessage('{"conversationId":"c-1"}')).toEqual({
      kind: 'promise-step',
      conversationId: 'c-1',
    });
    const reminder: DueWork = {
      kind: 'consult-reminder',
      conversationId: 'c-2',
      questionId: 'q-1',
      colleague: 'carol@example.test',
    };
    expect(dueWorkMessageBody({ kind: 'promise-step', conversationId: 'c-1' })).toBe(
      '{"conversationId":"c-1"}',
    );
    expect(parseDueWorkMessage(dueWorkMessageBody(reminder))).toEqual(reminder);
  });

  it('refuses, naming what is wrong, a body that is not JSON or not a due-work message', () => {
    for (const [body, reason] of [
      ['not json', /not JSON/],
      ['{"conversationId":""}', /conversationId/],
      ['{"conversationId":42}', /conversationId/],
      ['[]', /not a due-promise message/],
      [JSON.stringify({ conversationId: 'x'.repeat(201) }), /conversationId/],
      ['{"kind":"consult-reminder","conversationId":"c-1","colleague":"c@x.test"}', /questionId/],
      ['{"kind":"consult-reminder","conversationId":"c-1","questionId":"q","colleague":7}', /colleague/],
    ] as const) {
      expect(() => parseDueWorkMessage(body)).toThrow(UnreadablePromiseMessageError);
      expect(() => parseDueWorkMessage(body)).toThrow(reason);
    }
  });
});
