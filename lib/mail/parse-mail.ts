import {
  type AddressObject,
  type EmailAddress,
  type ParsedMail as SimpleParsedMail,
  simpleParser,
} from 'mailparser';
import { MailRejectedError } from '../domain/errors.js';
import type { MailAddress, MailAttachment, ParsedMail } from './mail-types.js';
import { sliceStream } from './slice-stream.js';

/** Resource limits applied before and during parsing; anything over a limit is rejected, never truncated. */
export interface ParseLimits {
  /** Largest raw message accepted, in bytes. */
  maxBytes: number;
  /** Most MIME parts (multipart delimiters) a message may have. */
  maxParts: number;
  /** Deepest nesting a message may have: multiparts and attached messages (`message/rfc822`) alike. */
  maxDepth: number;
  /** Largest header block of the message (and of any one MIME part), in bytes. */
  maxHeaderBytes: number;
}

/**
 * Default limits.
 * - `maxBytes` 40 MiB: SES receiving does not accept larger messages, so anything bigger did not come
 *   through our pipeline and is refused rather than loaded into a Lambda's memory.
 * - `maxParts` 500: mailparser's own ceiling is 1000; real mail with hundreds of parts is spam or an
 *   attack on the parser, and every part costs a buffered attachment in `simpleParser`.
 * - `maxDepth` 32: ordinary mail nests 3–5 levels (mixed → related → alternative, plus forwarded
 *   messages); deeper trees only serve to exhaust the parser.
 * - `maxHeaderBytes` 256 KiB: Exchange Online refuses headers over 256 KB and Postfix keeps 100 KiB by
 *   default, so a larger header cannot be ordinary mail; it also bounds the `headers` map we keep.
 */
export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({
  maxBytes: 40 * 1024 * 1024,
  maxParts: 500,
  maxDepth: 32,
  maxHeaderBytes: 256 * 1024,
});

/**
 * Parses a raw RFC 5322 message and normalises it at the boundary: addresses lower-cased and trimmed
 * (groups flattened), display names without CR/LF, Message-IDs in angle brackets, `references` always an
 * array, header names lower-cased with their raw unfolded values, and a plain-text body derived from the
 * HTML when the mail has no text part.
 *
 * Malformed MIME and unknown charsets are tolerated (mailparser decodes what it can).
 *
 * @throws {MailRejectedError} `too-large`, `too-many-parts`, `too-deep` or `header-too-large` when a limit
 *   is exceeded, `unparseable` when the parser itself fails.
 */
export async function parseMail(raw: Buffer, limits?: Partial<ParseLimits>): Promise<ParsedMail> {
  // Field by field: an explicit `undefined` (an unset config value) must not switch a limit off.
  const effective: ParseLimits = {
    maxBytes: limits?.maxBytes ?? DEFAULT_PARSE_LIMITS.maxBytes,
    maxParts: limits?.maxParts ?? DEFAULT_PARSE_LIMITS.maxParts,
    maxDepth: limits?.maxDepth ?? DEFAULT_PARSE_LIMITS.maxDepth,
    maxHeaderBytes: limits?.maxHeaderBytes ?? DEFAULT_PARSE_LIMITS.maxHeaderBytes,
  };
  checkLimits(raw, effective);

  let parsed: SimpleParsedMail;
  try {
    parsed = await simpleParser(sliceStream(raw, PARSE_SLICE_BYTES), {
      // Inline parts stay attachments with their Content-ID instead of being inlined as data: URLs,
      // so the HTML can be relayed with its `cid:` references intact.
      keepCidLinks: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      checksumAlgo: false,
      maxHeadSize: effective.maxHeaderBytes,
      // The scan in checkLimits counts delimiters; mailparser's own count is the backstop for whatever
      // the scan misses (e.g. parts inside an undeclared boundary).
      maxChildNodes: effective.maxParts + 1,
    });
  } catch (error) {
    throw toRejection(error);
  }
  return normalise(parsed, raw.length);
}

/**
 * mailparser is fed the message in slices of this size. Given one whole Buffer it copies it once more
 * on entry and decodes each part in one piece: about 6× the message in memory, against 2× in slices.
 * 64 KiB is the chunk size its splitter works in anyway.
 */
const PARSE_SLICE_BYTES = 64 * 1024;

function checkLimits(raw: Buffer, limits: ParseLimits): void {
  if (raw.length > limits.maxBytes) {
    throw new MailRejectedError('too-large', `message is ${raw.length} bytes, limit is ${limits.maxBytes}`);
  }
  const headerBytes = headerBlockLength(raw);
  if (headerBytes > limits.maxHeaderBytes) {
    throw new MailRejectedError(
      'header-too-large',
      `header block is ${headerBytes} bytes, limit is ${limits.maxHeaderBytes}`,
    );
  }
  const { parts, depth } = scanStructure(raw);
  if (parts > limits.maxParts) {
    throw new MailRejectedError(
      'too-many-parts',
      `message has ${parts} MIME parts, limit is ${limits.maxParts}`,
    );
  }
  if (depth > limits.maxDepth) {
    throw new MailRejectedError('too-deep', `MIME nesting depth is ${depth}, limit is ${limits.maxDepth}`);
  }
}

