import type { ParsedMail } from './mail-types.js';
import { headerBlockLength, parseMail } from './parse-mail.js';

/** What is cheaply known of a mail too large to parse whole: its headers and its attachments' names. */
export interface MailOutline {
  /** The mail with its header block parsed and no body (`text` is empty, no attachments). */
  headers: ParsedMail;
  /** File names of attachments, in order, as the sender named them (RFC 2047/2231 decoded). */
  attachmentNames: string[];
}

/** Header blocks larger than this are not read for the outline. */
const MAX_HEADER_BYTES = 256 * 1024;

/** A header line and its folded continuations. */
const PART_HEADER = /^content-(?:type|disposition)[ \t]*:[^\n]*(?:\n[ \t][^\n]*)*/gim;

/**
 * Reads what a person needs to know about a mail without loading its body into a parser: the top header
 * block (sender, subject, threading headers, `Auto-Submitted` & co.) parsed with the normal parser, and
 * the file names declared in part headers. The names are decoded by parsing a stand-in message built from
 * those headers with empty bodies, so every encoding the parser knows is understood.
 */
export async function outlineMail(raw: Buffer): Promise<MailOutline> {
  const end = headerBlockLength(raw);
  return {
    headers: await parseHeaderBlock(raw.subarray(0, Math.min(end, MAX_HEADER_BYTES))),
    attachmentNames: await attachmentNames(raw, end),
  };
}

/** A header block parsed with the normal parser, as a mail without a body. */
async function parseHeaderBlock(head: Buffer): Promise<ParsedMail> {
  const headers = await parseMail(Buffer.concat([head, Buffer.from('\r\n\r\n')]), {
    maxBytes: MAX_HEADER_BYTES + 4,
    maxHeaderBytes: MAX_HEADER_BYTES + 4,
  });
  return { ...headers, text: '', attachments: [] };
}

async function attachmentNames(raw: Buffer, bodyStart: number): Promise<string[]> {
  const body = raw.toString('latin1', bodyStart).replace(/\r\n/g, '\n');
  const names: string[] = [];
  const parts: string[] = [];
  let current: string[] = [];
  let lastIndex = -1;
  for (const match of body.matchAll(PART_HEADER)) {
    // Content-Type and Content-Disposition of one part sit next to each other; a gap starts a new part.
    const index = match.index ?? 0;
    if (lastIndex >= 0 && body.slice(lastIndex, index).includes('\n\n')) {
      parts.push(current.join('\n'));
      current = [];
    }
    current.push(match[0]);
    lastIndex = index + match[0].length;
    if (parts.length >= 200) break;
  }
  if (current.length > 0) parts.push(current.join('\n'));
  const candidates = parts.filter((p) => /\b(?:file)?name\*?\s*=/i.test(p));
  if (candidates.length === 0) return names;
  // Each part's own header lines, bytes as they came, under one multipart with empty bodies.
  const boundary = 'spoc-outline-boundary';
  const stand = [
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    ...candidates.flatMap((headers) => [`--${boundary}`, headers, '', '']),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  const parsed = await parseMail(Buffer.from(stand, 'latin1'), { maxBytes: 4 * 1024 * 1024 });
  for (const attachment of parsed.attachments) if (attachment.filename) names.push(attachment.filename);
  return names;
}
