import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { MailRejectedError, PermanentFailureError, RawMailMissingError } from '../../../lib/domain/errors.js';
import {
  type AutomaticReason,
  isOutcomeReason,
  OUTCOME_REASONS,
  type OutcomeReason,
} from '../../../lib/domain/outcome-reasons.js';
import { readReplyAddress, replyAddressFor } from '../../../lib/domain/reply-token.js';
import {
  checkOwnerReply,
  type InboundRoute,
  type OwnerReplyCheck,
  type ReceiptVerdicts,
  routeInbound,
} from '../../../lib/domain/route-inbound.js';
import type { Conversation, InboundOutcome, OutcomeStatus } from '../../../lib/domain/types.js';
import { type AutomaticVerdict, classifyAutomatic } from '../../../lib/mail/classify-automatic.js';
import { parseMail } from '../../../lib/mail/parse-mail.js';
import type { UnsentReason } from '../../../lib/mail/unsent-answer-notice.js';
import { ProcessingBudgetError, repeatedFailureOutcome } from '../../../lib/use-cases/processing-budget.js';
import { resentOutcome } from '../../../lib/use-cases/screen-inbound.js';

const root = new URL('../../../', import.meta.url);
const source = readFileSync(new URL('lib/domain/outcome-reasons.ts', root), 'utf8');

const STATUSES = [
  'relayed-to-owner',
  'relayed-to-customer',
  'automatic',
  'rejected',
  'quarantined',
  'duplicate',
  'noted',
  'failed',
] as const satisfies readonly OutcomeStatus[];

/**
 * Each member of the union types in `outcome-reasons.ts` with its TSDoc, as written: a reason's doc
 * names the statuses it is recorded with (`automatic` for the whole `AutomaticReason` type).
 */
function documentedReasons(text: string): Map<string, string> {
  const found = new Map<string, string>();
  let doc = '';
  let open = false;
  let typeDoc = '';
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('/**')) {
      doc = '';
      open = true;
    }
    if (open) doc += ` ${trimmed}`;
    if (open && trimmed.endsWith('*/')) {
      open = false;
      continue;
    }
    if (trimmed.startsWith('export type ')) {
      typeDoc = doc;
      doc = '';
      continue;
    }
    const member = /^\| '([a-z-]+)'/.exec(trimmed);
    if (member?.[1]) {
      const typeStatus = typeDoc.includes('`automatic`') ? ' `automatic`' : '';
      found.set(member[1], doc === '' ? '' : doc + typeStatus);
      doc = '';
    }
    if (trimmed.startsWith('export const')) break;
  }
  return found;
}

function statusesIn(doc: string): OutcomeStatus[] {
  return STATUSES.filter((status) => doc.includes(`\`${status}\``));
}

const documented = documentedReasons(source);

