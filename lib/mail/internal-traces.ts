import type { DomElement } from 'jsdom';
import { CONTEXT_HTML_ATTRIBUTE, CONTEXT_MARKERS } from './context-block.js';
import type { MailAttachment, ParsedMail } from './mail-types.js';
import { collectMailboxes } from './mailbox-tokens.js';
import { parseMail } from './parse-mail.js';

/** What counts as internal for one mail bound for a customer. */
export interface InternalTraceSet {
  /** The domain of the reply (and consult) addresses. */
  replyDomain: string;
  /** Every owner's own mailbox. */
  ownerAddresses: readonly string[];
  /**
   * Strings that are secret wherever they appear, e.g. the signatures of the conversation's reply token
   * and of its consult tokens.
   */
  secrets?: readonly string[];
  /** The texts of the conversation's stored internal notes. */
  notes?: readonly string[];
  /**
   * The questions the conversation's owner asked colleagues (`#ask`) and the answers they gave: their
   * lines are looked for like a note's.
   */
  consultTexts?: readonly string[];
  /**
   * Filled with every mailbox-like token the search reads (see `collectMailboxes`), so a caller that
   * passed only some owners' addresses can look the others up by key and search again.
   */
  mailboxes?: MailboxesSeen;
}

/** The mailboxes a search read, up to `limit`; `overflow` once there were more. */
export interface MailboxesSeen {
  seen: Set<string>;
  limit: number;
  overflow: boolean;
}

/** The kinds of internal trace a customer must never see. */
export type InternalTraceKind =
  | 'reply-address'
  | 'consult-address'
  | 'token'
  | 'owner-address'
  | 'context-block'
  | 'note'
  | 'consult-text';

/** One internal trace found in a mail. */
export interface InternalTrace {
  kind: InternalTraceKind;
  /** Where it is: `text part`, `HTML part`, `HTML comment`, `attachment "a.txt"`, nested with ` › `. */
  where: string;
  /** What matched, shortened to at most 60 characters. */
  found: string;
}

/**
 * Note lines shorter than this are not looked for: a note saying "ok" or "called her" would hold every
 * answer containing those words.
 */
const MIN_NOTE_LINE_CHARS = 16;

/** Attached mails are opened this deep; a deeper one is searched as it is written (its raw text) only. */
const MAX_NESTING = 3;

/** Zero-width and soft-hyphen characters someone (or a client) may put inside a word. */
const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u2060\ufeff]/g;
const SPACES = /\s+/g;

/** Phrases only our context block and history mails contain (lower case, single-spaced). */
const BLOCK_PHRASES = [
  normalise(CONTEXT_MARKERS.start),
  normalise(CONTEXT_MARKERS.end),
  'support context (internal',
  'end of support context',
  CONTEXT_HTML_ATTRIBUTE,
  'spoc-context',
  'reply above this block: the customer receives your answer',
  'to answer in this conversation, write to',
  // A history's note heading, `note by Alice Smith (internal):`: notes of other conversations too.
  ' (internal):',
  'is now your customer, handed over by',
  // The internal lines of a question to a colleague and of the answer relayed to the owner.
  'this mail is internal: the customer does not see it',
  '[internal] question from',
  'answered your internal question on conversation',
];

// The key id's length is not counted (`{1,8}`): recheck cannot decide that form, and any length finds as much.
/** `reply+<conversation>.[<key id>.]<signature>` and `consult+…`, with or without the domain. */
const TOKEN_SHAPE = /\b(reply|consult)\+[a-z0-9]+\.(?:[a-z0-9]+\.)?[a-f0-9]{8}/;
/** Any consult address, whatever its domain: it only ever leads to an owner. */
const CONSULT_ADDRESS = /\bconsult\+[a-z0-9]/;
/** A `#note` command line. */
const NOTE_COMMAND = /^[ \t>]*#note\b/im;

/** The patterns run on untrusted text here, for the check that none of them can backtrack. */
export const TRACE_PATTERNS: readonly RegExp[] = [
  TOKEN_SHAPE,
  CONSULT_ADDRESS,
  NOTE_COMMAND,
  INVISIBLE,
  SPACES,
];

/** Case, compatibility forms, invisible characters and runs of white space (`&nbsp;` too) ignored. */
function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(INVISIBLE, '').replace(SPACES, ' ');
}

