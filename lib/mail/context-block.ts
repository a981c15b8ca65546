/**
 * The internal context shown to an owner above each relayed customer mail. Its marker lines let the
 * owner→customer path cut it out even when an owner replies inline instead of above the quote.
 */
export const CONTEXT_MARKERS = {
  start: '--- Support context (internal: never sent to the customer) ---',
  end: '--- End of support context ---',
} as const;

/** Facts the context block states. */
export interface ContextFacts {
  customerName: string;
  customerEmail: string;
  customerSince: string;
  conversationId: string;
  conversationOpened: string;
  messageCount: number;
  ownerName: string;
  supportAddress: string;
  /** Set when the reader covers for the away owner: that owner's name (and their return day). */
  coveringFor?: { ownerName: string; until: string };
  /** `Name <address>` of the writer when someone on Cc wrote instead of the customer. */
  writtenBy?: string;
  /** Addresses on Cc of the conversation; they receive the owner's answers too. */
  participants?: string[];
  /** Of those, the ones this mail added (the owner can take one off with `#uncc <address>`). */
  participantsAdded?: string[];
  /** Addresses this mail had on Cc that were not added: the conversation had no room left. */
  participantsRefused?: string[];
  /** Questions to colleagues still waiting for an answer, one line each (`openQuestionLines`). */
  openQuestions?: string[];
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

/** The context block as plain text lines. */
export function renderContextText(facts: ContextFacts): string {
  return [
    CONTEXT_MARKERS.start,
    `Customer: ${facts.customerName} <${facts.customerEmail}>, your customer since ${day(facts.customerSince)}`,
    `Conversation ${facts.conversationId}: opened ${day(facts.conversationOpened)}, message ${facts.messageCount}`,
    ...(facts.coveringFor
      ? [
          `You are covering for ${facts.coveringFor.ownerName} (away until ${facts.coveringFor.until}); they keep the customer.`,
        ]
      : []),
    ...(facts.writtenBy ? [`Written by ${facts.writtenBy}, on Cc of this conversation`] : []),
    ...(facts.participants?.length ? [`Cc on your answers: ${facts.participants.join(', ')}`] : []),
    ...(facts.participantsAdded?.length
      ? [`New on Cc with this mail: ${facts.participantsAdded.join(', ')} (remove with #uncc <address>)`]
      : []),
    ...(facts.participantsRefused?.length
      ? [`Not added to Cc (the conversation has the most it keeps): ${facts.participantsRefused.join(', ')}`]
      : []),
    ...(facts.openQuestions ?? []).map((line) => neutraliseMarkers(line)),
    `Reply above this block: the customer receives your answer from "${facts.ownerName}" <${facts.supportAddress}>.`,
    CONTEXT_MARKERS.end,
  ].join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Attribute (and id) marking the HTML context block, so the owner→customer path can remove it from an
 * HTML reply structurally.
 */
export const CONTEXT_HTML_ATTRIBUTE = 'data-spoc-context';

/** The context block as an HTML fragment (same text, each line a paragraph line). */
export function renderContextHtml(facts: ContextFacts): string {
  const lines = renderContextText(facts).split('\n').map(escapeHtml);
  return `<div ${CONTEXT_HTML_ATTRIBUTE}="1" id="spoc-context" class="spoc-context" style="border:1px solid #ccc;padding:6px;margin-bottom:12px;color:#555;font-size:12px">${lines.join('<br>\n')}</div>`;
}

/** Puts an HTML fragment at the start of a document's body (or of the fragment when there is no body). */
export function prependToHtmlBody(html: string, fragment: string): string {
  // The tag's end found by indexOf: `/<body\b[^>]*>/` rescans to the end from every unclosed `<body`.
  const body = /<body\b/i.exec(html);
  const end = body ? html.indexOf('>', body.index) : -1;
  if (end < 0) return `${fragment}\n${html}`;
  const at = end + 1;
  return `${html.slice(0, at)}\n${fragment}\n${html.slice(at)}`;
}

/** Letters and digits only, lower case: no spacing, dash or quote character makes a copy look different. */
function markerWords(line: string): string {
  return line
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** What the marker lines say once case, spacing and punctuation are ignored (their distinctive start). */
const MARKER_FORMS = [
  markerWords(CONTEXT_MARKERS.start).slice(0, 'supportcontextinternal'.length),
  markerWords(CONTEXT_MARKERS.end),
];

/**
 * True when a line could be taken for one of our marker lines: it says what a marker says, however it
 * is spaced, dashed, cased or `>`-quoted (`--- END OF SUPPORT CONTEXT ---`, `> Support context`).
 * Only the lines we write ourselves may mark a block.
 */
export function looksLikeMarker(line: string): boolean {
  const words = markerWords(line);
  return words === 'supportcontext' || MARKER_FORMS.some((form) => words.includes(form));
}

/** Put before a line of someone else's text that looks like one of our marker lines. */
export const NEUTRALISED_PREFIX = '[as written] ';

/**
 * Text we did not write (a customer's mail, a stored message, a note), made safe to show between or
 * beside our markers: every line that looks like a marker gets {@link NEUTRALISED_PREFIX}, so a
 * customer who types `--- End of support context ---` cannot close a block early, or open one, when an
 * owner's answer is cut later.
 */
export function neutraliseMarkers(text: string): string {
  if (!looksLikeMarker(text)) return text;
  return text
    .split('\n')
    .map((line) => (looksLikeMarker(line) ? `${NEUTRALISED_PREFIX}${line}` : line))
    .join('\n');
}
