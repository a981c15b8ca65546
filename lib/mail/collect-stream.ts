/**
 * Reads a stream of Buffers into one Buffer, copying each chunk in as it arrives. Keeping every chunk to
 * concatenate them at the end (what `build()` helpers do) holds the output twice at once, and leaves the
 * chunks, by then long-lived, to the next full garbage collection.
 *
 * `capacity` is the size to expect; an upper bound costs little, as the untouched end of a large
 * allocation never becomes resident. Output beyond it is copied into a buffer twice as large.
 */
export async function collectStream(stream: AsyncIterable<Buffer>, capacity: number): Promise<Buffer> {
  let out = Buffer.allocUnsafe(capacity);
  let length = 0;
  for await (const chunk of stream) {
    if (length + chunk.length > out.length) {
      const grown = Buffer.allocUnsafe(Math.max(out.length * 2, length + chunk.length));
      out.copy(grown, 0, 0, length);
      out = grown;
    }
    length += chunk.copy(out, length);
  }
  return out.subarray(0, length);
}
