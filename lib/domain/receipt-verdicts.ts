/** SES verdict values (`receipt.*Verdict.status`). */
export type VerdictStatus = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED' | 'DISABLED' | 'NOT_AVAILABLE';

/** The checks SES ran on receipt. */
export interface ReceiptVerdicts {
  spf: VerdictStatus;
  dkim: VerdictStatus;
  dmarc: VerdictStatus;
  spam: VerdictStatus;
  virus: VerdictStatus;
}
