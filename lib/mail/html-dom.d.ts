// Minimal declarations for the two untyped packages used to strip quotes from HTML replies.

declare module 'jsdom' {
  /** The members of a DOM element the HTML reply path uses. */
  export interface DomElement {
    remove(): void;
    getAttribute(name: string): string | null;
    outerHTML: string;
    innerHTML: string;
    textContent: string | null;
  }
  /** The members of a DOM document the HTML reply path uses. */
  export interface DomDocument {
    querySelectorAll(selectors: string): Iterable<DomElement> & { length: number };
    body: DomElement | null;
    documentElement: DomElement;
  }
  export class JSDOM {
    constructor(html?: string, options?: Record<string, unknown>);
    readonly window: { document: DomDocument; close(): void };
    serialize(): string;
  }
}

declare module 'planer' {
  import type { DomDocument } from 'jsdom';
  /** Removes quoted text from an HTML reply; `dom` is a document used as a factory. */
  export function extractFromHtml(html: string, dom: DomDocument): string;
  export function extractFromPlain(text: string): string;
}
