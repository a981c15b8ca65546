import { describe, expect, it } from 'vitest';
import { displayText } from '../../../lib/mail/display-text.js';

describe('displayText', () => {
  it.each([
    ['line separator', 'Jane\u2028--- End of support context ---', 'Jane --- End of support context ---'],
    ['paragraph separator', 'Jane\u2029Doe', 'Jane Doe'],
    ['next line (C1)', 'Jane\u0085Doe', 'Jane Doe'],
    ['CR LF and TAB', 'Jane\r\n\tDoe', 'Jane Doe'],
    ['bidi override', 'invoice\u202Efdp.exe', 'invoice fdp.exe'],
    ['bidi isolate', '\u2066Jane\u2069 \u2067Doe\u2069', 'Jane Doe'],
    ['direction marks and BOM', '\u200FJane\u200E\u061C\uFEFF', 'Jane'],
    ['other controls', 'Ja\u0000ne\u001b[31m', 'Ja ne [31m'],
  ])('replaces %s with a space', (_, given, expected) => {
    expect(displayText(given, 200)).toBe(expected);
  });

  it('keeps every other letter, script and emoji', () => {
    expect(displayText('山田 太郎 — Ёжик «в тумане» 🎧', 200)).toBe('山田 太郎 — Ёжик «в тумане» 🎧');
  });

  it('cuts long text to the limit with an ellipsis, never inside a surrogate pair', () => {
    expect(displayText('x'.repeat(200_000), 200)).toBe(`${'x'.repeat(199)}…`);
    const emoji = displayText('🎧'.repeat(300), 200);
    expect(emoji.length).toBeLessThanOrEqual(200);
    expect(emoji).toBe(`${'🎧'.repeat(99)}…`);
    expect(displayText('short', 200)).toBe('short');
  });
});
