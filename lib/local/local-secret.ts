import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseReplyTokenKeys } from '../domain/reply-token.js';

/**
 * The reply-token key of local mode, created once and kept in the data directory so reply addresses
 * handed out before a restart keep working after it. The file holds the same value as the deployed
 * secret: one key, or a rotation's JSON.
 */
export async function loadOrCreateLocalSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, 'reply-token.key');
  try {
    const existing = (await readFile(path, 'utf8')).trim();
    // A key file may hold one key or a rotation (see parseReplyTokenKeys); a broken one fails here.
    if (existing.length >= 32) {
      parseReplyTokenKeys(existing);
      return existing;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  // 'wx' so two processes starting at once cannot overwrite each other's key.
  try {
    await writeFile(path, `${secret}\n`, { flag: 'wx', mode: 0o600 });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readFile(path, 'utf8')).trim();
  }
}
