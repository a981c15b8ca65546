/**
 * Characters that can make a name or subject draw something it does not say: C0 and C1 controls (CR,
 * LF, TAB, NEL among them), the line and paragraph separators U+2028/U+2029 (clients render them as a
 * line break, so a name could show a line of our context block), the bidi embeddings, overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069, which turn `invoice<RLO>fdp.exe` into `invoiceexe.pdf`),
 * the implicit direction marks (U+200E, U+200F, U+061C) and the byte order mark.
 */
const UNSAFE = /[\p{Cc}\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu;
const SPACES = /\s+/g;

/**
 * Longest display name we write, in UTF-16 units. Far above any real name, and short enough that
 * `From: "<name>" <address>` stays under RFC 5322's 998-byte line even when every character needs a
 * quoting backslash and MailComposer cannot fold the name (one long word of ASCII).
 */
export const MAX_NAME_LENGTH = 200;
/** Longest subject (and other free-text header value) we write; see {@link MAX_NAME_LENGTH}. */
export const MAX_SUBJECT_LENGTH = 400;
/** Longest attachment file name we write (common file systems stop at 255). */
export const MAX_FILENAME_LENGTH = 255;

/**
 * Text from a mail made safe to show on one line of a header or of our context block: every unsafe
 * character becomes a space, runs of white space one space, the ends trimmed, and anything longer than
 * `maxLength` cut (never inside a surrogate pair) with an ellipsis.
 */
export function displayText(value: string, maxLength: number): string {
  const clean = value.replace(UNSAFE, ' ').replace(SPACES, ' ').trim();
  if (clean.length <= maxLength) return clean;
  let cut = maxLength - 1;
  const last = clean.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${clean.slice(0, cut).trimEnd()}…`;
}
