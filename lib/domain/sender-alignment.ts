import { type AuthenticationResult, parseAuthenticationResults } from './authentication-results.js';
import { domainOf } from './mail-address.js';
import type { ReceiptVerdicts } from './receipt-verdicts.js';

/** What a mail shows about who sent it, beyond SES's verdicts. */
export interface SenderEvidence {
  /** How many `From` header fields the mail has. */
  fromFields: number;
  /** Every address in those fields, lower-cased. */
  fromAddresses: string[];
  /** The envelope sender (MAIL FROM), whose domain SES's SPF verdict is about; `''` for a null sender. */
  envelopeFrom: string;
  /**
   * The value of SES's own `Authentication-Results` field: the topmost one. SES adds it above every field
   * the sender wrote, so a field the sender planted is never the one read.
   */
  authenticationResults?: string;
}

/** Whether the mail provably comes from its From domain, and how. */
export type SenderJudgement =
  | { authenticated: true; by: 'dmarc' | 'spf' | 'dkim' }
  | { authenticated: false; reason: 'sender-ambiguous' | 'sender-unauthenticated'; detail: string };

/** The authserv-id SES writes into its `Authentication-Results`. */
export const SES_AUTHSERV_ID = 'amazonses.com';

/**
 * Relaxed alignment (DMARC's, RFC 7489 §3.1) without a public-suffix list: two domains align when they
 * are equal or one is a subdomain of the other (`mail.example.com` and `example.com`). DMARC proper
 * compares organizational domains, which needs the public-suffix list; this is stricter for siblings
 * (`a.example.com` and `b.example.com` do not align) and never aligns a bare top-level name, since the
 * shorter domain must itself have two labels.
 */
export function domainsAlign(a: string, b: string): boolean {
  const x = a.trim().toLowerCase().replace(/\.$/, '');
  const y = b.trim().toLowerCase().replace(/\.$/, '');
  if (x === '' || y === '') return false;
  if (x === y) return x.includes('.');
  const [longer, shorter] = x.length > y.length ? [x, y] : [y, x];
  return shorter.includes('.') && longer.endsWith(`.${shorter}`);
}

/** The domain a DKIM result vouches for: its `header.d`, else the domain of its `header.i`. */
function dkimDomain(result: AuthenticationResult): string {
  const d = result.properties.get('header.d');
  if (d) return d;
  const i = result.properties.get('header.i') ?? '';
  return i.includes('@') ? domainOf(i) : i;
}

/** The domain SES's SPF check was about: `smtp.mailfrom` (or SES's `envelope-from`), else the envelope's. */
function spfDomain(results: readonly AuthenticationResult[], envelopeFrom: string): string {
  const spf = results.find((r) => r.method === 'spf');
  const mailfrom = spf?.properties.get('smtp.mailfrom') ?? spf?.properties.get('envelope-from');
  const address = mailfrom ?? envelopeFrom;
  return address.includes('@') ? domainOf(address) : address;
}

/**
 * Decides whether an owner-side mail comes from the domain of its (single) From address:
 *
 * - more than one From field or address: refused (`sender-ambiguous`): which one would be the sender?
 * - DMARC failing: refused.
 * - DMARC passing (SES checked it against the From domain), together with the SPF or DKIM pass it rests on:
 *   authenticated.
 * - otherwise SPF passing for an envelope domain aligned with the From domain, or a DKIM signature passing
 *   for a domain aligned with it (read from SES's `Authentication-Results`): authenticated.
 *
 * SPF or DKIM passing for some other domain proves only that the sender owns *that* domain: anyone can
 * pass SPF for their own domain while writing the owner's address into From, which is all a forger
 * needs when the owner's domain publishes no DMARC record. Without evidence only DMARC can authenticate.
 */
export function judgeSender(verdicts: ReceiptVerdicts, evidence?: SenderEvidence): SenderJudgement {
  if (evidence && (evidence.fromFields > 1 || evidence.fromAddresses.length > 1)) {
    return {
      authenticated: false,
      reason: 'sender-ambiguous',
      detail:
        evidence.fromFields > 1
          ? `the mail has ${evidence.fromFields} From fields`
          : `From names ${evidence.fromAddresses.length} addresses: ${evidence.fromAddresses.join(', ')}`,
    };
  }
  const { spf, dkim, dmarc } = verdicts;
  const summary = `spf=${spf} dkim=${dkim} dmarc=${dmarc}`;
  const refused = (why: string): SenderJudgement => ({
    authenticated: false,
    reason: 'sender-unauthenticated',
    detail: `${summary}; ${why}`,
  });
  if (dmarc === 'FAIL') return refused('DMARC failed');
  if (dmarc === 'PASS' && (spf === 'PASS' || dkim === 'PASS')) return { authenticated: true, by: 'dmarc' };
  const fromDomain = evidence?.fromAddresses[0] ? domainOf(evidence.fromAddresses[0]) : '';
  if (!evidence || fromDomain === '') return refused('neither DMARC nor an aligned SPF or DKIM pass');
  const ses = evidence.authenticationResults
    ? parseAuthenticationResults(evidence.authenticationResults)
    : undefined;
  const results = ses?.authservId === SES_AUTHSERV_ID ? ses.results : [];
  const spfResult = results.find((r) => r.method === 'spf')?.result;
  const spfFor = spfDomain(results, evidence.envelopeFrom);
  if (
    spf === 'PASS' &&
    (spfResult === undefined || spfResult === 'pass') &&
    domainsAlign(spfFor, fromDomain)
  ) {
    return { authenticated: true, by: 'spf' };
  }
  const dkimPassed = results.filter((r) => r.method === 'dkim' && r.result === 'pass').map(dkimDomain);
  if (dkim === 'PASS' && dkimPassed.some((domain) => domainsAlign(domain, fromDomain))) {
    return { authenticated: true, by: 'dkim' };
  }
  const vouched = [
    ...(spf === 'PASS' && spfFor ? [`SPF for ${spfFor}`] : []),
    ...(dkim === 'PASS' ? dkimPassed.map((domain) => `DKIM for ${domain}`) : []),
  ];
  return refused(
    vouched.length > 0
      ? `${vouched.join(', ')}, not aligned with the From domain ${fromDomain}`
      : `no SPF or DKIM pass aligned with the From domain ${fromDomain}`,
  );
}
