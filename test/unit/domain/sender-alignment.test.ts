import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAuthenticationResults } from '../../../lib/domain/authentication-results.js';
import type { ReceiptVerdicts } from '../../../lib/domain/route-inbound.js';
import { domainsAlign, judgeSender, type SenderEvidence } from '../../../lib/domain/sender-alignment.js';

const PASS: ReceiptVerdicts = { spf: 'PASS', dkim: 'PASS', dmarc: 'PASS', spam: 'PASS', virus: 'PASS' };
/** What SES reports when the From domain publishes no DMARC record. */
const NO_DMARC: ReceiptVerdicts = { ...PASS, dmarc: 'GRAY' };

function evidence(authenticationResults: string, extra: Partial<SenderEvidence> = {}): SenderEvidence {
  return {
    fromFields: 1,
    fromAddresses: ['alice@owner.test'],
    envelopeFrom: 'alice@owner.test',
    authenticationResults,
    ...extra,
  };
}

describe('parseAuthenticationResults', () => {
  it("reads SES's field from a real notification: methods, results and properties, comments dropped", () => {
    const body = JSON.parse(
      readFileSync('../shared/corpus/ses-events/fx-private-relay/s3_stored_email_sns_body.json', 'utf8'),
    ) as { Message: string };
    const message = JSON.parse(body.Message) as { mail: { headers: Array<{ name: string; value: string }> } };
    const field = message.mail.headers.find((h) => h.name === 'Authentication-Results');
    const parsed = parseAuthenticationResults(field?.value ?? '');
    expect(parsed.authservId).toBe('amazonses.com');
    expect(parsed.results.map((r) => [r.method, r.result])).toEqual([
      ['spf', 'pass'],
      ['dkim', 'pass'],
      ['dmarc', 'pass'],
    ]);
    expect(parsed.results[0]?.properties.get('envelope-from')).toBe('source@sender.com');
    expect(parsed.results[1]?.properties.get('header.i')).toBe('@mozilla.com');
    expect(parsed.results[2]?.properties.get('header.from')).toBe('mozilla.com');
  });

  it('keeps ; and = inside comments and quoted strings from splitting, and survives garbage', () => {
    const parsed = parseAuthenticationResults(
      'amazonses.com (a; b=c (nested; x)) ; dkim = pass reason="good; sig" header.d=Owner.test; spf=fail',
    );
    expect(parsed.results).toHaveLength(2);
    expect(parsed.results[0]?.result).toBe('pass');
    expect(parsed.results[0]?.properties.get('reason')).toBe('good; sig');
    expect(parsed.results[0]?.properties.get('header.d')).toBe('Owner.test');
    expect(parseAuthenticationResults('((((( ;;; ="')).toEqual({ authservId: '', results: [] });
    // 100,000 separators or parentheses: one pass, no error.
    expect(parseAuthenticationResults(';'.repeat(100_000)).results).toEqual([]);
    expect(parseAuthenticationResults(`x; ${'('.repeat(100_000)}`).results).toEqual([]);
  });
});

describe('domainsAlign (relaxed, without a public-suffix list)', () => {
  it.each([
    ['owner.test', 'owner.test', true],
    ['mail.owner.test', 'owner.test', true],
    ['owner.test', 'bounce.mail.owner.test', true],
    ['OWNER.test.', 'owner.test', true],
    ['evil.test', 'owner.test', false],
    ['a.owner.test', 'b.owner.test', false],
    ['notowner.test', 'owner.test', false],
    ['test', 'owner.test', false],
    ['', 'owner.test', false],
  ])('%s ~ %s: %s', (a, b, aligned) => {
    expect(domainsAlign(a, b)).toBe(aligned);
  });
});

