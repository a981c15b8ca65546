import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusAvailable, corpusDir } from './corpus.js';
import { LocalHarness } from './local-harness.js';

/**
 * Files the corpus run is split over. Each runs its share on its own local server, so the run spreads
 * over the test workers instead of keeping one of them busy for most of the suite.
 */
export const CORPUS_SHARDS = 4;

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

/** One corpus mail as it goes over SMTP, and which mail it is to the SMTP entry. */
interface CorpusMail {
  file: string;
  raw: Buffer;
  nullSender: boolean;
  /** Same bytes on the wire and same envelope: the same mail (a client resending it). */
  identity: string;
}

/** Every corpus mail, read once; `identity` says which of them are byte-for-byte copies of each other. */
async function corpusMails(): Promise<CorpusMail[]> {
  const root = corpusDir();
  const files = (await mailFiles(root)).concat(
    (await readdir(join(root, 'ses-events', 'fx-private-relay')))
      .filter((f) => f.endsWith('_incoming.email'))
      .map((f) => join(root, 'ses-events', 'fx-private-relay', f)),
  );
  return Promise.all(
    files.map(async (file) => {
      const raw = await readFile(file);
      const nullSender = relative(root, file).startsWith('bounces-sisimai');
      // As it arrives over SMTP: CRLF line endings, ending in a line break.
      const onTheWire = raw
        .toString('latin1')
        .replace(/\r?\n/g, '\r\n')
        .replace(/(?:\r\n)*$/, '\r\n');
      const identity = `${nullSender}:${createHash('sha256').update(onTheWire, 'latin1').digest('hex')}`;
      return { file, raw, nullSender, identity };
    }),
  );
}

/** The Message-ID field's value, as written, or `undefined`; only the header block is looked at. */
function messageIdOf(raw: Buffer): string | undefined {
  const lines = raw.toString('latin1').split(/\r?\n/);
  for (let i = 0; i < lines.length && lines[i] !== ''; i += 1) {
    if (!(lines[i] ?? '').toLowerCase().startsWith('message-id:')) continue;
    let value = (lines[i] ?? '').slice('message-id:'.length);
    while (/^[ \t]/.test(lines[i + 1] ?? '')) value += lines[++i];
    return value.trim() || undefined;
  }
  return undefined;
}

/** The bounces sent with the null reverse path, whose route is decided for every one without I/O. */
const BOUNCES = 'bounces-sisimai/';

/**
 * One bounce in this many goes through the engines. Every bounce takes the same path there (stored,
 * parsed, routed `automatic`, recorded) and what differs between them, the parse and the route, is
 * checked for each one in test/unit/decisions/automatic-corpus-route.test.ts; all other folders go
 * through whole.
 */
const BOUNCE_SHARE = 3;

/**
 * The mails of shard `shard`. Mails that are one mail to the server go through the same one: copies with
 * the same bytes (a resend) and mails sharing a Message-ID (the later ones end `duplicate`). These groups
 * are dealt out in turn in file order, so every shard gets an even share of each corpus folder; of the
 * bounces' groups, every `BOUNCE_SHARE`th.
 */
function shardOf(all: CorpusMail[], shard: number): CorpusMail[] {
  const group = new Map<string, number>();
  let groups = 0;
  const groupOf = (mail: CorpusMail): number => {
    const keys = [mail.identity, messageIdOf(mail.raw)].filter((k) => k !== undefined);
    const known = keys.map((k) => group.get(k)).find((g) => g !== undefined);
    const g = known ?? groups++;
    for (const k of keys) if (!group.has(k)) group.set(k, g);
    return g;
  };
  const root = corpusDir();
  const isBounce = (mail: CorpusMail) => relative(root, mail.file).startsWith(BOUNCES);
  return all.filter((mail) => {
    const g = groupOf(mail);
    if (g % CORPUS_SHARDS !== shard) return false;
    return !isBounce(mail) || Math.floor(g / CORPUS_SHARDS) % BOUNCE_SHARE === 0;
  });
}

