import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { awaitAll } from '../../../lib/use-cases/await-all.js';

const LIB = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'lib');

/**
 * Files that still start several calls with `Promise.all`, where one rejecting leaves the others in
 * flight. Each is inside the relay's delivery protocol, which is being moved into one delivery module;
 * the entry goes when its file does.
 */
const KNOWN_PROMISE_ALL: Record<string, number> = {
  // `stored`: the new conversation, the message and its Message-ID link.
  'use-cases/relay-customer-mail.ts': 1,
  // `afterSend`: the links and the thread entries of the answer.
  'use-cases/relay-owner-reply.ts': 1,
  // The first contact's links and thread entry.
  'use-cases/send-first-contact.ts': 1,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('awaitAll', () => {
  it('throws the first rejection only once every call has settled', async () => {
    const settled: string[] = [];
    let finishSlow: () => void = () => undefined;
    const slow = new Promise<string>((resolve) => {
      finishSlow = () => {
        settled.push('slow');
        resolve('slow');
      };
    });
    const failed = Promise.reject(new Error('first'));
    const waiting = awaitAll([failed, slow]).catch((error: unknown) => {
      settled.push(`threw ${(error as Error).message}`);
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toEqual([]);
    finishSlow();
    await waiting;
    expect(settled).toEqual(['slow', 'threw first']);
  });

  it('returns every value in order', async () => {
    expect(await awaitAll([Promise.resolve(1), 'two', Promise.resolve([3])])).toEqual([1, 'two', [3]]);
  });

  it('is how use cases, handlers and commands wait for several calls', () => {
    const found: Record<string, number> = {};
    for (const folder of ['use-cases', 'handlers', 'cli']) {
      for (const file of sourceFiles(join(LIB, folder))) {
        const count = readFileSync(file, 'utf8').split('Promise.all(').length - 1;
        if (count > 0) found[relative(LIB, file)] = count;
      }
    }
    expect(found).toEqual(KNOWN_PROMISE_ALL);
  });
});
