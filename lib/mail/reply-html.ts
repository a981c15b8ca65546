import { CONTEXT_HTML_ATTRIBUTE, CONTEXT_MARKERS } from './context-block.js';
import type { InternalTraces } from './customer-reply.js';

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
    const text = (document.body?.textContent ?? '').trim();
    const images = document.querySelectorAll('img').length;
    if (text === '' && images === 0) return undefined;
    if (replyText !== undefined && showsMoreThan(text, replyText)) return undefined;
    const serialized = dom.serialize();
    return leaksInternal(serialized, traces) ? undefined : serialized;
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

/** True when the HTML still names something internal (checked on the markup, links included). */
function leaksInternal(html: string, traces: InternalTraces): boolean {
  const lower = html.toLowerCase();
  return [
    traces.ownerEmail.toLowerCase(),
    `@${traces.replyDomain.toLowerCase()}`,
    CONTEXT_MARKERS.start.toLowerCase(),
    CONTEXT_MARKERS.end.toLowerCase(),
    'support context',
    CONTEXT_HTML_ATTRIBUTE,
  ].some((needle) => lower.includes(needle));
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
