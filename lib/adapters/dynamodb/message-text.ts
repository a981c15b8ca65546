import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type { Item } from './item-keys.js';

/** Attribute holding a message's text compressed (Brotli) in place of `text`. */
const COMPRESSED_TEXT_ATTRIBUTE = 'textBr';

/**
 * Text of fewer bytes is stored as it is, readable in the console: compressing it could save at most one
 * write unit, and often none.
 */
const COMPRESS_FROM_BYTES = 512;

/**
 * Brotli's quality 5: within a few per cent of its best on mail text at a small share of the CPU (the
 * top quality costs milliseconds per mail).
 */
const BROTLI_QUALITY = 5;

/** A stored text never exceeds DynamoDB's 400 KB item; an item claiming more is not ours to expand. */
const MAX_TEXT_BYTES = 4 * 1024 * 1024;

/**
 * A message item to write: a text of at least {@link COMPRESS_FROM_BYTES} bytes goes in
 * {@link COMPRESSED_TEXT_ATTRIBUTE} when that is smaller. A message's item is billed by the kilobyte on
 * every write and stored for good (a lifelong customer's history), and mail text shrinks to a third or
 * less, so this cuts both the units of each customer mail and the table's size.
 */
export function withCompressedText(item: Item): Item {
  const { text } = item;
  if (typeof text !== 'string') return item;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length < COMPRESS_FROM_BYTES) return item;
  const compressed = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      // Tuned for UTF-8 text, told the size up front.
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  if (compressed.length >= bytes.length) return item;
  const { text: _text, ...rest } = item;
  return { ...rest, [COMPRESSED_TEXT_ATTRIBUTE]: new Uint8Array(compressed) };
}

/** A message item as read, with its text in `text` whether it was stored compressed or not. */
export function withPlainText(item: Item): Item {
  const compressed = item[COMPRESSED_TEXT_ATTRIBUTE];
  if (!(compressed instanceof Uint8Array)) return item;
  const { [COMPRESSED_TEXT_ATTRIBUTE]: _compressed, ...rest } = item;
  const text = brotliDecompressSync(compressed, { maxOutputLength: MAX_TEXT_BYTES }).toString('utf8');
  return { ...rest, text };
}
