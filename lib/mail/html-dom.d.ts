// Minimal declarations for the two untyped packages used to strip quotes from HTML replies.

declare module 'jsdom' {
  /** The members of a DOM node the HTML paths use (`nodeType` 1 element, 3 text, 8 comment). */
  export interface DomNode {
    readonly nodeType: number;
    readonly nodeName: string;
    nodeValue: string | null;
    textContent: string | null;
    readonly lastChild: DomNode | null;
    readonly previousSibling: DomNode | null;
    remove(): void;
  }
  /** The members of a DOM element the HTML reply path uses. */
  export interface DomElement extends DomNode {
    getAttribute(name: string): string | null;
    querySelector(selectors: string): DomElement | null;
    matches(selectors: string): boolean;
    readonly attributes: ArrayLike<{ name: string; value: string }>;
    outerHTML: string;
    innerHTML: string;
  }
  /** Walks a subtree in document order (`createTreeWalker`). */
  export interface DomTreeWalker {
    nextNode(): DomNode | null;
  }
  /** The members of a DOM document the HTML reply path uses. */
  export interface DomDocument {
    querySelectorAll(selectors: string): Iterable<DomElement> & { length: number };
    body: DomElement | null;
    documentElement: DomElement;
    createTreeWalker(root: DomNode, whatToShow: number): DomTreeWalker;
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
