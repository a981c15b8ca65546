import { parseHeaderValue } from 'nodemailer/lib/mime-funcs';
import type { ComposeInput } from './mail-types.js';

type Attachment = NonNullable<ComposeInput['attachments']>[number];

/** RFC 5322 §2.1.1: no line of a message may pass 998 bytes (CRLF not counted). */
const MAX_LINE_BYTES = 998;
/** Nesting we follow inside one attached part; deeper is refused, as the parser refuses it on receipt. */
const MAX_NESTING = 32;
const FIELD = /^[\x21-\x39\x3b-\x7e]+:/;

/**
 * Why an attached message (`message/rfc822`, `message/global`) or multipart cannot be put into an
 * outgoing mail as it is, or `undefined` when it can. MailComposer writes such parts unencoded, so
 * their structure becomes part of ours: a header block without its empty line, a multipart whose
 * boundary never starts or never closes, or a line over 998 bytes would make our own mail malformed
 * (the defects a strict parser such as Python's `email` reports). Only the structure is checked,
 * recursively through nested parts and messages; contents are not decoded.
 */
export function attachedEntityProblem(contentType: string, content: Buffer): string | undefined {
  const type = contentType.trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    return 'a multipart given as one part has lost its own header (boundary)';
  }
  const lines = content.toString('latin1').split('\n');
  for (const line of lines) {
    if (Buffer.byteLength(line, 'latin1') > MAX_LINE_BYTES + 1) return `a line over ${MAX_LINE_BYTES} bytes`;
  }
  return entityProblem(
    lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line)),
    0,
  );
}

/** Problems of one entity (header block, empty line, body), given as lines without their line ends. */
function entityProblem(lines: readonly string[], depth: number): string | undefined {
  if (depth > MAX_NESTING) return `nested deeper than ${MAX_NESTING}`;
  let contentType = '';
  let current: string | undefined;
  let index = 0;
  for (; index < lines.length; index += 1) {
    const line = lines[index] as string;
    if (line === '') break;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (current === undefined) return 'the header block starts with a continuation line';
      current += line;
    } else if (FIELD.test(line)) {
      if (contentType === '' && current !== undefined && /^content-type:/i.test(current))
        contentType = current;
      current = line;
    } else {
      return 'no empty line between header and body';
    }
  }
  if (contentType === '' && current !== undefined && /^content-type:/i.test(current)) contentType = current;
  const body = lines.slice(index + 1);
  const parsed = parseHeaderValue(contentType.slice(contentType.indexOf(':') + 1));
  const type = parsed.value.trim().toLowerCase();
  if (type === 'message/rfc822' || type === 'message/global') return entityProblem(body, depth + 1);
  if (!type.startsWith('multipart/')) return undefined;
  const boundary = parsed.params.boundary;
  if (!boundary) return 'a multipart without a boundary';
  return multipartProblem(body, boundary, depth);
}

function multipartProblem(body: readonly string[], boundary: string, depth: number): string | undefined {
  const delimiter = `--${boundary}`;
  const closing = `${delimiter}--`;
  let part: string[] | undefined;
  for (const raw of body) {
    const line = raw.trimEnd();
    if (line === delimiter || line === closing) {
      if (part) {
        const problem = entityProblem(part, depth + 1);
        if (problem) return problem;
      }
      if (line === closing) return undefined;
      part = [];
    } else if (part) {
      part.push(raw);
    }
  }
  return part ? `boundary "${boundary}" is never closed` : `boundary "${boundary}" never starts`;
}

/**
 * The attachment as it can go out: an attached message or multipart that {@link attachedEntityProblem}
 * finds broken goes as `application/octet-stream` (encoded, so its bytes are kept exactly) under its own
 * name, or `attached-message.eml`; every other attachment is returned unchanged.
 */
export function passableAttachment(part: Attachment): Attachment {
  const type = part.contentType.trim().toLowerCase();
  if (!type.startsWith('message/') && !type.startsWith('multipart/')) return part;
  if (!type.startsWith('multipart/') && type !== 'message/rfc822' && type !== 'message/global') {
    // Other message types (delivery-status, disposition-notification, external-body) are header
    // blocks themselves; MailComposer sends them as they are only when their lines fit.
    if (
      !part.content
        .toString('latin1')
        .split('\n')
        .some((line) => line.length > MAX_LINE_BYTES + 1)
    ) {
      return part;
    }
  } else if (attachedEntityProblem(type, part.content) === undefined) {
    return part;
  }
  return {
    ...part,
    contentType: 'application/octet-stream',
    filename: part.filename.trim() === '' ? 'attached-message.eml' : part.filename,
  };
}