/** Bytes of a mail's header block: up to its first empty line (the whole mail when there is none). */
export function headerBlockLength(raw: Buffer): number {
  const lf = raw.indexOf('\n\n');
  const crlf = raw.indexOf('\r\n\r\n');
  const ends = [lf, crlf].filter((index) => index >= 0);
  return ends.length === 0 ? raw.length : Math.min(...ends);
}

const BOUNDARY_PARAM = /\bboundary\s*=\s*(?:"([^"\r\n]+)"|([^\s;"]+))/gi;

/**
 * What follows `--` on each line of `text` that starts with it, trailing blanks dropped (a line ends at CR
 * or LF). Plain string scanning: the equivalent pattern `^--(.*?)[ \t]*$` backtracks quadratically on a
 * line of `--`, blanks and a letter, and one such line stopped inbound processing.
 */
export function* delimiterLines(text: string): Generator<{ index: number; rest: string }> {
  let start = 0;
  while (start < text.length) {
    let end = start;
    while (end < text.length && text.charCodeAt(end) !== 0x0a && text.charCodeAt(end) !== 0x0d) end += 1;
    if (text.charCodeAt(start) === 0x2d && text.charCodeAt(start + 1) === 0x2d && end - start >= 2) {
      let last = end;
      while (last > start + 2 && (text.charCodeAt(last - 1) === 0x20 || text.charCodeAt(last - 1) === 0x09)) {
        last -= 1;
      }
      yield { index: start, rest: text.slice(start + 2, last) };
    }
    start = end + 1;
  }
}

/**
 * A `Content-Type: message/rfc822` (or `message/global`) field: the part's body is a message of its own,
 * one level deeper, and may nest further without a single boundary.
 */
const ENCAPSULATED = /^content-type[ \t]*:[ \t]*"?message\/(?:rfc822|global)\b/gim;
/** The stack entry of an encapsulated message: never a boundary, as an empty one is never declared. */
const MESSAGE_LEVEL = '';

/**
 * Counts parts and nesting without building a tree: collects every declared boundary, then walks the
 * delimiter lines and the `message/rfc822` fields in order, keeping a stack of open levels the way a
 * MIME parser does (a delimiter of an outer boundary closes every level inside it). Boundaries or fields
 * quoted in body text can only over-count, which errs on the safe side.
 */
function scanStructure(raw: Buffer): { parts: number; depth: number } {
  const declared = new Set<string>();
  for (const text of scanWindows(raw)) {
    for (const match of text.matchAll(BOUNDARY_PARAM)) {
      const boundary = (match[1] ?? match[2] ?? '').trim();
      if (boundary) declared.add(boundary);
    }
  }
  const open: string[] = [];
  let parts = 1;
  let depth = 0;
  for (const text of scanWindows(raw)) {
    type Found = { index: number; rest?: string };
    const found: Found[] = [...text.matchAll(ENCAPSULATED)].map((match) => ({ index: match.index }));
    if (declared.size > 0) for (const line of delimiterLines(text)) found.push(line);
    found.sort((a, b) => a.index - b.index);
    for (const { rest } of found) {
      if (rest === undefined) {
        open.push(MESSAGE_LEVEL);
        depth = Math.max(depth, open.length);
        continue;
      }
      let boundary: string;
      let closing = false;
      if (declared.has(rest)) {
        boundary = rest;
      } else if (rest.endsWith('--') && declared.has(rest.slice(0, -2))) {
        boundary = rest.slice(0, -2);
        closing = true;
      } else {
        continue;
      }
      const index = open.lastIndexOf(boundary);
      if (index >= 0) {
        open.length = index + 1;
      } else if (!closing) {
        open.push(boundary);
        depth = Math.max(depth, open.length);
      }
      if (closing) {
        open.pop();
      } else {
        parts += 1;
      }
    }
  }
  return { parts, depth };
}

/**
 * About this many bytes of the message are scanned as one string. The whole message as one string is
 * as large as the message and outlives the parse; strings of this size are freed within it.
 */
const SCAN_WINDOW_BYTES = 64 * 1024;

/**
 * The message as consecutive latin1 strings, each ending at a line break that does not continue a folded
 * header line: no delimiter line and no header field (so no `boundary=` parameter) is ever cut in two.
 */
function* scanWindows(raw: Buffer): Generator<string> {
  let start = 0;
  while (start < raw.length) {
    let end = raw.length;
    let from = start + SCAN_WINDOW_BYTES;
    while (from < raw.length) {
      const lf = raw.indexOf(0x0a, from);
      if (lf < 0) break;
      const next = raw[lf + 1];
      if (next !== 0x20 && next !== 0x09) {
        end = lf + 1;
        break;
      }
      from = lf + 1;
    }
    yield raw.toString('latin1', start, end);
    start = end;
  }
}

