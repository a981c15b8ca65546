import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusAvailable, corpusDir } from '../support/corpus.js';
import { LocalHarness } from '../support/local-harness.js';

const NOT_MAIL =
  /(^|\/)(LICENSE[^/]*|MIT-LICENSE|NOTICE|README\.md|EXPECTED\.md|\.gitattributes)$|\.(json|txt|html|md)$|_expected\.email$|_reply_text$|_signature$/;

/** Every file of the corpus that is a mail message. */
async function mailFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // ses-events holds notifications (and Relay's own rewritten output), replies-trimmer bare bodies.
      if (['ses-events', 'replies-trimmer', 'signature'].includes(entry.name)) continue;
      out.push(...(await mailFiles(path)));
    } else if (!NOT_MAIL.test(path)) {
      out.push(path);
    }
  }
  return out.sort();
}

describe.skipIf(!corpusAvailable())('every corpus mail through the SMTP entry', () => {
  let harness: LocalHarness;
  beforeAll(async () => {
    harness = await LocalHarness.start();
  });
  afterAll(async () => {
    await harness.stop();
  });

  it('accepts each one, keeps the server up, and ends each in a recorded outcome', async () => {
    const root = corpusDir();
    const files = (await mailFiles(root)).concat(
      (await readdir(join(root, 'ses-events', 'fx-private-relay')))
        .filter((f) => f.endsWith('_incoming.email'))
        .map((f) => join(root, 'ses-events', 'fx-private-relay', f)),
    );
    expect(files.length).toBeGreaterThan(800);
    const refused: string[] = [];
    // Some corpus files are byte-for-byte copies of others: the same mail with the same envelope is
    // one mail to the SMTP entry (a client resending what it never saw accepted), so it ends once.
    const distinct = new Set<string>();
    const queue = [...files];
    // Four clients at once, like a small burst from real MTAs.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
          const raw = await readFile(file);
          const nullSender = relative(root, file).startsWith('bounces-sisimai');
          // As it arrives over SMTP: CRLF line endings, ending in a line break.
          const onTheWire = raw
            .toString('latin1')
            .replace(/\r?\n/g, '\r\n')
            .replace(/(?:\r\n)*$/, '\r\n');
          distinct.add(`${nullSender}:${createHash('sha256').update(onTheWire, 'latin1').digest('hex')}`);
          try {
            await harness.sendRaw(raw, {
              from: nullSender ? '' : 'corpus@sender.test',
              to: ['support@example.test'],
            });
          } catch (error) {
            refused.push(`${relative(root, file)}: ${(error as Error).message}`);
          }
        }
      }),
    );
    expect(refused).toEqual([]);

    const outcomes = await harness.outcomes();
    expect(distinct.size).toBeGreaterThan(750);
    expect(outcomes).toHaveLength(distinct.size);
    const unfinished = outcomes.filter((o) => o.outcome === undefined);
    expect(unfinished).toEqual([]);
    const byStatus = new Map<string, number>();
    for (const { outcome } of outcomes)
      byStatus.set(outcome?.status ?? '?', (byStatus.get(outcome?.status ?? '?') ?? 0) + 1);
    console.info(`corpus through SMTP: ${files.length} mails →`, Object.fromEntries(byStatus));

    // Automatic mail is never answered: the only mail sent is one relay per relayed customer message.
    const sent = await harness.newOutboxMails();
    expect(sent).toHaveLength(byStatus.get('relayed-to-owner') ?? 0);
    expect(sent.every((m) => m.mail.from?.address.endsWith('@reply.example.test'))).toBe(true);
    expect(byStatus.get('automatic') ?? 0).toBeGreaterThan(500);
    // Sanity: the server still takes ordinary mail afterwards.
    await harness.send({
      from: 'after@corpus.test',
      to: 'support@example.test',
      subject: 'still there?',
      text: 'yes',
    });
    expect(await harness.lastOutcome()).toMatchObject({ status: 'relayed-to-owner' });
  }, 600_000);

  it('gives auto-replies and bounces no automatic answer', async () => {
    const root = join(corpusDir(), 'bounces-sisimai');
    const samples = (await readdir(root)).filter((f) => /^(rfc3834|arf|rfc3464)-/.test(f)).sort();
    expect(samples.length).toBeGreaterThan(50);
    await harness.newOutboxMails();
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
