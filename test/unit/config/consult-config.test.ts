import { describe, expect, it } from 'vitest';
import { DEV_DEFAULT_CONFIG, loadConfigFile, parseConfig } from '../../../lib/config/load-config.js';

describe('consult configuration', () => {
  it("defaults to the owners' domains only, attachments attached, a reminder after one business day", () => {
    expect(parseConfig(DEV_DEFAULT_CONFIG).consult).toEqual({
      allowedDomains: [],
      attachments: 'attach',
      remindAfter: '1d',
    });
    expect(
      parseConfig({
        ...DEV_DEFAULT_CONFIG,
        consult: { allowedDomains: [' Partner.TEST '], attachments: 'list', remindAfter: '4h' },
      }).consult,
    ).toEqual({ allowedDomains: ['partner.test'], attachments: 'list', remindAfter: '4h' });
  });

  it('is in the shipped example', async () => {
    const example = await loadConfigFile(
      new URL('../../../spoc.config.example.json', import.meta.url).pathname,
    );
    expect(example.consult.allowedDomains).toEqual(['partner.example.net']);
  });

  it.each([
    [{ allowedDomains: ['not a domain'] }, 'consult.allowedDomains.0'],
    [{ attachments: 'zip' }, 'consult.attachments'],
    [{ remindAfter: '1 day' }, 'consult.remindAfter'],
    [{ remindAfter: '0d' }, 'consult.remindAfter'],
    [{ remindAfter: '1w' }, 'consult.remindAfter'],
  ])('names the bad field in %o', (consult, field) => {
    expect(() => parseConfig({ ...DEV_DEFAULT_CONFIG, consult })).toThrow(
      new RegExp(field.replaceAll('.', '\\.')),
    );
  });

  it('is strict: a misspelt key is named with the closest known one', () => {
    expect(() => parseConfig({ ...DEV_DEFAULT_CONFIG, consult: { allowedDomain: ['x.test'] } })).toThrow(
      'consult.allowedDomain: unknown key "allowedDomain" (did you mean "allowedDomains"?)',
    );
  });
});
