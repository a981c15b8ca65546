import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collectStream } from '../../../lib/mail/collect-stream.js';

const chunksOf = (bytes: Buffer, size: number) =>
  Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

describe('collectStream', () => {
  it('returns exactly the bytes of the stream, within the expected size', async () => {
    const bytes = randomBytes(100_000);
    const out = await collectStream(Readable.from(chunksOf(bytes, 4096)), 200_000);
    expect(out.length).toBe(bytes.length);
    expect(out.equals(bytes)).toBe(true);
  });

  it('keeps every byte when the stream is larger than expected', async () => {
    const bytes = randomBytes(100_000);
    for (const capacity of [0, 1, 4095, 50_000]) {
      const out = await collectStream(Readable.from(chunksOf(bytes, 4096)), capacity);
      expect(out.equals(bytes)).toBe(true);
    }
  });

  it('returns an empty buffer for an empty stream', async () => {
    expect((await collectStream(Readable.from([]), 16)).length).toBe(0);
  });
});
