import { describe, expect, it } from 'vitest';
import { COMMAND_HELP } from '../../../lib/domain/owner-commands.js';

describe('the command list shown to owners', () => {
  it('starts every description in one column, after at least two spaces', () => {
    const columns = COMMAND_HELP.map((line) => /^#\S*(?: \S+)*? {2,}(?=\S)/.exec(line)?.[0].length);
    expect(columns.every((column) => column !== undefined)).toBe(true);
    expect(new Set(columns).size).toBe(1);
  });
});
