import EmailReplyParser from 'email-reply-parser';

/** Marker lines that delimit an internal block in a mail body. */
export interface BlockMarker {
  start: string;
  end: string;
}

/**
 * Returns the visible new text of a reply: quoted text (`>`), attribution lines ("On … wrote:"),
 * Outlook-style `From:/Sent:/To:/Subject:` header blocks with everything below them, and signatures
 * after a delimiter (`-- `, "Sent from my iPhone") removed. A sign-off such as "Best regards," and the
 * name under it are kept. Inline answers between quoted passages are kept.
 *
 * Quote detection is email-reply-parser's; the pre-processing below only covers client formats it
 * misses (see the comments there). Text that is not recognised as quoted is kept, so strip internal
 * blocks with `stripContextBlock` as well before the text leaves the house.
 *
 * @param text A plain-text body (any line endings).
 * @param options `keepSignature`: keep a signature after a `-- ` delimiter (at most
 *   {@link MAX_SIGNATURE_LINES} lines), as the writer's own client shows it.
 * @returns The reply text, trimmed; `''` when nothing new was written.
 */
export function extractReplyText(text: string, options: { keepSignature?: boolean } = {}): string {
  let lines = limitLength(text.replace(/\r\n?/g, '\n').replaceAll(PLACEHOLDER_MARK, '')).split('\n');
  lines = cutAtQuotedMessage(lines);
  lines = dropAttributions(lines);
  const { shortened, restore } = setLongLinesAside(lines);
  const email = new EmailReplyParser().read(limitLength(shortened.join('\n'), MAX_PARSED_CHARS));
  const visible: string[] = [];
  let afterSignature = false;
  for (const fragment of email.getFragments()) {
    const content = restore(fragment.getContent());
    if (!fragment.isHidden()) {
      visible.push(content);
    } else if (fragment.isSignature() && !afterSignature && isSignOff(content)) {
      visible.push(content);
    } else if (
      fragment.isSignature() &&
      !afterSignature &&
      options.keepSignature &&
      SIG_DASHES.test(content)
    ) {
      visible.push(signatureBlock(content));
      afterSignature = true;
    } else if (fragment.isSignature()) {
      // Below a real signature ("-- ", "Sent from …") only unquoted originals follow; keep none of it.
      afterSignature = true;
    }
  }
  return dropTrailingAttribution(visible.join('\n').split('\n')).join('\n').trim();
}

/** An RFC 3676 signature delimiter (`-- `, often sent without its space) opening a fragment. */
const SIG_DASHES = /^[ \t]*--[ \t]*(?:\n|$)/;

/** Signatures are a few lines (RFC 3676 suggests four); what follows a longer one is not signature. */
const MAX_SIGNATURE_LINES = 10;

/** The delimiter and the lines under it, up to the limit or to two blank lines in a row. */
function signatureBlock(content: string): string {
  const lines = content.split('\n').slice(0, MAX_SIGNATURE_LINES + 1);
  const gap = lines.findIndex((line, index) => line.trim() === '' && (lines[index + 1] ?? '').trim() === '');
  return (gap < 0 ? lines : lines.slice(0, gap)).join('\n').trimEnd();
}

/**
 * How much of a body is analysed; nobody writes a 256 KiB answer, so what lies beyond is quoted history.
 */
const MAX_ANALYSED_CHARS = 256 * 1024;

/**
 * How much of it email-reply-parser reads, over-long lines counted as their placeholders. Some of its
 * patterns span lines and cost the text's length for every line that starts like an attribution
 * ("Op …", "Dnia …", "abc. …"): 64 KiB of such lines take seconds, 256 KiB over a minute.
 */
const MAX_PARSED_CHARS = 64 * 1024;

function limitLength(text: string, limit = MAX_ANALYSED_CHARS): string {
  if (text.length <= limit) return text;
  const cut = text.lastIndexOf('\n', limit);
  return text.slice(0, cut > 0 ? cut : limit);
}

