import { describe, expect, it } from 'vitest';
import { createProgressBar } from '../../../lib/cli/progress-bar.js';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, isTTY, write: (chunk: string) => written.push(chunk) > 0 };
}

describe('createProgressBar', () => {
  it('redraws one line in place on a terminal and ends it with a newline', () => {
    const tty = stream(true);
    const bar = createProgressBar(tty, 10);
    bar.update(0, 4, 'mails');
    bar.update(2, 4, 'mails');
    bar.update(2, 4, 'mails');
    bar.update(4, 4, 'mails');
    bar.finish();
    expect(tty.written).toHaveLength(4);
    expect(tty.written[1]).toMatch(/^\r\[#####-----\] 2\/4 mails/);
    expect(tty.written[2]).toMatch(/^\r\[##########\] 4\/4 mails/);
    expect(tty.written[3]).toBe('\n');
  });

  it('writes nothing when stderr is not a terminal', () => {
    const pipe = stream(false);
    const bar = createProgressBar(pipe);
    bar.update(1, 2);
    bar.finish();
    expect(pipe.written).toEqual([]);
  });
});