function shorten(text: string): string {
  const line = text.replace(SPACES, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/** Normalised note lines long enough to be looked for. */
function noteNeedles(notes: readonly string[]): string[] {
  const needles = new Set<string>();
  for (const note of notes) {
    for (const line of note.split('\n')) {
      const needle = normalise(line).trim();
      if (needle.length >= MIN_NOTE_LINE_CHARS) needles.add(needle);
    }
  }
  return [...needles];
}

/**
 * Every internal trace in one piece of text (a body, a decoded attachment, an HTML document's text).
 * Pure and linear in the text's length: substring searches and two patterns that cannot backtrack.
 */
export function findTracesInText(text: string, where: string, traces: InternalTraceSet): InternalTrace[] {
  if (text === '') return [];
  const found = tracesIn(normalise(text), where, traces);
  if (!found.some((trace) => trace.kind === 'note') && NOTE_COMMAND.test(text)) {
    found.push({ kind: 'note', where, found: '#note' });
  }
  return found;
}

/** Binary content is searched in windows of this size, overlapping by {@link BYTES_OVERLAP}. */
const BYTES_WINDOW = 1024 * 1024;
/** Longer than any address, token or phrase looked for; a note line longer than this may be missed. */
const BYTES_OVERLAP = 4096;

/**
 * Traces in the bytes of a binary attachment (uncompressed text in a PDF or a vCard is still text):
 * read as Latin-1 and lower-cased only, which is all that matters for addresses and tokens, window by
 * window, so a 28 MB attachment costs two 1 MB strings at a time rather than two of 28 MB.
 */
function findTracesInBytes(content: Buffer, where: string, traces: InternalTraceSet): InternalTrace[] {
  const found: InternalTrace[] = [];
  for (let start = 0; start < content.length; start += BYTES_WINDOW) {
    const window = content.subarray(start, start + BYTES_WINDOW + BYTES_OVERLAP);
    found.push(...tracesIn(window.toString('latin1').toLowerCase(), where, traces));
  }
  return unique(found);
}

/** The searches behind both: `haystack` is already lower-cased (and, for text, normalised). */
function tracesIn(haystack: string, where: string, traces: InternalTraceSet): InternalTrace[] {
  const found: InternalTrace[] = [];
  const add = (kind: InternalTraceKind, match: string) => found.push({ kind, where, found: shorten(match) });
  const { mailboxes } = traces;
  if (mailboxes && !mailboxes.overflow) {
    mailboxes.overflow = !collectMailboxes(haystack, mailboxes.seen, mailboxes.limit);
  }
  for (const owner of traces.ownerAddresses) {
    const needle = owner.trim().toLowerCase();
    if (needle !== '' && haystack.includes(needle)) add('owner-address', needle);
  }
  const replyDomain = `@${traces.replyDomain.trim().toLowerCase()}`;
  const token = TOKEN_SHAPE.exec(haystack);
  if (token) add(token[1] === 'consult' ? 'consult-address' : 'reply-address', token[0]);
  else if (haystack.includes(replyDomain)) add('reply-address', replyDomain);
  const consult = token ? undefined : CONSULT_ADDRESS.exec(haystack);
  if (consult) add('consult-address', consult[0]);
  for (const secret of traces.secrets ?? []) {
    const needle = normalise(secret).trim();
    if (needle.length >= 8 && haystack.includes(needle)) add('token', needle);
  }
  const phrase = BLOCK_PHRASES.find((needle) => haystack.includes(needle));
  if (phrase) add('context-block', phrase);
  const note = noteNeedles(traces.notes ?? []).find((needle) => haystack.includes(needle));
  if (note) add('note', note);
  const consultText = noteNeedles(traces.consultTexts ?? []).find((needle) => haystack.includes(needle));
  if (consultText) add('consult-text', consultText);
  return found;
}

const SHOW_ALL = 0xffffffff;
const MAX_DOM_CHARS = 8 * 1024 * 1024;
const ELEMENT_NODE = 1;
const COMMENT_NODE = 8;

/**
 * Traces in an HTML document: in the markup as written (comments, attributes, conditional comments),
 * in its text and attribute values with entities decoded (`&nbsp;`, `&#64;`), and in its comments.
 */
export async function findTracesInHtml(
  html: string,
  where: string,
  traces: InternalTraceSet,
): Promise<InternalTrace[]> {
  const found = findTracesInText(html, where, traces);
  // A document this large (an attached page, never an answer: those stop at 2 MiB) is searched as written.
  if (html.length > MAX_DOM_CHARS) return found;
  const { JSDOM } = await import('jsdom');
  const dom = new JSDOM(html);
  try {
    const { document } = dom.window;
    const attributes: string[] = [];
    const comments: string[] = [];
    const walker = document.createTreeWalker(document.documentElement, SHOW_ALL);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      if (node.nodeType === COMMENT_NODE) comments.push(node.nodeValue ?? '');
      else if (node.nodeType === ELEMENT_NODE) {
        for (const attribute of Array.from((node as DomElement).attributes)) attributes.push(attribute.value);
      }
    }
    found.push(
      ...findTracesInText(
        `${document.documentElement.textContent ?? ''}\n${attributes.join('\n')}`,
        where,
        traces,
      ),
      ...findTracesInText(comments.join('\n'), 'HTML comment', traces),
    );
  } finally {
    dom.window.close();
  }
  return unique(found);
}

function unique(found: InternalTrace[]): InternalTrace[] {
  const seen = new Set<string>();
  return found.filter((trace) => {
    const key = `${trace.kind}\u0000${trace.where}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A part that is a whole mail: `message/rfc822` (or `message/global`), or an `.eml` file. */
export function isAttachedMail(attachment: Pick<MailAttachment, 'contentType' | 'filename'>): boolean {
  const type = attachment.contentType.toLowerCase();
  return type === 'message/rfc822' || type === 'message/global' || /\.eml$/i.test(attachment.filename);
}

/**
 * True for an attached mail that is one of our own relays or history mails: it comes from (or names)
 * the reply domain, or carries our context block. Such an attachment is never passed to a customer.
 */
export function isOwnRelay(attachment: MailAttachment, replyDomain: string): boolean {
  if (!isAttachedMail(attachment)) return false;
  const text = normalise(attachment.content.toString('latin1'));
  return (
    text.includes(`@${replyDomain.trim().toLowerCase()}`) ||
    BLOCK_PHRASES.some((phrase) => text.includes(phrase)) ||
    TOKEN_SHAPE.test(text)
  );
}

function isText(contentType: string): boolean {
  return /^text\/|^application\/(?:json|xml)|\+xml$/i.test(contentType);
}

async function tracesInAttachment(
  attachment: Pick<MailAttachment, 'filename' | 'contentType' | 'content'>,
  where: string,
  traces: InternalTraceSet,
  depth: number,
): Promise<InternalTrace[]> {
  const label = `${where}attachment "${attachment.filename || '(no name)'}"`;
  const found = findTracesInText(attachment.filename, label, traces);
  const type = attachment.contentType.toLowerCase();
  if (isAttachedMail(attachment)) {
    // An attached mail is opened like the mail itself; its header fields count too.
    found.push(...findTracesInText(attachment.content.toString('utf8'), label, traces));
    if (depth >= MAX_NESTING) return found;
    const inner = await parseMail(attachment.content).catch(() => undefined);
    if (inner) found.push(...(await tracesInParsed(inner, `${label} › `, traces, depth + 1)));
  } else if (type === 'text/html') {
    found.push(...(await findTracesInHtml(attachment.content.toString('utf8'), label, traces)));
  } else if (isText(type)) {
    found.push(...findTracesInText(attachment.content.toString('utf8'), label, traces));
  } else {
    found.push(...findTracesInBytes(attachment.content, label, traces));
  }
  return found;
}

/** The parts of a mail the search reads: a parsed mail, or what a mail is composed from. */
type MailParts = Pick<ParsedMail, 'text' | 'html'> & {
  attachments: ReadonlyArray<Pick<MailAttachment, 'filename' | 'contentType' | 'content'>>;
};

async function tracesInParsed(
  mail: MailParts,
  where: string,
  traces: InternalTraceSet,
  depth: number,
): Promise<InternalTrace[]> {
  const found = findTracesInText(mail.text, `${where}text part`, traces);
  if (mail.html !== undefined)
    found.push(...(await findTracesInHtml(mail.html, `${where}HTML part`, traces)));
  for (const attachment of mail.attachments) {
    found.push(...(await tracesInAttachment(attachment, where, traces, depth)));
  }
  return found;
}

/**
 * Every internal trace in a composed mail bound for a customer: its text, its HTML (markup, decoded
 * text, attribute values, comments), every attachment (text decoded, binary byte for byte, attached
 * mails opened with their header fields, up to three deep). Our own header fields are not read: they
 * carry the conversation's references on purpose. No I/O; returns `[]` for a clean mail.
 */
export async function findInternalTraces(raw: Buffer, traces: InternalTraceSet): Promise<InternalTrace[]> {
  const mail = await parseMail(raw);
  return unique(await tracesInParsed(mail, '', traces, 0));
}

/**
 * {@link findInternalTraces} on what a mail is composed from (its text, HTML and attachments, the very
 * buffers MailComposer encodes), so a large answer is not decoded a second time: a 28 MB attachment
 * costs a parse of seconds and its size again in memory otherwise. Attached mails are still parsed.
 */
export async function findInternalTracesInParts(
  mail: MailParts,
  traces: InternalTraceSet,
): Promise<InternalTrace[]> {
  return unique(await tracesInParsed(mail, '', traces, 0));
}

/** The traces as one line for an outcome or a notice: `note in text part ("…"); …`. */
export function describeTraces(found: readonly InternalTrace[]): string {
  return found.map((trace) => `${trace.kind} in ${trace.where} ("${trace.found}")`).join('; ');
}