/**
 * Lines longer than this reach email-reply-parser as a placeholder. Its per-line patterns backtrack
 * quadratically or worse in a line's length (a line of 100,000 `>` after a letter took minutes); with
 * lines this short the cost is linear in the text. No attribution, quote header or signature line is
 * this long.
 */
const MAX_PARSED_LINE_CHARS = 500;

/** A private-use character, removed from the input, that brackets the index of a line set aside. */
const PLACEHOLDER_MARK = '\uE000';

/**
 * Replaces each over-long line by a short placeholder line, and gives back a function restoring them
 * in text the parser returns.
 */
function setLongLinesAside(lines: string[]): { shortened: string[]; restore: (text: string) => string } {
  const aside: string[] = [];
  const shortened = lines.map((line) => {
    if (line.length <= MAX_PARSED_LINE_CHARS) return line;
    aside.push(line.trimEnd());
    return `${PLACEHOLDER_MARK}${aside.length - 1}${PLACEHOLDER_MARK}`;
  });
  const restore = (text: string) =>
    aside.length === 0
      ? text
      : text.replace(/\uE000(\d+)\uE000/g, (_, index: string) => aside[Number(index)] ?? '');
  return { shortened, restore };
}

/** Header names of a quoted message header block, in the languages of common clients. */
const FROM_KEYS = ['from', 'de', 'von', 'da', 'van', 'från', 'fra', 'od', 'от', 'від', '发件人', '寄件者'];
const OTHER_KEYS = [
  ...['sent', 'date', 'to', 'cc', 'subject', 'reply-to'],
  ...['gesendet', 'datum', 'an', 'betreff'],
  ...['envoyé', 'à', 'objet'],
  ...['enviado', 'fecha', 'para', 'asunto', 'assunto', 'data'],
  ...['inviato', 'a', 'oggetto', 'risposta'],
  ...['verzonden', 'aan', 'onderwerp'],
  ...['skickat', 'till', 'ämne', 'sendt', 'til', 'emne'],
  ...['wysłano', 'do', 'temat', 'отправлено', 'дата', 'кому', 'тема', 'надіслано'],
  ...['odesláno', 'komu', 'předmět', 'kopie', 'odoslané', 'predmet'],
  ...['发送时间', '收件人', '主题'],
];

/** `From: …`, also with Outlook's rich-text bold (`*From:*`). */
function headerKey(line: string): string | undefined {
  const match = /^\s*[*_]*([^\s:*_][^:*_]{0,20}?)[*_]*\s*:/u.exec(line);
  return match?.[1]?.trim().toLowerCase();
}

/**
 * A line without the blanks and Outlook's rich-text bold (`*`) around it: the `\s*\**\s*` a pattern
 * would put on both ends, done by string scanning because two adjacent `\s*` backtrack quadratically on
 * a long line of blanks.
 */
function unframed(line: string): string {
  let text = line.trim();
  let start = 0;
  while (text[start] === '*') start += 1;
  let end = text.length;
  while (end > start && text[end - 1] === '*') end -= 1;
  text = text.slice(start, end).trim();
  return text;
}

/** How many times `char` repeats at the start (or, `fromEnd`, at the end) of `text`. */
function run(text: string, char: string, fromEnd = false): number {
  let count = 0;
  if (fromEnd) while (count < text.length && text[text.length - 1 - count] === char) count += 1;
  else while (count < text.length && text[count] === char) count += 1;
  return count;
}

/**
 * `-----Original Message-----`, `---------- Forwarded message ---------`, `______`, `------`: two or
 * more dashes, text without dashes, two or more dashes; or five or more of `-`, `_`, `=`.
 */
function isSeparator(line: string): boolean {
  const text = unframed(line);
  if (text.length >= 5 && [...text].every((char) => char === '-' || char === '_' || char === '='))
    return true;
  const leading = run(text, '-');
  if (leading === text.length) return leading >= 4;
  const trailing = run(text, '-', true);
  return leading >= 2 && trailing >= 2 && !text.slice(leading, text.length - trailing).includes('-');
}

