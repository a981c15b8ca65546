import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatBytes } from '../../mail/mail-size.js';
import { inboundIdOfKey } from '../../mail/raw-mail-location-text.js';
import type { RawMailStore } from '../../ports/raw-mail-store.js';
import { type CliIo, UsageError } from '../cli-io.js';
import { awsCompositionFor, awsWhere } from '../open-aws.js';
import { openDeps, type TargetFlags } from '../open-deps.js';

/** Flags of `spoc raw`. */
export interface RawFlags extends TargetFlags {
  out?: string;
  link?: boolean;
}

const INBOUND_ID = /^[a-z0-9-]{1,100}$/i;

/**
 * `spoc raw <inbound-id> [--out <file>] [--link]`: one received mail as it arrived, whenever it is
 * asked for (the links in notices die with the credentials that signed them). Writes the raw MIME to
 * `<inbound-id>.eml` (or `--out`), or with `--link` prints a link signed now, with its true lifetime.
 * In AWS it needs only `--table` and `--bucket`.
 */
export async function rawCommand(io: CliIo, args: string[], flags: RawFlags): Promise<void> {
  const usage = 'spoc raw <inbound-id> [--out <file>] [--link]';
  if (args.length !== 1 || !args[0]) throw new UsageError(`give one inbound id: ${usage}`);
  const inboundId = inboundIdOfKey(args[0]);
  if (!INBOUND_ID.test(inboundId)) throw new UsageError(`"${args[0]}" is not an inbound id: ${usage}`);
  const key = `inbound/${inboundId}`;
  let rawMail: RawMailStore;
  let where: string;
  let close: () => Promise<void>;
  if (flags.table) {
    const aws = awsCompositionFor(io, { ...flags, table: flags.table }, { bucket: true });
    rawMail = aws.rawMail;
    where = `bucket ${aws.settings.rawMailBucket} (${awsWhere(aws)})`;
    close = async () => aws.close();
  } else {
    const opened = await openDeps(io, flags);
    rawMail = opened.deps.rawMail;
    where = opened.where;
    close = opened.close;
  }
  try {
    if (flags.link) {
      const located = await rawMail.locate(key);
      io.out(located.location);
      if (located.expiresAt) io.out(`works until ${located.expiresAt.toISOString()}`);
      else if (located.shortLived)
        io.out('works for a few hours at most (signed with temporary credentials)');
      return;
    }
    const raw = await rawMail.getRaw(key);
    const path = resolve(io.cwd, flags.out ?? `${inboundId}.eml`);
    try {
      await writeFile(path, raw, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new UsageError(`${path} exists; choose another file with --out <file>`);
      }
      throw error;
    }
    io.out(`wrote ${path} (${formatBytes(raw.length)}) from ${where}`);
  } finally {
    await close();
  }
}
