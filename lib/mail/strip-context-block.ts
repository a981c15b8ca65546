import type { BlockMarker } from './reply-text.js';

/** The context block removed from an owner's reply, and what the owner wrote inside it. */
export interface ContextStrip {
  /** The reply without its context blocks. */
  text: string;
  /** Non-empty lines the owner typed inside a quoted context block: never sent, so the answer is held. */
  inside: string[];
}

/**
 * How far below its start line a block's end line may be. A block has at most eight lines; the slack
 * covers a client that wraps long quoted lines (a long Cc list).
 */
const MAX_BLOCK_LINES = 40;

/** How deeply a line is quoted: the `>` in its leading run of spaces and `>`. */
function quoteDepth(line: string): number {
  let depth = 0;
  for (const char of line) {
    if (char === '>') depth += 1;
    else if (char !== ' ' && char !== '\t') break;
  }
  return depth;
}

/**
 * The line without its quote prefix and surrounding whitespace, runs of white space as one space: what
 * is compared with a marker.
 */
export function markerValue(line: string): string {
  let index = 0;
  while (index < line.length && (line[index] === '>' || /\s/.test(line.charAt(index)))) index += 1;
  // Any run of white space (a no-break space from an HTML answer too) reads as one space.
  return line.slice(index).replace(/\s+/g, ' ').trim();
}

/**
 * Removes the context blocks the relay wrote from an owner's reply, as quoted (`> `, `>>`) or not.
 *
 * A block is a start line and, within {@link MAX_BLOCK_LINES} lines, an end line at the same quote depth,
 * with no other start line at that depth between them. The relay writes the block before the customer's
 * text, so whatever a customer types into their mail sits below the real block's end. A start line a
 * customer planted, with no end of its own, is therefore no block: it stays, and the owner's answer below
 * it is never swallowed (the quote removal drops the quoted line itself). A start and end pair the
 * customer planted is removed like a real block; the owner's lines inside either are reported, never
 * dropped in silence.
 *
 * Inside a block, a line quoted less deeply than its markers (an unquoted line between `> ` lines) was
 * typed by the owner: it is returned in `inside` so the answer can be held and the owner told.
 */
export function stripContextBlock(text: string, marker: BlockMarker): ContextStrip {
  const start = marker.start.trim();
  const end = marker.end.trim();
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  // Each line is read once; finding a block's end compares what was read.
  const values = lines.map(markerValue);
  const depths = lines.map(quoteDepth);
  const kept: string[] = [];
  const inside: string[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const close = values[index] === start ? blockEnd(values, depths, index, start, end) : -1;
    if (close < 0) {
      kept.push(lines[index] as string);
      continue;
    }
    for (let within = index + 1; within < close; within += 1) {
      if (values[within] !== '' && (depths[within] as number) < (depths[index] as number)) {
        inside.push((lines[within] as string).trim());
      }
    }
    index = close;
  }
  return { text: kept.join(newline), inside };
}

/** The index of the end line closing the block that starts at `from`, or -1 when none does. */
function blockEnd(
  values: readonly string[],
  depths: readonly number[],
  from: number,
  start: string,
  end: string,
): number {
  const last = Math.min(values.length - 1, from + MAX_BLOCK_LINES);
  for (let index = from + 1; index <= last; index += 1) {
    const value = values[index];
    if ((value !== start && value !== end) || depths[index] !== depths[from]) continue;
    return value === end ? index : -1;
  }
  return -1;
}
