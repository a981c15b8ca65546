/** Longest local part and domain looked at around one `@` (RFC 5321's limits). */
const MAX_LOCAL_CHARS = 64;
const MAX_DOMAIN_CHARS = 255;

/**
 * Characters of a local part besides letters and digits, as owners' mailboxes use them. RFC 5322 allows
 * more (`/`, `=`, `?`, …), but those usually lead a mailbox (`?email=bob@…`, `/bob@…`), so a run stops
 * at them and the mailbox is what follows.
 */
const LOCAL_SYMBOLS = new Set(".'+_-");

const isAlphanumeric = (code: number): boolean =>
  (code >= 0x30 && code <= 0x39) ||
  (code >= 0x61 && code <= 0x7a) ||
  (code >= 0x41 && code <= 0x5a) ||
  code > 0x7f;

const isLocalChar = (char: string): boolean => isAlphanumeric(char.charCodeAt(0)) || LOCAL_SYMBOLS.has(char);
const isDomainChar = (char: string): boolean =>
  isAlphanumeric(char.charCodeAt(0)) || char === '.' || char === '-';

/** A run of local-part or domain characters without its dots and hyphens at either end. */
function trimmed(run: string): string {
  let start = 0;
  let end = run.length;
  while (start < end && (run[start] === '.' || run[start] === '-')) start += 1;
  while (end > start && (run[end - 1] === '.' || run[end - 1] === '-')) end -= 1;
  return run.slice(start, end);
}

/**
 * Adds every mailbox-like token of `text` (already lower-cased) to `into`: around each `@`, the local
 * part and the domain as far as their characters go (at most 64 and 255 of them). Stops adding at
 * `limit` entries and returns false then (the text names more than the caller wants to look up).
 * Linear in the text's length: a run is read from one `@` to the next at most. No regular expression.
 */
export function collectMailboxes(text: string, into: Set<string>, limit: number): boolean {
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let left = at;
    while (left > 0 && at - left < MAX_LOCAL_CHARS && isLocalChar(text[left - 1] ?? '')) left -= 1;
    let right = at + 1;
    while (right < text.length && right - at - 1 < MAX_DOMAIN_CHARS && isDomainChar(text[right] ?? '')) {
      right += 1;
    }
    const domain = trimmed(text.slice(at + 1, right));
    if (domain === '') continue;
    const mailbox = trimmed(text.slice(left, at));
    if (mailbox === '') continue;
    const found = `${mailbox}@${domain}`;
    if (into.has(found)) continue;
    if (into.size >= limit) return false;
    into.add(found);
  }
  return true;
}
