import { createHash } from 'node:crypto';

/** 100-ns intervals between 1601-01-01 (FILETIME epoch) and 1970-01-01. */
const FILETIME_UNIX_OFFSET = 116_444_736_000_000_000n;

function fileTime(at: Date): bigint {
  return BigInt(at.getTime()) * 10_000n + FILETIME_UNIX_OFFSET;
}

/**
 * The 16-byte GUID of a conversation's Thread-Index: derived from the conversation id, so every mail of a
 * conversation carries the same one and a retry computes the same header.
 */
function conversationGuid(conversationId: string): Buffer {
  return createHash('sha256').update(`thread-index:${conversationId}`).digest().subarray(0, 16);
}

/**
 * The child block (5 bytes) for a mail sent `delta` 100-ns units after the conversation's first mail
 * (MS-OXOMSG 2.2.1.3): a 1-bit delta code, a 31-bit time delta and a byte of random and sequence bits,
 * here derived from the conversation id and the position so the value is deterministic.
 */
function childBlock(delta: bigint, conversationId: string, position: number): Buffer {
  const positive = delta < 0n ? 0n : delta;
  // Delta code 0 keeps bits 18..48 of the delta; code 1 (for deltas of 2^49 and more) bits 23..53.
  const useCoarse = positive >= 1n << 49n;
  const shifted = useCoarse ? positive >> 23n : positive >> 18n;
  const value = (useCoarse ? 1n << 31n : 0n) | (shifted & 0x7fff_ffffn);
  const block = Buffer.alloc(5);
  block.writeUInt32BE(Number(value), 0);
  const random = createHash('sha256').update(`${conversationId}:${position}`).digest()[0] ?? 0;
  block[4] = ((random & 0x0f) << 4) | (position & 0x0f);
  return block;
}

/**
 * Outlook's `Thread-Index` for the `position`-th mail (0 = the first) of a conversation: a 22-byte header
 * (the high 48 bits of the first mail's FILETIME and a GUID derived from the conversation id) followed by
 * `position` 5-byte child blocks, base64-encoded. Outlook groups mails whose indexes share the header,
 * whatever their subjects, and nests a mail under the one whose index is its prefix.
 *
 * Child blocks step one minute per position instead of carrying send times, so the index of mail n is
 * always the index of mail n-1 plus one block, computed from stored facts alone (a retry or a later
 * mail rebuilds exactly what was sent before).
 *
 * @param conversationId Stable id of the conversation.
 * @param openedAt Time of the conversation's first mail.
 * @param position How many mails of the conversation went before this one.
 */
export function threadIndex(conversationId: string, openedAt: Date, position: number): string {
  const start = fileTime(openedAt);
  const header = Buffer.alloc(22);
  // High 48 bits of the FILETIME; the first byte is 0x01 for any date between 1915 and 2045.
  header.writeUIntBE(Number(start >> 16n), 0, 6);
  conversationGuid(conversationId).copy(header, 6);
  const children: Buffer[] = [];
  for (let index = 1; index <= position; index += 1) {
    children.push(childBlock(BigInt(index) * CHILD_STEP, conversationId, index));
  }
  return Buffer.concat([header, ...children]).toString('base64');
}

/** One minute in FILETIME units. */
const CHILD_STEP = 60n * 10_000_000n;

/** `Thread-Topic`: the subject without reply or forward prefixes, as Outlook writes it. */
export function threadTopic(subject: string): string {
  const topic = subject.trim();
  // Sticky and advanced in place: a subject of thousands of `Re:` costs one pass, not one copy each.
  const prefix = /(?:re|aw|sv|antw|fwd?|wg|tr|rv)\s*(?:\[\d+\]\s*)?:\s*/iy;
  let at = 0;
  while (prefix.exec(topic)) at = prefix.lastIndex;
  return topic.slice(at);
}
