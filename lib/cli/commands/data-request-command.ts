import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { localMailTraces } from '../../local/local-mail-traces.js';
import { type CliIo, UsageError } from '../cli-io.js';
import { openDeps, type TargetFlags } from '../open-deps.js';
import { customerEmail } from './customer-command.js';
import { exportedRawKeys, redactReplyAddresses } from './customer-export.js';

/** Flags of `spoc export` and `spoc forget`. */
export interface DataRequestFlags extends TargetFlags {
  out?: string;
  yes?: boolean;
}

/**
 * `spoc export <customer> [--out dir]`: every stored item of one customer as JSON, with the keys of
 * their raw mail (with `--out`, the raw mail their side wrote as `.eml` files; the raw form of owners'
 * answers is withheld and only listed). Every address on the reply domain is redacted in what is
 * written. `spoc forget <customer> --yes`: deletes all of it, raw mail first (locally with its envelope and resend marker) so a
 * run cut short can simply be repeated. Someone on Cc of other customers' conversations is found there too: their own
 * mails are exported and forgotten, and forgetting takes them off those conversations' Cc.
 */
export async function dataRequestCommand(
  io: CliIo,
  command: 'export' | 'forget',
  args: string[],
  flags: DataRequestFlags,
): Promise<void> {
  const email = customerEmail(args[0], `spoc ${command} <customer-email>`);
  const opened = await openDeps(io, flags);
  try {
    const { store, rawMail } = opened.deps;
    const data = await store.listCustomerData(email);
    if (data.items.length === 0 && data.rawKeys.length === 0 && data.participantOf.length === 0) {
      throw new UsageError(
        `nothing stored about ${email} in ${opened.where}: check the address (spoc customer list)`,
      );
    }
    if (command === 'export') {
      const { replyDomain } = opened.deps.config;
      const { written, withheld } = exportedRawKeys(data, email);
      const document = {
        customer: email,
        exportedAt: new Date().toISOString(),
        source: opened.where,
        items: data.items,
        rawMailKeys: written,
        withheldRawMailKeys: withheld,
        onCcOfConversations: data.participantOf,
      };
      const json = redactReplyAddresses(JSON.stringify(document, null, 2), replyDomain);
      if (!flags.out) {
        io.out(json);
        return;
      }
      const dir = resolve(io.cwd, flags.out);
      await mkdir(join(dir, 'raw'), { recursive: true });
      await writeFile(join(dir, 'items.json'), `${json}\n`);
      for (const key of written) {
        const raw = (await rawMail.getRaw(key)).toString('latin1');
        await writeFile(
          join(dir, 'raw', `${basename(key)}.eml`),
          Buffer.from(redactReplyAddresses(raw, replyDomain), 'latin1'),
        );
      }
      io.out(
        `exported ${data.items.length} item(s) and ${written.length} raw mail(s) of ${email} to ${dir}` +
          (withheld.length > 0 ? `; withheld the raw form of ${withheld.length} owner-side mail(s)` : ''),
      );
      return;
    }
    if (!flags.yes) {
      throw new UsageError(
        `this deletes ${data.items.length} item(s) and ${data.rawKeys.length} raw mail(s) of ${email} for good; run again with --yes (export first with spoc export ${email} --out <dir>)`,
      );
    }
    // The envelopes and resend markers local mode keeps beside each mail name the customer too.
    const traces = opened.local ? await localMailTraces(rawMail, data.rawKeys) : [];
    for (const key of [...traces, ...data.rawKeys]) await rawMail.deleteRaw(key);
    const deleted = await store.deleteCustomerData(data);
    const at = new Date().toISOString();
    for (const conversationId of data.participantOf) await store.removeParticipant(conversationId, email, at);
    io.out(
      `forgot ${email}: deleted ${deleted} item(s) and ${data.rawKeys.length} raw mail(s)${traces.length > 0 ? ` (with ${traces.length} envelope(s) and marker(s))` : ''} from ${opened.where}${data.participantOf.length > 0 ? `, and took them off the Cc of ${data.participantOf.length} conversation(s)` : ''}`,
    );
  } finally {
    await opened.close();
  }
}
