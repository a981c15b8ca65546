import addressparser from 'nodemailer/lib/addressparser';
import { parseHeaderValue } from 'nodemailer/lib/mime-funcs';
import type { MailAddress, ParsedMail } from './mail-types.js';
import { normaliseMessageId, normaliseReferences, singleLine } from './parse-mail.js';

/** A header field as SES lists it in a receipt notification: its name and its unfolded value. */
export interface HeaderField {
  name: string;
  value: string;
}

function addressesIn(value: string | undefined): MailAddress[] {
  if (!value) return [];
  return addressparser(value, { flatten: true }).flatMap(({ address, name }) => {
    const normalised = (address ?? '').trim().toLowerCase();
    return normalised ? [{ address: normalised, name: singleLine(name ?? '') }] : [];
  });
}

/**
 * A mail known only by the header fields SES listed for it, as far as routing needs (sender, recipients,
 * threading ids, subject, content type and every field by name); no body, no attachments. SES has
 * already split the fields, so they are read as they are: addresses and the Content-Type with
 * nodemailer's parsers, Message-IDs as `parseMail` normalises them. `subject` is SES's decoded subject
 * when it sent one; without it an encoded subject stays encoded, which can only keep a mail from being
 * recognised early, never make one automatic.
 */
export function mailFromHeaderFields(fields: readonly HeaderField[], subject?: string): ParsedMail {
  const headers = new Map<string, string[]>();
  for (const { name, value } of fields) {
    const key = name.trim().toLowerCase();
    const values = headers.get(key);
    if (values) values.push(value.trim());
    else headers.set(key, [value.trim()]);
  }
  const first = (name: string) => headers.get(name)?.[0];
  const structured = parseHeaderValue(first('content-type') ?? '');
  // RFC 2045 §5.2: no (usable) Content-Type means text/plain.
  const contentType = structured.value.trim().toLowerCase() || 'text/plain';
  const reportType =
    contentType === 'multipart/report' ? structured.params['report-type']?.trim().toLowerCase() : undefined;
  const from = addressesIn(first('from'))[0];
  const messageId = normaliseMessageId(first('message-id'));
  const inReplyTo = normaliseMessageId(first('in-reply-to'));
  return {
    references: normaliseReferences(headers.get('references')),
    replyTo: addressesIn(first('reply-to')),
    to: (headers.get('to') ?? []).flatMap(addressesIn),
    cc: (headers.get('cc') ?? []).flatMap(addressesIn),
    subject: singleLine(subject ?? first('subject') ?? ''),
    text: '',
    attachments: [],
    headers,
    contentType,
    sizeBytes: 0,
    ...(from ? { from } : {}),
    ...(messageId ? { messageId } : {}),
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(reportType ? { reportType } : {}),
  };
}
