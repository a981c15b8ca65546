import { describe, expect, it } from 'vitest';
import { buildOnce } from '../../../lib/runtime/build-once.js';

describe('buildOnce', () => {
  it('builds once and keeps it, retrying only a build that failed', async () => {
    let builds = 0;
    const get = buildOnce(async () => {
      builds += 1;
      if (builds === 1) throw new Error('key unreadable');
      return { client: builds };
    });
    await expect(get()).rejects.toThrow('key unreadable');
    const [first, second] = await Promise.all([get(), get()]);
    expect(first).toBe(second);
    expect(await get()).toBe(first);
    expect(builds).toBe(2);
  });
});
