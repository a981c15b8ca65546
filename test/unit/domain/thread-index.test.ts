import { describe, expect, it } from 'vitest';
import { threadIndex, threadTopic } from '../../../lib/domain/thread-index.js';

const opened = new Date('2026-11-23T10:00:00.000Z');

describe('threadIndex', () => {
  it('starts a conversation with a 22-byte header: FILETIME high bits, then a GUID from the id', () => {
    const bytes = Buffer.from(threadIndex('c0ffee', opened, 0), 'base64');
    expect(bytes).toHaveLength(22);
    expect(bytes[0]).toBe(0x01);
    // FILETIME of the opening time, top 48 bits.
    const filetime = BigInt(opened.getTime()) * 10_000n + 116_444_736_000_000_000n;
    expect(bytes.readUIntBE(0, 6)).toBe(Number(filetime >> 16n));
  });

  it('adds one 5-byte child block per later mail, each index extending the previous one', () => {
    const indexes = [0, 1, 2, 3].map((n) => Buffer.from(threadIndex('c0ffee', opened, n), 'base64'));
    indexes.forEach((bytes, n) => {
      expect(bytes).toHaveLength(22 + 5 * n);
      if (n > 0) expect(bytes.subarray(0, 22 + 5 * (n - 1))).toEqual(indexes[n - 1]);
    });
  });

  it('is the same for the same facts and differs between conversations', () => {
    expect(threadIndex('a1', opened, 2)).toBe(threadIndex('a1', opened, 2));
    const a = Buffer.from(threadIndex('a1', opened, 0), 'base64');
    const b = Buffer.from(threadIndex('b2', opened, 0), 'base64');
    expect(a.subarray(0, 6)).toEqual(b.subarray(0, 6));
    expect(a.subarray(6)).not.toEqual(b.subarray(6));
  });
});

describe('threadTopic', () => {
  it('drops reply and forward prefixes, repeated and localised', () => {
    expect(threadTopic('Re: RE: Fwd: Where is my order?')).toBe('Where is my order?');
    expect(threadTopic('AW: Rechnung')).toBe('Rechnung');
    expect(threadTopic('Return policy')).toBe('Return policy');
  });
});
