/** A single-line progress display on stderr. */
export interface ProgressBar {
  update(done: number, total: number, label?: string): void;
  finish(): void;
}

/**
 * A progress bar redrawn in place on a terminal; when stderr is not a terminal (CI, a pipe) it writes
 * nothing until `finish`, so logs do not fill with carriage returns.
 */
export function createProgressBar(
  stream: Pick<NodeJS.WriteStream, 'write'> & { isTTY?: boolean } = process.stderr,
  width = 30,
): ProgressBar {
  let last = '';
  return {
    update(done, total, label = '') {
      if (!stream.isTTY) return;
      const ratio = total === 0 ? 1 : Math.min(1, done / total);
      const filled = Math.round(ratio * width);
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${label}`.slice(
        0,
        100,
      );
      if (line === last) return;
      last = line;
      stream.write(`\r${line.padEnd(100)}`);
    },
    finish() {
      if (stream.isTTY && last !== '') stream.write('\n');
    },
  };
}