function toRejection(error: unknown): MailRejectedError {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'EMAXLEN' && /header/i.test(message)) {
    return new MailRejectedError('header-too-large', `a MIME part header is too large: ${message}`, {
      cause: error,
    });
  }
  if (code === 'EMAXLEN' && /child nodes/i.test(message)) {
    return new MailRejectedError('too-many-parts', `too many MIME parts: ${message}`, { cause: error });
  }
  return new MailRejectedError('unparseable', `message could not be parsed: ${message}`, { cause: error });
}

function normalise(mail: SimpleParsedMail, sizeBytes: number): ParsedMail {
  const headers = collectHeaders(mail.headerLines);
  const contentTypeHeader = mail.headers.get('content-type');
  const structured =
    contentTypeHeader && typeof contentTypeHeader === 'object' && 'value' in contentTypeHeader
      ? (contentTypeHeader as { value: string; params: Record<string, string> })
      : undefined;
  // RFC 2045 §5.2: no (usable) Content-Type means text/plain.
  const contentType = structured?.value.trim().toLowerCase() || 'text/plain';
  const reportType =
    contentType === 'multipart/report' ? structured?.params['report-type']?.trim().toLowerCase() : undefined;

  const html = typeof mail.html === 'string' ? mail.html : undefined;
  const result: ParsedMail = {
    references: normaliseReferences(mail.references),
    replyTo: addresses(mail.replyTo),
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    subject: singleLine(mail.subject ?? ''),
    text: mail.text ?? '',
    attachments: mail.attachments.map(
      (attachment): MailAttachment => ({
        filename: singleLine(attachment.filename ?? ''),
        // Typed as always set, but a part with an empty Content-Type value (seen in spam) leaves it undefined.
        contentType: (attachment.contentType || 'application/octet-stream').toLowerCase(),
        content: attachment.content,
        size: attachment.size,
        ...(attachment.cid ? { contentId: attachment.cid } : {}),
        inline: attachment.contentDisposition === 'inline' || attachment.related === true,
      }),
    ),
    headers,
    contentType,
    sizeBytes,
  };
  const messageId = normaliseMessageId(mail.messageId);
  if (messageId) result.messageId = messageId;
  const inReplyTo = normaliseMessageId(mail.inReplyTo);
  if (inReplyTo) result.inReplyTo = inReplyTo;
  const from = addresses(mail.from)[0];
  if (from) result.from = from;
  const date = parseDate(headers.get('date')?.[0]);
  if (date) result.date = date;
  if (html !== undefined) result.html = html;
  if (reportType) result.reportType = reportType;
  return result;
}

/** Lower-cased name → raw values, unfolded (RFC 5322 §2.2.3: a CRLF followed by WSP is removed). */
function collectHeaders(lines: SimpleParsedMail['headerLines']): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (const { key, line } of lines) {
    const name = key.trim().toLowerCase();
    const colon = line.indexOf(':');
    const value = (colon >= 0 ? line.slice(colon + 1) : '').replace(/\r?\n(?=[ \t])/g, '').trim();
    const values = headers.get(name);
    if (values) values.push(value);
    else headers.set(name, [value]);
  }
  return headers;
}

function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  // mailparser substitutes the current time for an unparseable Date header; we prefer no date.
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function addresses(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  if (!value) return [];
  const objects = Array.isArray(value) ? value : [value];
  const result: MailAddress[] = [];
  const visit = (entry: EmailAddress): void => {
    if (entry.group) {
      for (const member of entry.group) visit(member);
      return;
    }
    const address = (entry.address ?? '').trim().toLowerCase();
    if (address) result.push({ address, name: singleLine(entry.name ?? '') });
  };
  for (const object of objects) for (const entry of object.value) visit(entry);
  return result;
}

/** A header value on one line, trimmed. */
export function singleLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').trim();
}

const MESSAGE_ID = /<[^<>\s]+>/;
const MESSAGE_IDS = /<[^<>\s]+>/g;

/** A Message-ID as `<id>`, from a header value that may lack the brackets or carry more. */
export function normaliseMessageId(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  const bracketed = MESSAGE_ID.exec(trimmed)?.[0];
  if (bracketed) return bracketed;
  const bare = trimmed.replace(/[<>]/g, '').split(/\s+/)[0];
  return bare ? `<${bare}>` : undefined;
}

/** The Message-IDs of a `References` value, in order, each once. */
export function normaliseReferences(value: string | string[] | undefined): string[] {
  if (!value) return [];
  const ids = new Set<string>();
  for (const token of (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(/\s+/))) {
    // Some clients run ids together without a space ("<a@x><b@y>").
    const bracketed = token.match(MESSAGE_IDS);
    if (bracketed) {
      for (const id of bracketed) ids.add(id);
    } else {
      const id = normaliseMessageId(token);
      if (id) ids.add(id);
    }
  }
  return [...ids];
}