/**
 * Sends shard `shard` (0-based) of every corpus mail through the SMTP entry of a fresh local server and
 * checks that each one is accepted and ends in a recorded outcome. The corpus-wide figures are checked
 * in every shard; each shard's count of automatic mail must reach its share of the whole run's floor, so
 * that together the shards prove at least what one run over the whole corpus did.
 */
export function describeCorpusShard(shard: number): void {
  describe.skipIf(!corpusAvailable())(
    `every corpus mail through the SMTP entry (shard ${shard + 1} of ${CORPUS_SHARDS})`,
    () => {
      let harness: LocalHarness;
      beforeAll(async () => {
        harness = await LocalHarness.start();
      });
      afterAll(async () => {
        await harness.stop();
      });

      it('accepts each one, keeps the server up, and ends each in a recorded outcome', async () => {
        const root = corpusDir();
        const all = await corpusMails();
        expect(all.length).toBeGreaterThan(800);
        // Some corpus files are byte-for-byte copies of others: the same mail with the same envelope is
        // one mail to the SMTP entry (a client resending what it never saw accepted), so it ends once.
        expect(new Set(all.map((m) => m.identity)).size).toBeGreaterThan(750);
        const mails = shardOf(all, shard);
        // The shards together hold every mail, so every distinct mail ends in an outcome on some server.
        const distinct = new Set(mails.map((m) => m.identity));
        const refused: string[] = [];
        const queue = [...mails];
        // Four clients at once, each delivering its mails over one connection, like real MTAs.
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            const client = harness.openConnection();
            try {
              for (let mail = queue.shift(); mail !== undefined; mail = queue.shift()) {
                try {
                  await client.sendRaw(mail.raw, {
                    from: mail.nullSender ? '' : 'corpus@sender.test',
                    to: ['support@example.test'],
                  });
                } catch (error) {
                  refused.push(`${relative(root, mail.file)}: ${(error as Error).message}`);
                }
              }
            } finally {
              client.close();
            }
          }),
        );
        expect(refused).toEqual([]);

        const outcomes = await harness.outcomes();
        expect(outcomes).toHaveLength(distinct.size);
        const unfinished = outcomes.filter((o) => o.outcome === undefined);
        expect(unfinished).toEqual([]);
        const byStatus = new Map<string, number>();
        for (const { outcome } of outcomes)
          byStatus.set(outcome?.status ?? '?', (byStatus.get(outcome?.status ?? '?') ?? 0) + 1);
        console.info(
          `corpus through SMTP, shard ${shard + 1} of ${CORPUS_SHARDS}: ${mails.length} mails →`,
          Object.fromEntries(byStatus),
        );

        // Automatic mail is never answered: the only mail sent is one relay per relayed customer message.
        const sent = await harness.newOutboxMails();
        expect(sent).toHaveLength(byStatus.get('relayed-to-owner') ?? 0);
        expect(sent.every((m) => m.mail.from?.address.endsWith('@reply.example.test'))).toBe(true);
        // Every bounce sent ends `automatic` (as decided for each one without I/O), unless it repeats
        // another mail's Message-ID (`duplicate`); other folders' auto-replies add to the count.
        const bounces = new Set(
          mails.filter((m) => relative(root, m.file).startsWith(BOUNCES)).map((m) => m.identity),
        );
        expect(bounces.size).toBeGreaterThan(500 / CORPUS_SHARDS / BOUNCE_SHARE);
        expect(byStatus.get('automatic') ?? 0).toBeGreaterThanOrEqual(
          bounces.size - (byStatus.get('duplicate') ?? 0),
        );
        // Sanity: the server still takes ordinary mail afterwards.
        await harness.send({
          from: 'after@corpus.test',
          to: 'support@example.test',
          subject: 'still there?',
          text: 'yes',
        });
        expect(await harness.lastOutcome()).toMatchObject({ status: 'relayed-to-owner' });
      }, 600_000);
    },
  );
}
