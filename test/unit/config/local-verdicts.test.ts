import { describe, expect, it } from 'vitest';
import { readLocalSettings } from '../../../lib/local/local-settings.js';
import { takeLocalVerdicts } from '../../../lib/local/local-verdicts.js';

describe('takeLocalVerdicts', () => {
  it('reads any subset of verdicts and removes the field, folded lines included, byte for byte otherwise', () => {
    const raw = Buffer.from(
      'From: a@b.test\r\nX-Spoc-Local-Verdicts: spf=fail dkim=FAIL\r\n dmarc=fail bogus=x spam=maybe\r\nSubject: caf\xe9\r\n\r\nX-Spoc-Local-Verdicts: body\r\n',
      'latin1',
    );
    const { raw: kept, verdicts } = takeLocalVerdicts(raw);
    expect(verdicts).toEqual({ spf: 'FAIL', dkim: 'FAIL', dmarc: 'FAIL' });
    expect(kept.toString('latin1')).toBe(
      'From: a@b.test\r\nSubject: caf\xe9\r\n\r\nX-Spoc-Local-Verdicts: body\r\n',
    );
  });

  it('leaves a mail without the field untouched', () => {
    const raw = Buffer.from('From: a@b.test\n\nhello\n');
    expect(takeLocalVerdicts(raw)).toEqual({ raw, verdicts: {} });
  });
});

describe('SPOC_LOCAL_VERDICTS', () => {
  it('accepts "header" only', () => {
    expect(readLocalSettings({ SPOC_LOCAL_VERDICTS: 'header' }, '/x').verdictsFromHeader).toBe(true);
    expect(readLocalSettings({}, '/x').verdictsFromHeader).toBeUndefined();
    expect(() => readLocalSettings({ SPOC_LOCAL_VERDICTS: 'yes' }, '/x')).toThrow(/SPOC_LOCAL_VERDICTS/);
  });
});
