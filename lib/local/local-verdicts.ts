import type { ReceiptVerdicts, VerdictStatus } from '../domain/route-inbound.js';
import { headerBlockLength } from '../mail/parse-mail.js';

/** The header field local mode reads verdicts from with `SPOC_LOCAL_VERDICTS=header`. */
export const LOCAL_VERDICTS_HEADER = 'X-Spoc-Local-Verdicts';

const CHECKS = new Set<keyof ReceiptVerdicts>(['spf', 'dkim', 'dmarc', 'spam', 'virus']);
const STATUSES = new Set<VerdictStatus>([
  'PASS',
  'FAIL',
  'GRAY',
  'PROCESSING_FAILED',
  'DISABLED',
  'NOT_AVAILABLE',
]);

/** What {@link takeLocalVerdicts} found: the mail without the field, and the verdicts it named. */
export interface LocalVerdicts {
  raw: Buffer;
  verdicts: Partial<ReceiptVerdicts>;
}

/**
 * For tests and demos: reads `X-Spoc-Local-Verdicts: spf=fail dkim=fail dmarc=fail spam=pass virus=pass`
 * (any subset; the checks it does not name stay as local mode sets them) and removes every such field,
 * with its folded lines, from the header, so the stored mail is what a sender's real mail would be.
 * Unknown names and values are ignored. The rest of the mail is kept byte for byte.
 */
export function takeLocalVerdicts(raw: Buffer): LocalVerdicts {
  const end = headerBlockLength(raw);
  // latin1 maps bytes to characters one to one, so whatever is kept round-trips unchanged.
  const lines = raw
    .subarray(0, end)
    .toString('latin1')
    .split(/(?<=\n)/);
  const kept: string[] = [];
  const values: string[] = [];
  let inField = false;
  for (const line of lines) {
    if (inField && (line.startsWith(' ') || line.startsWith('\t'))) {
      values.push(line);
      continue;
    }
    inField = line.toLowerCase().startsWith(`${LOCAL_VERDICTS_HEADER.toLowerCase()}:`);
    if (inField) values.push(line.slice(LOCAL_VERDICTS_HEADER.length + 1));
    else kept.push(line);
  }
  if (values.length === 0) return { raw, verdicts: {} };
  const verdicts: Partial<ReceiptVerdicts> = {};
  for (const token of values.join(' ').split(/[\s;,]+/)) {
    const [name, value] = token.toLowerCase().split('=');
    const status = value?.toUpperCase() as VerdictStatus | undefined;
    if (CHECKS.has(name as keyof ReceiptVerdicts) && status && STATUSES.has(status)) {
      verdicts[name as keyof ReceiptVerdicts] = status;
    }
  }
  return { raw: Buffer.concat([Buffer.from(kept.join(''), 'latin1'), raw.subarray(end)]), verdicts };
}