describe('OutcomeReason', () => {
  it('is the type of every reason an outcome, a permanent failure or a routing decision carries', () => {
    expectTypeOf<(typeof OUTCOME_REASONS)[number]>().toEqualTypeOf<OutcomeReason>();
    expectTypeOf<(typeof STATUSES)[number]>().toEqualTypeOf<OutcomeStatus>();
    expectTypeOf<InboundOutcome['reason']>().toEqualTypeOf<OutcomeReason | undefined>();
    expectTypeOf<PermanentFailureError['reason']>().toEqualTypeOf<OutcomeReason>();
    expectTypeOf<Extract<AutomaticVerdict, { automatic: true }>['reason']>().toEqualTypeOf<AutomaticReason>();
    expectTypeOf<Extract<InboundRoute, { kind: 'rejected' }>['reason']>().toExtend<OutcomeReason>();
    expectTypeOf<Extract<OwnerReplyCheck, { accepted: false }>['reason']>().toExtend<OutcomeReason>();
    expectTypeOf<UnsentReason>().toExtend<OutcomeReason>();
    // A misspelt reason is refused.
    expectTypeOf<'token-invaild'>().not.toExtend<OutcomeReason>();
  });

  it('lists every member once, each with a line saying when it is given and with which status', () => {
    expect(new Set(OUTCOME_REASONS).size).toBe(OUTCOME_REASONS.length);
    expect([...documented.keys()]).toEqual([...OUTCOME_REASONS]);
    const undocumented = [...documented].filter(([, doc]) => statusesIn(doc).length === 0);
    expect(undocumented.map(([reason]) => reason)).toEqual([]);
  });

  it('names every reason the README and the docs give with a status', () => {
    const texts = ['README.md', 'docs/deploy.md'].map((path) => readFileSync(new URL(path, root), 'utf8'));
    // `quarantined`/`forged-sender` and `quarantined` (`processing-budget`…
    const pairs = texts.flatMap((text) =>
      [...text.matchAll(/`([a-z-]+)`(?:\/| \()`([a-z-]+)`/g)].map(([, status, reason]) => ({
        status: status ?? '',
        reason: reason ?? '',
      })),
    );
    expect(pairs.length).toBeGreaterThan(5);
    for (const { status, reason } of pairs) {
      expect(isOutcomeReason(reason), reason).toBe(true);
      expect(statusesIn(documented.get(reason) ?? ''), reason).toContain(status);
    }
  });

  it('is what the pure deciders record, with a status its line names', async () => {
    const PASS: ReceiptVerdicts = { spf: 'PASS', dkim: 'PASS', dmarc: 'PASS', spam: 'PASS', virus: 'PASS' };
    const secret = 'secret-secret-secret-secret';
    const conversation: Conversation = {
      id: '0123456789abcdef',
      customerEmail: 'c@y.test',
      ownerEmail: 'o@x.test',
      subject: 's',
      status: 'open',
      createdAt: '',
      updatedAt: '',
      customerThread: [],
      ownerThread: [],
    };
    const claim = readReplyAddress(replyAddressFor(conversation.id, secret, 'r.test'), 'r.test');
    if (!claim) throw new Error('no claim');
    const route = { replyDomain: 'r.test', automatic: { automatic: false } as const };
    const gate = { claim, secret, conversation, senderAddress: 'o@x.test', verdicts: PASS };
    const recorded: Array<{ status: string; reason: string | undefined }> = [];
    const routed = [
      routeInbound({ ...route, recipients: ['reply+nothing@r.test'], fromAddress: 'o@x.test' }),
      routeInbound({ ...route, recipients: ['support@s.test'] }),
      routeInbound({
        ...route,
        recipients: ['support@s.test'],
        fromAddress: 'support@s.test',
        supportAddress: 'support@s.test',
      }),
    ];
    for (const r of routed)
      if (r.kind === 'rejected') recorded.push({ status: 'rejected', reason: r.reason });
    const checks = [
      checkOwnerReply({ ...gate, claim: { ...claim, signature: 'forged' } }),
      checkOwnerReply({ ...gate, conversation: undefined }),
      checkOwnerReply({ ...gate, senderAddress: 'someone@x.test' }),
      checkOwnerReply({ ...gate, verdicts: { ...PASS, dmarc: 'FAIL' } }),
      checkOwnerReply({ ...gate, verdicts: { ...PASS, spam: 'FAIL' } }),
      checkOwnerReply({ ...gate, verdicts: { ...PASS, virus: 'FAIL' } }),
    ];
    for (const c of checks) if (!c.accepted) recorded.push({ status: c.status, reason: c.reason });
    const automaticMail = [
      'Auto-Submitted: auto-replied',
      'Precedence: bulk',
      'List-Id: <news.example.test>',
      'X-Autoreply: yes',
    ];
    for (const header of automaticMail) {
      const mail = await parseMail(
        Buffer.from(`From: a@y.test\r\nTo: s@s.test\r\nSubject: hi\r\n${header}\r\n\r\nbody\r\n`),
      );
      const verdict = classifyAutomatic(mail);
      if (verdict.automatic) recorded.push({ status: 'automatic', reason: verdict.reason });
    }
    const outcomes = [
      repeatedFailureOutcome(9, 3, 'inbound/x'),
      resentOutcome('<m@y.test>', 'c@y.test', 'first'),
    ];
    for (const o of outcomes) if (o) recorded.push({ status: o.status, reason: o.reason });
    const mime = (parts: number) =>
      Buffer.from(
        `From: a@y.test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n${'--b\r\n\r\nx\r\n'.repeat(parts)}--b--\r\n`,
      );
    const refusals = await Promise.all([
      parseMail(mime(1), { maxBytes: 10 }).catch((error: unknown) => error),
      parseMail(mime(1), { maxHeaderBytes: 10 }).catch((error: unknown) => error),
      parseMail(mime(5), { maxParts: 2 }).catch((error: unknown) => error),
    ]);
    // As processInboundMail records a permanent failure: a refused mail is held, anything else failed.
    for (const error of [...refusals, new RawMailMissingError('inbound/x'), new ProcessingBudgetError(1)]) {
      if (!(error instanceof PermanentFailureError)) throw new Error(`not refused: ${String(error)}`);
      recorded.push({
        status: error instanceof MailRejectedError ? 'quarantined' : 'failed',
        reason: error.reason,
      });
    }

    expect(recorded).toHaveLength(20);
    for (const { status, reason } of recorded) {
      expect(isOutcomeReason(reason ?? ''), String(reason)).toBe(true);
      expect(statusesIn(documented.get(reason ?? '') ?? ''), String(reason)).toContain(status);
    }
  });
});
