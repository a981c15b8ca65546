import { randomUUID } from 'node:crypto';
import MailComposer, { type MailComposerAttachment } from 'nodemailer/lib/mail-composer';
import { passableAttachment } from './attached-entity.js';
import { collectStream } from './collect-stream.js';
import { displayText, MAX_FILENAME_LENGTH, MAX_NAME_LENGTH, MAX_SUBJECT_LENGTH } from './display-text.js';
import type { ComposeInput, MailAddress } from './mail-types.js';
import { sliceStream } from './slice-stream.js';

/**
 * Builds the raw MIME of an outgoing mail with nodemailer's MailComposer: our Message-ID, threading
 * headers (`In-Reply-To`, space-separated `References`), `Reply-To`, extra headers and attachments
 * (inline parts with a Content-ID go into `multipart/related`). Non-ASCII names, subjects and file
 * names are encoded by MailComposer (RFC 2047 / RFC 2231).
 *
 * CR and LF in display names, the subject, file names and header values are replaced by spaces
 * first, so no input can start a header of its own. Names, the subject and file names also lose control
 * characters, line separators and bidi overrides (see `displayText`) and are cut to a length that keeps
 * every header line under RFC 5322's 998 bytes; a threading id too long for one line is left out.
 * Attached messages and multiparts that would break our own structure go as `application/octet-stream`.
 *
 * @returns The message with CRLF line endings, ready for SES `SendRawEmail` or SMTP.
 * @throws {TypeError} When an extra header name is not a valid RFC 5322 field name.
 */
export async function composeMail(input: ComposeInput): Promise<Buffer> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new TypeError(`invalid header name: ${JSON.stringify(name)}`);
    headers[name] = displayText(value, MAX_SUBJECT_LENGTH);
  }

  const references = (input.references ?? []).filter(fitsOnALine).map(singleLine);
  const composer = new MailComposer({
    from: address(input.from),
    to: input.to.map(address),
    ...(input.cc?.length ? { cc: input.cc.map(address) } : {}),
    ...(input.replyTo ? { replyTo: address(input.replyTo) } : {}),
    subject: displayText(input.subject, MAX_SUBJECT_LENGTH),
    messageId: singleLine(input.messageId),
    ...(input.inReplyTo && fitsOnALine(input.inReplyTo) ? { inReplyTo: singleLine(input.inReplyTo) } : {}),
    ...(references.length ? { references: references.join(' ') } : {}),
    date: input.date ?? new Date(),
    text: input.text,
    ...(input.html !== undefined ? { html: input.html } : {}),
    attachments: (input.attachments ?? []).map(attachment),
    headers,
    newline: 'win',
    // Content always comes as buffers; never let a value be read from a path or URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return collectStream(composer.compile().createReadStream(), sizeBound(input));
}

/**
 * The composed size of a mail, over-estimated so the output fits in one allocation: base64 grows a part
 * by 4/3 and a CRLF per 76 characters, quoted-printable at most threefold, and headers and boundaries
 * take a few KiB.
 */
function sizeBound(input: ComposeInput): number {
  let bytes = 64 * 1024 + 3.2 * (Buffer.byteLength(input.text) + Buffer.byteLength(input.html ?? ''));
  for (const part of input.attachments ?? []) {
    bytes += 1024 + part.content.length * (alwaysBase64(part.contentType) ? 1.37 : 3.2);
  }
  return Math.ceil(bytes);
}

/**
 * Returns a new globally unique Message-ID, `<uuid@domain>`.
 *
 * @param domain The right-hand side, normally our sending domain.
 */
export function newMessageId(domain: string): string {
  return `<${randomUUID()}@${domain.trim().toLowerCase()}>`;
}

/** RFC 5322 §2.2 field name: printable US-ASCII except the colon. */
const HEADER_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

function singleLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').trim();
}

/** Message-IDs are single words MailComposer cannot fold: one that long is not a real id anyway. */
function fitsOnALine(id: string): boolean {
  return id.length <= MAX_SUBJECT_LENGTH;
}

function address(mailbox: MailAddress): { name: string; address: string } {
  return { name: displayText(mailbox.name, MAX_NAME_LENGTH), address: singleLine(mailbox.address) };
}

/**
 * Whether MailComposer encodes a part of this type as base64 whatever its content. It encodes a Buffer
 * in one piece (a base64 string, then a line-wrapped copy: about 4× the attachment held at once), a
 * stream slice by slice, to the same bytes. Text parts stay Buffers: MailComposer picks their encoding
 * by looking at the content, which it cannot do in a stream; `multipart/` and `message/` parts are
 * passed through unencoded.
 */
function alwaysBase64(contentType: string): boolean {
  const type = contentType.trim().toLowerCase();
  return type.includes('/') && !/^(?:text|multipart|message)\//.test(type);
}

/** A multiple of 3, so the base64 encoder never carries bytes over from one slice to the next. */
const ENCODE_SLICE_BYTES = 48 * 1024;

function attachment(given: NonNullable<ComposeInput['attachments']>[number]): MailComposerAttachment {
  const part = passableAttachment(given);
  return {
    filename: displayText(part.filename, MAX_FILENAME_LENGTH),
    contentType: part.contentType,
    content: alwaysBase64(part.contentType) ? sliceStream(part.content, ENCODE_SLICE_BYTES) : part.content,
    contentDisposition: part.inline ? 'inline' : 'attachment',
    ...(part.contentId ? { cid: part.contentId.replace(/^<|>$/g, '') } : {}),
  };
}
