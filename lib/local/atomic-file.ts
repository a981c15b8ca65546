import { randomBytes } from 'node:crypto';
import { link, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes `data` to a new temporary file next to `path` and flushes it to disk; returns its path. */
async function writeDurably(path: string, data: Buffer | string, mode: number): Promise<string> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(temporary, 'wx', mode);
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  return temporary;
}

/** Flushes a directory entry change (a rename or link) to disk; not every platform allows it. */
async function syncDirectory(path: string): Promise<void> {
  const directory = await open(dirname(path), 'r').catch(() => undefined);
  if (!directory) return;
  try {
    await directory.sync().catch(() => undefined);
  } finally {
    await directory.close();
  }
}

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the old content or the new,
 * never a cut-short file: written to a temporary file, flushed, then renamed over `path`.
 */
export async function writeFileAtomic(path: string, data: Buffer | string, mode = 0o644): Promise<void> {
  const temporary = await writeDurably(path, data, mode);
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(path);
}

/**
 * Creates `path` with `data`, complete or not at all; fails with `EEXIST` when it exists (two processes
 * creating it at once: one wins, the other reads the winner's).
 */
export async function createFileAtomic(path: string, data: Buffer | string, mode = 0o644): Promise<void> {
  const temporary = await writeDurably(path, data, mode);
  try {
    await link(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
  await syncDirectory(path);
}
