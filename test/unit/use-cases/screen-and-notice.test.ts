import { describe, expect, it } from 'vitest';
import { classifyAutomatic } from '../../../lib/mail/classify-automatic.js';
import { composeMail } from '../../../lib/mail/compose-mail.js';
import { buildOwnerNotice } from '../../../lib/mail/owner-notice.js';
import { parseMail } from '../../../lib/mail/parse-mail.js';
import { rateWindowOf } from '../../../lib/use-cases/screen-inbound.js';
import { headerProblems, privacyViolations } from '../../support/privacy-check.js';

describe('rate windows', () => {
  it('are the clock hour of the receipt, so a retry counts in the same hour', () => {
    const fallback = new Date('2030-01-01T00:00:00Z');
    expect(rateWindowOf('2026-11-23T10:59:59.999Z', fallback).window).toBe('2026-11-23T10');
    expect(rateWindowOf('2026-11-23T11:00:00.000Z', fallback).window).toBe('2026-11-23T11');
    expect(rateWindowOf('not a time', fallback).window).toBe('2030-01-01T00');
  });
});

describe('owner notices', () => {
  it('are marked automatic, so they are never answered and never loop back', async () => {
    const raw = await composeMail(
      buildOwnerNotice({
        owner: { address: 'alice@example.test', name: 'Alice' },
        supportAddress: 'support@example.test',
        supportName: 'Support',
        subject: 'Held back',
        paragraphs: ['one', 'two'],
        messageId: '<n@example.test>',
      }),
    );
    const mail = await parseMail(raw);
    expect(mail.headers.get('auto-submitted')).toEqual(['auto-generated']);
    expect(classifyAutomatic(mail, 'support@example.test')).toMatchObject({ automatic: true });
    expect(mail.text).toBe('one\n\ntwo\n');
  });
});

describe('the privacy check itself', () => {
  const context = { ownerAddresses: ['alice@example.test'], replyDomain: 'reply.example.test' };
  const clean =
    'From: "Alice Smith" <support@example.test>\r\nTo: jane@customer.test\r\nSubject: Re: x\r\n\r\nHello\r\n';

  it('passes a clean customer mail', () => {
    expect(privacyViolations(Buffer.from(clean), context)).toEqual([]);
  });

  it.each([
    ['the owner address', clean.replace('Hello', 'write to Alice@Example.test')],
    ['a reply token', clean.replace('Hello', 'reply+abc123.deadbeef@reply.example.test')],
    [
      'the context block',
      clean.replace('Hello', '--- Support context (internal: never sent to the customer) ---'),
    ],
    ['an internal note', clean.replace('Hello', '#note do not tell them')],
    ['a bare LF in the header', clean.replace('Subject: Re: x\r\n', 'Subject: Re: x\nBcc: evil@x.test\r\n')],
  ])('catches %s', (_what, mail) => {
    expect(privacyViolations(Buffer.from(mail), context)).not.toEqual([]);
  });

  it('catches a header line that is neither a field nor a continuation', () => {
    expect(headerProblems('From: a@b\r\nnot a header\r\n\r\nbody')).toHaveLength(1);
  });
});
