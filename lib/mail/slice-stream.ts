import { Readable } from 'node:stream';

/**
 * A stream of consecutive views into `buffer`, `size` bytes each (the last one shorter); nothing is
 * copied. mailparser and MailComposer both process a Buffer handed over whole in one piece, with
 * working copies as large as the Buffer; fed in slices they work slice by slice (bench/README.md,
 * "Large mail").
 */
export function sliceStream(buffer: Buffer, size: number): Readable {
  return Readable.from(slices(buffer, size));
}

function* slices(buffer: Buffer, size: number): Generator<Buffer> {
  for (let start = 0; start < buffer.length; start += size) yield buffer.subarray(start, start + size);
}
