import type { DomDocument, DomElement, DomNode } from 'jsdom';
import { CONTEXT_HTML_ATTRIBUTE } from './context-block.js';
import { findTracesInText } from './internal-traces.js';
import type { InternalTraces } from './mail-types.js';

/** Larger HTML is not analysed: the customer gets the text version instead. */
const MAX_HTML_CHARS = 2 * 1024 * 1024;

/**
 * The owner's HTML answer made fit for the customer: the quoted forward removed (planer, on a jsdom
 * document), then the context block removed by its marker attribute, and the result checked again. When
 * anything internal could still be in it (the owner's mailbox, a reply address, the context block's
 * words) `undefined` is returned and the customer gets the text version only.
 *
 * jsdom is loaded here, on the first HTML reply, not when the inbound function starts: most mail never
 * needs it, and it is most of the size of the function's dependencies.
 *
 * @returns The HTML to send, or `undefined` when it cannot be sent safely or holds no text.
 */
export async function customerFacingHtml(
  html: string,
  traces: InternalTraces,
  /** The reply's text version after quote removal: HTML showing much more than it kept a quote. */
  replyText?: string,
): Promise<string | undefined> {
  if (html.length > MAX_HTML_CHARS) return undefined;
  const [{ JSDOM }, planer] = await Promise.all([import('jsdom'), import('planer')]);
  const factory = new JSDOM('');
  let reply: string;
  try {
    reply = planer.extractFromHtml(html, factory.window.document);
  } finally {
    factory.window.close();
  }
  const dom = new JSDOM(reply);
  try {
    const { document } = dom.window;
    for (const element of [
      ...document.querySelectorAll(`[${CONTEXT_HTML_ATTRIBUTE}], #spoc-context, .spoc-context`),
    ]) {
      element.remove();
    }
    // Scripts and the like never belong in a mail; an owner's client does not write them either.
    for (const element of [...document.querySelectorAll('script, iframe, object, embed')]) element.remove();
    // Comments are invisible to the customer but travel with the mail (clients put drafts and notes there).
    removeComments(document);
    // Outlook leaves its reply anchor and the rule above the quote planer removed.
    for (const element of [...document.querySelectorAll('#appendonsend')]) element.remove();
    if (document.body) dropTrailingBlanks(document.body);
    const text = (document.body?.textContent ?? '').trim();
    const images = document.querySelectorAll('img').length;
    if (text === '' && images === 0) return undefined;
    if (replyText !== undefined && showsMoreThan(text, replyText)) return undefined;
    const serialized = dom.serialize();
    return leaksInternal(serialized, text, traces) ? undefined : serialized;
  } finally {
    dom.window.close();
  }
}

/**
 * True when the HTML's visible text is clearly longer than the text version's: planer left (part of) a
 * quote the text path removed. Whitespace and case are ignored; a little slack covers formatting.
 */
function showsMoreThan(htmlText: string, replyText: string): boolean {
  const squash = (value: string) => value.replace(/[\s\u200e\u200f\u00a0]+/g, '').toLowerCase();
  const shown = squash(htmlText).length;
  const kept = squash(replyText).length;
  return shown > kept * 1.15 + 12;
}

/**
 * True when the HTML still names something internal, in the markup (links included) or in its text with
 * entities and `&nbsp;` decoded (a client that dropped the block's marker attribute leaves its words).
 */
function leaksInternal(html: string, text: string, traces: InternalTraces): boolean {
  const set = { replyDomain: traces.replyDomain, ownerAddresses: [traces.ownerEmail] };
  const lower = html.toLowerCase();
  return (
    lower.includes('support context') ||
    findTracesInText(html, 'HTML part', set).length > 0 ||
    findTracesInText(text, 'HTML part', set).length > 0
  );
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const COMMENT_NODE = 8;
const SHOW_COMMENT = 0x80;

function removeComments(document: DomDocument): void {
  const walker = document.createTreeWalker(document.documentElement, SHOW_COMMENT);
  const comments: DomNode[] = [];
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) comments.push(node);
  for (const comment of comments) comment.remove();
}

/** Content that shows even without text. */
const VISIBLE_WITHOUT_TEXT = 'img, picture, svg, video, audio, table, input';

/**
 * Removes what ends the answer without showing anything: white space, line breaks, horizontal rules and
 * empty blocks (Outlook's rule and anchor above the removed quote, Gmail's trailing `<br>`).
 */
function dropTrailingBlanks(node: DomNode): void {
  for (let child = node.lastChild; child !== null; child = node.lastChild) {
    if (child.nodeType === TEXT_NODE || child.nodeType === COMMENT_NODE) {
      if ((child.nodeValue ?? '').trim() !== '') return;
      child.remove();
      continue;
    }
    if (child.nodeType !== ELEMENT_NODE) return;
    const name = child.nodeName.toLowerCase();
    if (name === 'hr' || name === 'br') {
      child.remove();
      continue;
    }
    const element = child as DomElement;
    if (
      (element.textContent ?? '').trim() !== '' ||
      element.matches(VISIBLE_WITHOUT_TEXT) ||
      element.querySelector(VISIBLE_WITHOUT_TEXT)
    ) {
      dropTrailingBlanks(element);
      return;
    }
    child.remove();
  }
}

/** Content-IDs (without brackets) that an HTML document references with `cid:` URLs. */
export function referencedContentIds(html: string): Set<string> {
  const ids = new Set<string>();
  for (const match of html.matchAll(/cid:([^"'\s>)]+)/gi)) {
    const id = match[1];
    if (id) ids.add(decodeURIComponent(id).replace(/^<|>$/g, '').toLowerCase());
  }
  return ids;
}