/** Separator lines that introduce the original message on their own, no header block needed. */
const ORIGINAL_MESSAGE = new Set([
  'original message',
  'mensaje original',
  "message d'origine",
  'ursprüngliche nachricht',
  'messaggio originale',
  'oorspronkelijk bericht',
  'originalmeddelande',
  'opprinnelig melding',
  'oprindelig besked',
  'wiadomość oryginalna',
  'původní zpráva',
  'pôvodná správa',
  'исходное сообщение',
  'исходное письмо',
]);

/** `-----Original Message-----` and its translations, dashes (two or more) on both sides. */
function isOriginalMessage(line: string): boolean {
  const text = unframed(line);
  const leading = run(text, '-');
  const trailing = run(text, '-', true);
  if (leading < 2 || trailing < 2 || leading + trailing >= text.length) return false;
  return ORIGINAL_MESSAGE.has(
    text
      .slice(leading, text.length - trailing)
      .trim()
      .toLowerCase(),
  );
}

/**
 * Top-posting clients that do not `>`-quote (Outlook, Outlook on the web, AOL, Yahoo, Gmail's forward)
 * put the original below a separator and/or a `From:/Sent:/To:/Subject:` block. email-reply-parser
 * only knows an exact 32-underscore separator, English/Danish/French/German "Original Message" lines
 * and a `From:` line carrying `<address>`, so everything from such a block on is cut here.
 */
function cutAtQuotedMessage(lines: string[]): string[] {
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (isOriginalMessage(line) || isHeaderBlock(lines, index)) {
      let cut = index;
      while (cut > 0 && /^[\s*]*$/.test(lines[cut - 1] ?? '')) cut -= 1;
      if (cut > 0 && isSeparator(lines[cut - 1] ?? '')) cut -= 1;
      return lines.slice(0, cut);
    }
  }
  return lines;
}

/** A `From:` line followed, within the next six non-blank lines, by at least two more header lines. */
function isHeaderBlock(lines: string[], index: number): boolean {
  const first = lines[index] ?? '';
  const key = headerKey(first);
  if (key === undefined || !FROM_KEYS.includes(key) || first.trimStart().startsWith('>')) return false;
  let seen = 0;
  let looked = 0;
  for (let next = index + 1; next < lines.length && looked < 6; next += 1) {
    const line = lines[next] ?? '';
    if (line.trim() === '') continue;
    looked += 1;
    const other = headerKey(line);
    if (other !== undefined && OTHER_KEYS.includes(other)) seen += 1;
  }
  return seen >= 2;
}

/** The verb closing an attribution, in the languages of the corpus and of common clients. */
const WROTE =
  /(?:wrote|schrieb|écrit|escribió|scritto|escreveu|schreef|geschreven|skrev|napisał(?:\(a\))?|pisze|написал[аи]?|пише|kirjoitti|写道|のメッセージ)\s*:\s*$/iu;

/**
 * An attribution ends with a colon and names an address, a time or the writing verb
 * ("… <a@b> wrote:", "Am 21.04.2016 17:48 schrieb …:", "… пользователь lidel написал:").
 */
function looksLikeAttribution(text: string): boolean {
  return (
    /:\s*$/.test(text) &&
    /[\d@]/.test(text) &&
    (/@/.test(text) || /\b\d{1,2}:\d{2}\b/.test(text) || WROTE.test(text))
  );
}

function isBlankOrQuoted(line: string | undefined): boolean {
  return line === undefined || line.trim() === '' || line.trimStart().startsWith('>');
}

/**
 * The first line of an attribution ending at line `end` (wrapped over at most three lines), or -1. A line
 * above belongs to it when the line below continues it (starts with `<`, an address or a lower-case
 * word) or when it names an address itself; the answer line right above an attribution (Android puts no
 * blank line between) therefore stays.
 */
