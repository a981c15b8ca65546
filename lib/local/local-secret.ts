import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseReplyTokenKeys } from '../domain/reply-token.js';
import { createFileAtomic, writeFileAtomic } from './atomic-file.js';

/**
 * The reply-token key of local mode, created once and kept in the data directory so reply addresses
 * handed out before a restart keep working after it. The file holds the same value as the deployed
 * secret: one key, or a rotation's JSON.
 */
export async function loadOrCreateLocalSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, 'reply-token.key');
  let damaged = false;
  try {
    const existing = (await readFile(path, 'utf8')).trim();
    // A key file may hold one key or a rotation (see parseReplyTokenKeys); a broken one fails here.
    if (existing.length >= 32) {
      parseReplyTokenKeys(existing);
      return existing;
    }
    // Cut short by a crash while it was first written: no reply address was ever signed with it.
    damaged = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  if (damaged) {
    await writeFileAtomic(path, `${secret}\n`, 0o600);
    return secret;
  }
  // Created complete or not at all, and only once: two processes starting at once get the same key.
  try {
    await createFileAtomic(path, `${secret}\n`, 0o600);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readFile(path, 'utf8')).trim();
  }
}
