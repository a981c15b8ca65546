import { describe, expect, it } from 'vitest';
import { customerTrust, isOwnAddress } from '../../../lib/domain/customer-trust.js';
import { routeInbound } from '../../../lib/domain/route-inbound.js';
import { automaticAddresses } from '../../../lib/mail/automatic-addresses.js';
import { presentableName, presentableSubject } from '../../../lib/mail/first-contact.js';
import { loopDecision } from '../../../lib/use-cases/screen-customer-side.js';

describe('customerTrust', () => {
  it('calls DMARC failing, or SPF and DKIM both failing, forged', () => {
    expect(customerTrust({ spf: 'PASS', dkim: 'PASS', dmarc: 'FAIL' })).toBe('forged');
    expect(customerTrust({ spf: 'FAIL', dkim: 'FAIL', dmarc: 'GRAY' })).toBe('forged');
  });
  it('calls one passing check with DMARC not failing verified, and nothing passing unverified', () => {
    expect(customerTrust({ spf: 'FAIL', dkim: 'PASS', dmarc: 'PASS' })).toBe('verified');
    expect(customerTrust({ spf: 'PASS', dkim: 'GRAY', dmarc: 'GRAY' })).toBe('verified');
    expect(customerTrust({ spf: 'GRAY', dkim: 'GRAY', dmarc: 'GRAY' })).toBe('unverified');
    expect(customerTrust({ spf: 'FAIL', dkim: 'NOT_AVAILABLE', dmarc: 'GRAY' })).toBe('unverified');
  });
});

describe('our own addresses', () => {
  it('are the support address and the reply domain, in any case', () => {
    expect(isOwnAddress('Support@Example.test', 'support@example.test', 'reply.example.test')).toBe(true);
    expect(isOwnAddress('x@REPLY.example.test', 'support@example.test', 'reply.example.test')).toBe(true);
    expect(isOwnAddress('jane@example.test', 'support@example.test', 'reply.example.test')).toBe(false);
  });
  it('are never routed as a customer', () => {
    const input = {
      recipients: ['support@example.test'],
      automatic: { automatic: false } as const,
      replyDomain: 'reply.example.test',
      supportAddress: 'support@example.test',
    };
    expect(routeInbound({ ...input, fromAddress: 'support@example.test' })).toMatchObject({
      kind: 'rejected',
      reason: 'own-address',
    });
    expect(routeInbound({ ...input, fromAddress: 'jane@customer.test' })).toMatchObject({ kind: 'customer' });
  });
});

describe('what the first-contact mail repeats', () => {
  it('keeps a name that reads as a name', () => {
    expect(presentableName('  Jane   Doe ')).toBe('Jane Doe');
    expect(presentableName('Jean-Luc O’Brien')).toBe('Jean-Luc O’Brien');
    expect(presentableName('J.R. Smith')).toBe('J.R. Smith');
  });
  it('drops a display name with a link, an address or a colon, or longer than a name', () => {
    for (const name of [
      'URGENT: your account is locked, verify at https://evil.example/login',
      'visit evil.example',
      'www.evil',
      'jane@customer.test',
      'a b c d e f',
      'x'.repeat(41),
    ]) {
      expect(presentableName(name)).toBe('');
    }
  });
  it('drops a subject with a link or longer than a subject', () => {
    expect(presentableSubject('Where is my order?')).toBe('Where is my order?');
    expect(presentableSubject('verify at evil.example/login')).toBe('');
    expect(presentableSubject('y'.repeat(101))).toBe('');
  });
});

describe('automaticAddresses', () => {
  it('names the envelope sender and the return, sender and list fields', () => {
    const headers = new Map([
      ['return-path', ['<bounce@x.test>']],
      ['sender', ['"List" <list-bounces@lists.test>']],
      ['list-post', ['<mailto:team@lists.test>, <https://lists.test/post>']],
      ['list-unsubscribe', ['<mailto:leave@lists.test?subject=unsubscribe>']],
    ]);
    expect([...automaticAddresses({ headers }, 'SRS0=x@fwd.test')].sort()).toEqual([
      'bounce@x.test',
      'leave@lists.test',
      'list-bounces@lists.test',
      'srs0=x@fwd.test',
      'team@lists.test',
    ]);
  });
});

describe('loopDecision', () => {
  const at = Date.parse('2026-11-23T10:00:00.000Z');
  it('holds mail while a loop ended less than the hold ago, then relays again', () => {
    expect(loopDecision({ loopEndedAt: '2026-11-23T09:00:00.000Z', receivedAt: at, holdHours: 24 })).toBe(
      'held',
    );
    expect(loopDecision({ loopEndedAt: '2026-11-22T09:00:00.000Z', receivedAt: at, holdHours: 24 })).toBe(
      'relay',
    );
  });
  it('ends the conversation when the burst counter refused the mail', () => {
    expect(loopDecision({ loopEndedAt: undefined, receivedAt: at, holdHours: 24, admitted: false })).toBe(
      'ends-now',
    );
    expect(loopDecision({ loopEndedAt: undefined, receivedAt: at, holdHours: 24, admitted: true })).toBe(
      'relay',
    );
  });
});