describe('judgeSender', () => {
  it('accepts DMARC passing together with the SPF or DKIM pass it rests on', () => {
    expect(judgeSender(PASS)).toEqual({ authenticated: true, by: 'dmarc' });
    expect(judgeSender({ ...PASS, spf: 'FAIL' })).toEqual({ authenticated: true, by: 'dmarc' });
    expect(judgeSender({ ...PASS, spf: 'FAIL', dkim: 'FAIL' })).toMatchObject({ authenticated: false });
  });

  it('refuses a failing DMARC whatever else passed', () => {
    expect(
      judgeSender(
        { ...PASS, dmarc: 'FAIL' },
        evidence('amazonses.com; spf=pass smtp.mailfrom=alice@owner.test'),
      ),
    ).toMatchObject({ authenticated: false, reason: 'sender-unauthenticated' });
  });

  it('without DMARC, accepts SPF or DKIM only when aligned with the From domain', () => {
    expect(
      judgeSender(NO_DMARC, evidence('amazonses.com; spf=pass smtp.mailfrom=alice@owner.test; dkim=none')),
    ).toEqual({ authenticated: true, by: 'spf' });
    expect(
      judgeSender(
        NO_DMARC,
        evidence('amazonses.com; spf=pass smtp.mailfrom=b@bounce.owner.test', {
          envelopeFrom: 'b@bounce.owner.test',
        }),
      ),
    ).toEqual({ authenticated: true, by: 'spf' });
    expect(
      judgeSender(
        { ...NO_DMARC, spf: 'FAIL' },
        evidence('amazonses.com; spf=fail; dkim=pass header.i=@mail.owner.test', {
          envelopeFrom: 'x@esp.test',
        }),
      ),
    ).toEqual({ authenticated: true, by: 'dkim' });
  });

  it("refuses the forger: SPF and DKIM pass, for the forger's own domain", () => {
    const forged = judgeSender(
      NO_DMARC,
      evidence(
        'amazonses.com; spf=pass (spfCheck: domain of evil.test designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1; smtp.mailfrom=mallory@evil.test; dkim=pass header.i=@evil.test; dmarc=none header.from=owner.test;',
        { envelopeFrom: 'mallory@evil.test' },
      ),
    );
    expect(forged).toEqual({
      authenticated: false,
      reason: 'sender-unauthenticated',
      detail:
        'spf=PASS dkim=PASS dmarc=GRAY; SPF for evil.test, DKIM for evil.test, not aligned with the From domain owner.test',
    });
  });

  it("reads only SES's own results: another authserv-id, or no field, proves nothing but DMARC", () => {
    const planted = 'mx.evil.test; spf=pass smtp.mailfrom=alice@owner.test; dkim=pass header.d=owner.test';
    expect(judgeSender(NO_DMARC, evidence(planted, { envelopeFrom: 'm@evil.test' }))).toMatchObject({
      authenticated: false,
    });
    // The envelope sender still speaks for SPF without the field (a replay of mail without it).
    expect(
      judgeSender(NO_DMARC, {
        fromFields: 1,
        fromAddresses: ['alice@owner.test'],
        envelopeFrom: 'm@evil.test',
      }),
    ).toMatchObject({
      authenticated: false,
    });
    // SES's receipt verdict must agree: a pass in the field alone is not enough.
    expect(
      judgeSender(
        { ...NO_DMARC, dkim: 'FAIL', spf: 'FAIL' },
        evidence('amazonses.com; spf=pass; dkim=pass header.d=owner.test'),
      ),
    ).toMatchObject({ authenticated: false });
  });

  it('refuses several From fields or addresses, even with every check passing', () => {
    expect(judgeSender(PASS, evidence('amazonses.com; dmarc=pass', { fromFields: 2 }))).toEqual({
      authenticated: false,
      reason: 'sender-ambiguous',
      detail: 'the mail has 2 From fields',
    });
    expect(
      judgeSender(
        PASS,
        evidence('amazonses.com; dmarc=pass', { fromAddresses: ['alice@owner.test', 'm@evil.test'] }),
      ),
    ).toMatchObject({
      reason: 'sender-ambiguous',
      detail: 'From names 2 addresses: alice@owner.test, m@evil.test',
    });
  });
});