function attributionStart(lines: string[], end: number): number {
  if (isBlankOrQuoted(lines[end])) return -1;
  let start = end;
  while (start > 0 && end - start < 2 && !isBlankOrQuoted(lines[start - 1])) {
    const continues = /^\s*(?:<|\p{Ll}|[^\s<>@]+@)/u.test(lines[start] ?? '');
    if (!continues && !namesAddress(lines[start - 1] ?? '')) break;
    start -= 1;
  }
  return looksLikeAttribution(lines.slice(start, end + 1).join(' ')) ? start : -1;
}

/**
 * Whether `line` holds something like `a@b.c`: a word (no blanks, `<`, `>`) with text before an `@` and a
 * dot inside the text after it. Split into words rather than matched by an unanchored pattern, which
 * rescans a long word from each of its characters.
 */
function namesAddress(line: string): boolean {
  return line.split(/[\s<>]/).some((word) => {
    const parts = word.split('@');
    return parts.some(
      (part, index) => part !== '' && (parts[index + 1]?.slice(1, -1).includes('.') ?? false),
    );
  });
}

/**
 * email-reply-parser recognises "On … wrote:" and a handful of translations, and only when wrapped over
 * at most two lines; any other attribution directly above a `>` quote is removed here, in any language.
 * An attribution followed by unquoted text (Outlook Mobile, some webmails paste the original as is)
 * starts the original: everything from it on is cut.
 */
function dropAttributions(lines: string[]): string[] {
  const result = [...lines];
  for (let index = 0; index < result.length; index += 1) {
    const start = attributionStart(result, index);
    if (start < 0) continue;
    let next = index + 1;
    while (next < result.length && (result[next] ?? '').trim() === '') next += 1;
    if ((result[next] ?? '').trimStart().startsWith('>')) {
      quoteWrappedLines(result, next);
      result.splice(start, index - start + 1);
      index = start - 1;
    } else if (next < result.length && WROTE.test(result.slice(start, index + 1).join(' '))) {
      return result.slice(0, start);
    }
  }
  return result;
}

/**
 * A client that wraps a long `>` line after quoting leaves the rest of it without a `>`, directly below
 * (no blank line between). In the quote an attribution introduces (starting at line `from`), such a line
 * is marked quoted when it continues the line above: that line is long enough to have been wrapped, or
 * the line starts in lower case. A line after a blank line is an inline answer and stays.
 */
function quoteWrappedLines(lines: string[], from: number): void {
  for (let index = from + 1; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (line.trim() === '') return;
    if (line.trimStart().startsWith('>')) continue;
    const above = (lines[index - 1] ?? '').trimStart();
    const wrapped = above.replace(/^[>\s]*/, '').length >= WRAPPED_LINE_CHARS || /^\s*\p{Ll}/u.test(line);
    if (!above.startsWith('>') || !wrapped) return;
    lines[index] = `> ${line}`;
  }
}

/** Clients wrap quoted text at 72 to 78 characters; a quoted line this long probably was wrapped. */
const WRAPPED_LINE_CHARS = 60;

/** Some clients leave the attribution of a quote they did not include; drop one ending the reply. */
function dropTrailingAttribution(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && (lines[end - 1] ?? '').trim() === '') end -= 1;
  const start = end > 0 ? attributionStart(lines, end - 1) : -1;
  // Never reduce a reply to nothing: an answer that is only a line like that is still an answer.
  return start > 0 ? lines.slice(0, start) : lines;
}

/**
 * email-reply-parser treats a closing phrase ("Regards,", "Cheers") like a signature delimiter and
 * hides it with everything below; a sign-off belongs to the answer, so such a fragment is kept.
 */
const SIGN_OFF =
  /^\s*(?:\p{L}{0,20}\s?(?:\sand\s)?regards|cheers|best wishes|bien . vous|\p{L}{0,20}\s?cordialement|bonne (?:journ.e|soir.e))\s*[,.!！]*\s*$/iu;

function isSignOff(content: string): boolean {
  const first = content.split('\n').find((line) => line.trim() !== '');
  return first !== undefined && SIGN_OFF.test(first);
}
