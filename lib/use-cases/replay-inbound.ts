import { PermanentFailureError } from '../domain/errors.js';
import { recoverReceipt } from '../domain/recover-receipt.js';
import { parseMail } from '../mail/parse-mail.js';
import type { InboundDeps } from './inbound-deps.js';
import { processInboundMail } from './process-inbound-mail.js';

/** How one stored mail fared in a replay. */
export type ReplayStatus = 'processed' | 'already-done' | 'missing';

/** Totals of a replay. */
export interface ReplaySummary {
  processed: number;
  alreadyDone: number;
  missing: number;
  /** Outcome status → count, for the mails that ran. */
  outcomes: Record<string, number>;
}

/** Options of {@link replayStoredMail}. */
export interface ReplayOptions {
  /**
   * Also re-run mails whose recorded outcome is `failed`. Any other outcome is final (the mail may have
   * been relayed, and a relay is never repeated), so force never touches those.
   */
  force: boolean;
  /** Treat stored mail without SES verdict headers as trusted (local mode's own store). */
  trustUnmarked: boolean;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs stored raw mail (`inbound/<id>`) through the inbound use case again: unfinished mails resume,
 * finished ones are reported as already done (the processing claim makes them duplicates), and with
 * `force` a `failed` outcome is cleared first so the mail runs again. Sends are keyed, so a mail that
 * sent something before its failure does not send it twice.
 */
export async function replayStoredMail(
  deps: InboundDeps,
  inboundIds: string[],
  options: ReplayOptions,
): Promise<ReplaySummary> {
  const summary: ReplaySummary = { processed: 0, alreadyDone: 0, missing: 0, outcomes: {} };
  let done = 0;
  for (const inboundId of inboundIds) {
    const status = await replayOne(deps, inboundId, options, summary);
    if (status === 'already-done') summary.alreadyDone += 1;
    else if (status === 'missing') summary.missing += 1;
    else summary.processed += 1;
    options.onProgress?.(++done, inboundIds.length);
  }
  return summary;
}

async function replayOne(
  deps: InboundDeps,
  inboundId: string,
  options: ReplayOptions,
  summary: ReplaySummary,
): Promise<ReplayStatus> {
  const record = await deps.store.getInbound(inboundId);
  const rawKey = record?.rawKey ?? `inbound/${inboundId}`;
  if (record?.outcome) {
    if (!(options.force && record.outcome.status === 'failed')) return 'already-done';
    if (!(await deps.store.clearFailedOutcome(inboundId))) return 'already-done';
  }
  let raw: Buffer;
  try {
    raw = await deps.rawMail.getRaw(rawKey);
  } catch (error) {
    if (error instanceof Error && error.name === 'RawMailMissingError') return 'missing';
    throw error;
  }
  const receipt = await receiptOf(deps, raw, options.trustUnmarked);
  const { outcome } = await processInboundMail(deps, {
    inboundId,
    rawKey,
    ...receipt,
    receivedAt: record?.receivedAt ?? deps.now().toISOString(),
  });
  summary.outcomes[outcome.status] = (summary.outcomes[outcome.status] ?? 0) + 1;
  return 'processed';
}

/** Receipt facts from the mail's headers; an unparseable mail gets none (the use case records why it fails). */
async function receiptOf(deps: InboundDeps, raw: Buffer, trustUnmarked: boolean) {
  try {
    // Only the headers matter here; the use case applies the configured limits itself.
    const mail = await parseMail(raw, { maxBytes: Number.MAX_SAFE_INTEGER });
    return recoverReceipt({
      headers: mail.headers,
      ...(mail.from?.address ? { fromAddress: mail.from.address } : {}),
      supportAddress: deps.config.supportAddress,
      replyDomain: deps.config.replyDomain,
      trustUnmarked,
    });
  } catch (error) {
    if (!(error instanceof PermanentFailureError)) throw error;
    return recoverReceipt({
      headers: new Map(),
      supportAddress: deps.config.supportAddress,
      replyDomain: deps.config.replyDomain,
      trustUnmarked: false,
    });
  }
}
