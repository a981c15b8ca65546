import { describe, expect, it } from 'vitest';
import {
  parseDuePromiseMessage,
  UnreadablePromiseMessageError,
} from '../../../lib/events/due-promise-message.js';

describe('parseDuePromiseMessage', () => {
  it('reads the body the scheduler writes', () => {
    expect(parseDuePromiseMessage('{"conversationId":"c-1"}')).toEqual({ conversationId: 'c-1' });
  });

  it('refuses, naming what is wrong, a body that is not JSON or not a due-promise message', () => {
    for (const [body, reason] of [
      ['not json', /not JSON/],
      ['{"conversationId":""}', /conversationId/],
      ['{"conversationId":42}', /conversationId/],
      ['[]', /not a due-promise message/],
      [JSON.stringify({ conversationId: 'x'.repeat(201) }), /conversationId/],
    ] as const) {
      expect(() => parseDuePromiseMessage(body)).toThrow(UnreadablePromiseMessageError);
      expect(() => parseDuePromiseMessage(body)).toThrow(reason);
    }
  });
});
