import type { AttachmentSummary } from './types.js';

/**
 * Bounds of what a stored message keeps of a mail. The raw mail keeps everything; the stored copy is
 * bounded so its item always fits DynamoDB's 400 KB, which lets it be written while the relay is sent
 * instead of before.
 */
export const STORED_LIMITS = {
  textBytes: 256 * 1024,
  subjectChars: 2000,
  attachments: 200,
  filenameChars: 255,
} as const;

/** The longest prefix of `text` that is at most `maxBytes` in UTF-8, never splitting a character. */
export function utf8Prefix(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(maxBytes));
  return text.slice(0, read);
}

/** A mail's text as stored: cut at {@link STORED_LIMITS}, saying so and where the whole mail is. */
export function storedText(text: string, rawKey: string): string {
  const kept = utf8Prefix(text, STORED_LIMITS.textBytes - 200);
  return kept.length === text.length ? text : `${kept}\n\n[cut here; the whole mail is kept at ${rawKey}]`;
}

/** A subject as stored. */
export function storedSubject(subject: string): string {
  return subject.length <= STORED_LIMITS.subjectChars
    ? subject
    : subject.slice(0, STORED_LIMITS.subjectChars);
}

/** Attachment summaries as stored. */
export function storedAttachments(
  attachments: ReadonlyArray<{ filename: string; contentType: string; size: number }>,
): AttachmentSummary[] {
  return attachments.slice(0, STORED_LIMITS.attachments).map(({ filename, contentType, size }) => ({
    filename: filename.slice(0, STORED_LIMITS.filenameChars),
    contentType: contentType.slice(0, STORED_LIMITS.filenameChars),
    size,
  }));
}
