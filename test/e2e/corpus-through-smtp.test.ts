import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusAvailable, corpusDir, shareOfEachKind } from '../support/corpus.js';
import { LocalHarness } from '../support/local-harness.js';

// The whole corpus goes through the SMTP entry in corpus-through-smtp-<n>.test.ts, a share per file.
describe.skipIf(!corpusAvailable())('automatic corpus mail through the SMTP entry', () => {
  let harness: LocalHarness;
  beforeAll(async () => {
    harness = await LocalHarness.start();
  });
  afterAll(async () => {
    await harness.stop();
  });

  it('gives auto-replies and bounces no automatic answer', async () => {
    const root = join(corpusDir(), 'bounces-sisimai');
    const all = (await readdir(root)).filter((f) => /^(rfc3834|arf|rfc3464)-/.test(f)).sort();
    expect(all.length).toBeGreaterThan(50);
    // Each of them is routed as automatic from a mailer daemon in
    // test/unit/decisions/automatic-corpus-route.test.ts, without I/O; a share of each kind comes in here
    // over SMTP, for the outcome the server records and the mail it does not send.
    const samples = shareOfEachKind(all, 4);
    expect(samples.length).toBeGreaterThan(12);
    // An ordinary mail first, so the outbox exists and an empty answer below means nothing was sent.
    await harness.send({
      from: 'before@corpus.test',
      to: 'support@example.test',
      subject: 'anyone there?',
      text: 'yes',
    });
    expect(await harness.lastOutcome()).toMatchObject({ status: 'relayed-to-owner' });
    expect(await harness.newOutboxMails()).toHaveLength(1);
    for (const name of samples) {
      const raw = await readFile(join(root, name));
      await harness.sendRaw(raw, { from: 'mailer-daemon@mx.test', to: ['support@example.test'] });
    }
    const outcomes = (await harness.outcomes()).slice(-samples.length);
    const answered = outcomes.filter((o) => o.outcome?.status !== 'automatic');
    expect(answered.map((o) => o.outcome)).toEqual([]);
    expect(await harness.newOutboxMails()).toEqual([]);
    expect((await stat(harness.outboxDir)).isDirectory()).toBe(true);
  }, 300_000);
});
