import { CONTEXT_MARKERS } from '../../lib/mail/context-block.js';

/** What must never be in a mail to a customer, and who counts as an owner. */
export interface PrivacyContext {
  ownerAddresses: string[];
  replyDomain: string;
}

/**
 * Everything wrong with a raw mail bound for a customer: an owner's personal address, a reply token or
 * the reply domain, the internal context block, an internal note or conversation header, and header
 * lines that are not well formed (a CR or LF smuggled in through a display name or subject). Returns
 * `[]` for a clean mail.
 */
export function privacyViolations(raw: Buffer, context: PrivacyContext): string[] {
  const text = raw.toString('latin1');
  const lower = text.toLowerCase();
  const problems: string[] = [];
  for (const owner of context.ownerAddresses) {
    if (lower.includes(owner.toLowerCase())) problems.push(`names the owner's address ${owner}`);
  }
  if (/reply\+[a-z0-9]/i.test(text)) problems.push('carries a reply token');
  if (lower.includes(`@${context.replyDomain.toLowerCase()}`)) problems.push('names the reply domain');
  if (lower.includes(CONTEXT_MARKERS.start.toLowerCase()) || lower.includes('support context')) {
    problems.push('carries the internal context block');
  }
  if (/^#note\b/im.test(text) || /^x-spoc-/im.test(text)) problems.push('carries an internal note or header');
  problems.push(...headerProblems(text));
  return problems;
}

/** Checks the header block: CRLF line ends only, every line a field or a folded continuation. */
export function headerProblems(text: string): string[] {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return ['no CRLF CRLF between header and body'];
  const block = text.slice(0, end);
  const problems: string[] = [];
  if (/\r(?!\n)|(?<!\r)\n/.test(block)) problems.push('a bare CR or LF in the header block');
  for (const line of block.split('\r\n')) {
    if (line.length > 998) problems.push(`a header line of ${line.length} characters`);
    if (!/^[\x21-\x39\x3b-\x7e]+:/.test(line) && !/^[ \t]/.test(line)) {
      problems.push(
        `a header line that is neither a field nor a continuation: ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
  }
  return problems;
}

/** Throws when a customer-bound mail leaks anything internal or has broken headers. */
export function assertCustomerSafe(raw: Buffer, context: PrivacyContext, label = 'mail to a customer'): void {
  const problems = privacyViolations(raw, context);
  if (problems.length > 0)
    throw new Error(`${label} is not safe for a customer:\n  ${problems.join('\n  ')}`);
}

/**
 * What a question to a colleague may not carry: it is internal by design (context markers, the
 * customer's mails), but it must never name the conversation's reply address, which leads to the
 * customer, nor an owner's own mailbox.
 */
export function colleagueViolations(raw: Buffer, context: PrivacyContext): string[] {
  const text = raw.toString('latin1');
  const lower = text.toLowerCase();
  const problems: string[] = [];
  for (const owner of context.ownerAddresses) {
    if (lower.includes(owner.toLowerCase())) problems.push(`names the owner's address ${owner}`);
  }
  if (/reply\+[a-z0-9]/i.test(text)) problems.push('carries a reply token');
  return problems;
}

/**
 * Checks a mail bound for a non-owner: a question to a colleague (sent from a consult address) with
 * {@link colleagueViolations}, anything else as a mail to a customer.
 */
export function assertOutsiderSafe(
  raw: Buffer,
  envelopeFrom: string,
  context: PrivacyContext,
  label = 'mail to a customer',
): void {
  if (!envelopeFrom.toLowerCase().startsWith('consult+')) {
    assertCustomerSafe(raw, context, label);
    return;
  }
  const problems = colleagueViolations(raw, context);
  if (problems.length > 0)
    throw new Error(`${label} is not safe for a colleague:\n  ${problems.join('\n  ')}`);
}
