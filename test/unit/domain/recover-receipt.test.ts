import { describe, expect, it } from 'vitest';
import { recoverReceipt } from '../../../lib/domain/recover-receipt.js';

const base = { supportAddress: 'support@example.test', replyDomain: 'reply.example.test' };
const headers = (entries: Record<string, string[]>) => new Map(Object.entries(entries));

describe('recoverReceipt', () => {
  it('takes our own addresses from the headers, else the support address (a Bcc)', () => {
    const owner = recoverReceipt({
      ...base,
      headers: headers({
        to: ['"Jane via Support" <reply+abc12345.ff@Reply.Example.test>'],
        cc: ['x@y.test'],
      }),
      fromAddress: 'alice@example.test',
      trustUnmarked: true,
    });
    expect(owner.recipients).toEqual(['reply+abc12345.ff@reply.example.test']);
    expect(owner.envelopeFrom).toBe('alice@example.test');
    const bcc = recoverReceipt({
      ...base,
      headers: headers({ to: ['friend@else.test'] }),
      trustUnmarked: true,
    });
    expect(bcc.recipients).toEqual(['support@example.test']);
  });

  it('uses the Return-Path, keeping the null path of a bounce', () => {
    const bounce = recoverReceipt({
      ...base,
      headers: headers({ 'return-path': ['<>'] }),
      fromAddress: 'mailer-daemon@x.test',
      trustUnmarked: true,
    });
    expect(bounce.envelopeFrom).toBe('');
  });

  it("reads SES's verdict headers, trusts unmarked local mail only when told, and otherwise proves nothing", () => {
    const ses = recoverReceipt({
      ...base,
      headers: headers({
        'x-ses-spam-verdict': ['PASS'],
        'x-ses-virus-verdict': ['FAIL'],
        'authentication-results': [
          'amazonses.com; spf=pass smtp.mailfrom=a.test; dkim=fail header.i=@a.test; dmarc=pass',
        ],
      }),
      trustUnmarked: true,
    });
    expect(ses.verdicts).toEqual({ spf: 'PASS', dkim: 'FAIL', dmarc: 'PASS', spam: 'PASS', virus: 'FAIL' });
    expect(recoverReceipt({ ...base, headers: headers({}), trustUnmarked: true }).verdicts.spf).toBe('PASS');
    expect(recoverReceipt({ ...base, headers: headers({}), trustUnmarked: false }).verdicts).toEqual({
      spf: 'NOT_AVAILABLE',
      dkim: 'NOT_AVAILABLE',
      dmarc: 'NOT_AVAILABLE',
      spam: 'NOT_AVAILABLE',
      virus: 'NOT_AVAILABLE',
    });
  });

  it("reads only SES's topmost Authentication-Results: a field the sender planted below it, or above none, proves nothing", () => {
    const planted = 'amazonses.com; spf=pass; dkim=pass header.d=owner.test; dmarc=pass';
    const below = recoverReceipt({
      ...base,
      headers: headers({ 'authentication-results': ['amazonses.com; spf=fail; dkim=none', planted] }),
      trustUnmarked: false,
    });
    expect(below.verdicts).toMatchObject({ spf: 'FAIL', dkim: 'GRAY', dmarc: 'NOT_AVAILABLE' });
    const foreign = recoverReceipt({
      ...base,
      headers: headers({ 'authentication-results': ['mx.evil.test; spf=pass; dkim=pass; dmarc=pass'] }),
      trustUnmarked: true,
    });
    expect(foreign.verdicts).toMatchObject({
      spf: 'NOT_AVAILABLE',
      dkim: 'NOT_AVAILABLE',
      dmarc: 'NOT_AVAILABLE',
    });
  });
});
