import { type AuthenticationResult, parseAuthenticationResults } from './authentication-results.js';
import { isOnReplyDomain } from './reply-token.js';
import type { ReceiptVerdicts, VerdictStatus } from './route-inbound.js';
import { SES_AUTHSERV_ID } from './sender-alignment.js';

/** What a replay knows about a stored mail's receipt, recovered from the mail itself. */
export interface RecoveredReceipt {
  recipients: string[];
  envelopeFrom: string;
  verdicts: ReceiptVerdicts;
}

/** Words separated by these hold at most one address each. */
const ADDRESS_SEPARATORS = /[\s<>,;"']+/;

/**
 * Each word with an `@` between two characters, lower-cased. Split into words rather than matched by an
 * unanchored pattern, which rescans a long word from each of its characters.
 */
function addressesIn(values: readonly string[]): string[] {
  return values.flatMap((value) =>
    value
      .split(ADDRESS_SEPARATORS)
      .filter((word) => word.slice(1, -1).includes('@'))
      .map((address) => address.toLowerCase()),
  );
}

function sesVerdict(value: string | undefined): VerdictStatus {
  const status = value?.trim().toUpperCase();
  return status === 'PASS' || status === 'FAIL' || status === 'GRAY' ? status : 'NOT_AVAILABLE';
}

function authResult(results: readonly AuthenticationResult[], method: string): VerdictStatus {
  const value = results.find((r) => r.method === method)?.result;
  if (value === undefined) return 'NOT_AVAILABLE';
  return value === 'pass' ? 'PASS' : value === 'fail' ? 'FAIL' : 'GRAY';
}

/**
 * Rebuilds the receipt facts of a stored raw mail for a replay. The envelope is not stored with the
 * mail, so the recipients are the header addresses that are ours (support address, reply domain),
 * else the support address (a Bcc reached us through it); the envelope sender is the `Return-Path`,
 * else the `From` (an empty one would make any mail look like a bounce).
 *
 * Verdicts: SES writes its checks into the stored mail (`X-SES-Spam-Verdict`, `X-SES-Virus-Verdict`,
 * `Authentication-Results`, the topmost one: SES adds it above the sender's own fields, so one the sender
 * planted further down is never read); mail stored by local mode has none and is trusted as local mode trusts
 * its loopback senders (`trustUnmarked`). Anything else is NOT_AVAILABLE, so an owner reply without
 * proof of its sender is rejected on replay just as it would have been on receipt.
 */
export function recoverReceipt(input: {
  headers: ReadonlyMap<string, string[]>;
  fromAddress?: string;
  supportAddress: string;
  replyDomain: string;
  trustUnmarked: boolean;
}): RecoveredReceipt {
  const header = (name: string) => input.headers.get(name) ?? [];
  const ours = (address: string) =>
    address === input.supportAddress.toLowerCase() || isOnReplyDomain(address, input.replyDomain);
  const candidates = addressesIn([
    ...header('delivered-to'),
    ...header('x-original-to'),
    ...header('to'),
    ...header('cc'),
  ]).filter(ours);
  const recipients = candidates.length > 0 ? [...new Set(candidates)] : [input.supportAddress.toLowerCase()];
  const returnPath = header('return-path')[0]?.trim();
  const envelopeFrom =
    returnPath !== undefined
      ? returnPath.replace(/^<|>$/g, '').toLowerCase()
      : (input.fromAddress ?? '').toLowerCase();

  const marked =
    input.headers.has('x-ses-spam-verdict') ||
    input.headers.has('x-ses-virus-verdict') ||
    input.headers.has('authentication-results');
  if (!marked && input.trustUnmarked) {
    return {
      recipients,
      envelopeFrom,
      verdicts: { spf: 'PASS', dkim: 'PASS', dmarc: 'PASS', spam: 'PASS', virus: 'PASS' },
    };
  }
  const topmost = parseAuthenticationResults(header('authentication-results')[0] ?? '');
  const results = topmost.authservId === SES_AUTHSERV_ID ? topmost.results : [];
  return {
    recipients,
    envelopeFrom,
    verdicts: {
      spf: authResult(results, 'spf'),
      dkim: authResult(results, 'dkim'),
      dmarc: authResult(results, 'dmarc'),
      spam: sesVerdict(header('x-ses-spam-verdict')[0]),
      virus: sesVerdict(header('x-ses-virus-verdict')[0]),
    },
  };
}
