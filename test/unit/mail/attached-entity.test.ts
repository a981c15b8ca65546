import { describe, expect, it } from 'vitest';
import { attachedEntityProblem, passableAttachment } from '../../../lib/mail/attached-entity.js';
import { pythonMimeDefectsOf } from '../../support/python-mime-defects.js';

const lines = (...given: string[]) => Buffer.from(`${given.join('\r\n')}\r\n`);
const GOOD = lines(
  'Subject: inner',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: message/rfc822',
  '',
  'Subject: innermost',
  '',
  'text',
  '--b--',
);
const BROKEN: Array<[string, Buffer]> = [
  ['no empty line before the body', lines('Subject: x', 'body without a separator')],
  ['a first line that continues nothing', lines(' Subject: x', '', 'body')],
  ['a multipart without a boundary', lines('Content-Type: multipart/mixed', '', 'body')],
  ['a boundary that never starts', lines('Content-Type: multipart/mixed; boundary="b"', '', 'body')],
  ['a boundary never closed', lines('Content-Type: multipart/mixed; boundary="b"', '', '--b', '', 'x')],
  [
    'a broken message inside a part',
    lines(
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: message/rfc822',
      '',
      'Subject: y',
      'no separator',
      '--b--',
    ),
  ],
  ['a line over 998 bytes', lines('Subject: x', '', 'y'.repeat(999))],
];

describe('attachedEntityProblem', () => {
  it('passes a well-formed attached message, nested parts and messages included', () => {
    expect(attachedEntityProblem('message/rfc822', GOOD)).toBeUndefined();
  });

  it.each(BROKEN)('finds %s', (_, content) => {
    expect(attachedEntityProblem('message/rfc822', content)).toBeDefined();
  });

  it('agrees with Python: what it passes has no defect, what it finds has one', () => {
    const wrap = (content: Buffer) =>
      Buffer.concat([Buffer.from('From: a@b.test\r\nContent-Type: message/rfc822\r\n\r\n'), content]);
    const defects = pythonMimeDefectsOf(
      [GOOD, ...BROKEN.slice(0, 6).map(([, content]) => content)].map(wrap),
    );
    expect(defects[0]).toEqual([]);
    for (const found of defects.slice(1)) expect(found.length).toBeGreaterThan(0);
  });

  it('reads the first Content-Type of a header block, as parsers do', () => {
    const twice = lines(
      'Content-Type: text/plain',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      'body',
    );
    expect(attachedEntityProblem('message/rfc822', twice)).toBeUndefined();
  });
});

describe('passableAttachment', () => {
  const part = { filename: 'fwd.eml', contentType: 'message/rfc822', inline: false };
  it('keeps a well-formed attached message and any ordinary attachment as they are', () => {
    expect(passableAttachment({ ...part, content: GOOD }).contentType).toBe('message/rfc822');
    const pdf = { ...part, contentType: 'application/pdf', content: lines('Subject: x', 'nope') };
    expect(passableAttachment(pdf)).toBe(pdf);
  });

  it('sends a broken one as application/octet-stream under its name, or attached-message.eml', () => {
    const broken = BROKEN[0]?.[1] as Buffer;
    expect(passableAttachment({ ...part, content: broken })).toMatchObject({
      contentType: 'application/octet-stream',
      filename: 'fwd.eml',
      content: broken,
    });
    expect(passableAttachment({ ...part, filename: '', content: broken }).filename).toBe(
      'attached-message.eml',
    );
  });
});
