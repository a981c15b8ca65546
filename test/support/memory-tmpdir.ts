import { accessSync, constants, mkdtempSync, rmSync, statfsSync } from 'node:fs';

/** A memory-backed file system most Linux systems mount; absent elsewhere. */
const MEMORY_FS = '/dev/shm';
/** Set (to the run's directory in memory) for the test workers when the run has one. */
export const RUN_DIR_ENV = 'SPOC_TEST_RUN_DIR';
/** Free space a run needs there (a 37 MiB mail and its copies, engines of files running at once). */
const NEEDED_BYTES = 2 * 1024 ** 3;

/**
 * Vitest global setup: the test run's temporary files (embedded engines, local-mode data, `spoc` child
 * processes) go to one directory in memory, removed when the run ends.
 *
 * Local mode flushes every stored mail to disk (`fsync` of the file and its directory) so that a power
 * cut loses nothing; the tests exercise that code, but what they check is what survives a killed
 * process, which the page cache keeps either way. On a disk each flush waits for the device (tens of
 * milliseconds under load, thousands of them per run); in memory it returns at once. Where there is no
 * such file system, or it is small (containers often get 64 MiB), the default temporary directory is
 * used and the run is only slower.
 */
export default function useMemoryTmpdir(): (() => void) | undefined {
  try {
    accessSync(MEMORY_FS, constants.W_OK);
    const { bavail, bsize } = statfsSync(MEMORY_FS);
    if (bavail * bsize < NEEDED_BYTES) return undefined;
  } catch {
    return undefined;
  }
  const directory = mkdtempSync(`${MEMORY_FS}/spoc-test-`);
  // Read by os.tmpdir() in the test workers and inherited by the processes the tests start.
  process.env.TMPDIR = directory;
  process.env[RUN_DIR_ENV] = directory;
  return () => rmSync(directory, { recursive: true, force: true });
}
