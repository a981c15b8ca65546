import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { awaitAll } from '../../../lib/delivery/await-all.js';

const LIB = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'lib');

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

  it('is how delivery, use cases, handlers and commands wait for several calls', () => {
    const found: Record<string, number> = {};
    for (const folder of ['delivery', 'use-cases', 'handlers', 'cli']) {
      for (const file of sourceFiles(join(LIB, folder))) {
        const count = readFileSync(file, 'utf8').split('Promise.all(').length - 1;
        if (count > 0) found[relative(LIB, file)] = count;
      }
    }
    expect(found).toEqual({});
  });
});
