import { awaitAll } from '../../delivery/await-all.js';
import { readLocalSettings } from '../../local/local-settings.js';
import * as z from '../../validation/zod-mini.js';
import { type CliIo, UsageError } from '../cli-io.js';
import { formatTable } from '../format-table.js';
import { openStore } from '../open-store.js';
import { describeOwnerBackup, describeOwnerHours, readOwnerDefaults } from './owner-defaults.js';
import type { OwnerHoursFlags } from './owner-hours-command.js';
import type { OwnerPresenceFlags } from './owner-presence-command.js';

/** Flags shared by the commands that work on stored data. */
export interface StoreFlags {
  table?: string;
  region?: string;
  json?: boolean;
  name?: string;
  yes?: boolean;
}

const emailSchema = z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.email());

function ownerEmail(value: string | undefined, usage: string): string {
  if (!value) throw new UsageError(`missing owner address: ${usage}`);
  const parsed = emailSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`"${value}" is not an email address: ${usage}`);
  return parsed.data;
}

/** `spoc owner add|list|remove`. */
export async function ownerCommand(
  io: CliIo,
  args: string[],
  flags: StoreFlags & OwnerPresenceFlags & OwnerHoursFlags,
): Promise<void> {
  const [action, address] = args;
  if (action === 'hours' || action === 'backup') {
    return (await import('./owner-hours-command.js')).ownerHoursCommand(io, args, flags);
  }
  if (action === 'sync') {
    const { ownerSyncCommand } = await import('./owner-sync-command.js');
    return ownerSyncCommand(io, flags);
  }
  if (
    action === 'away' ||
    action === 'back' ||
    action === 'handoff' ||
    (action === 'remove' && flags['handoff-to'])
  ) {
    // Loaded only here: these commands send mail, and the mail stack is most of the CLI's start-up time.
    return (await import('./owner-presence-command.js')).ownerPresenceCommand(io, args, flags);
  }
  const opened = await openStore({
    ...(flags.table ? { table: flags.table } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    dataDir: readLocalSettings(io.env, io.cwd).dataDir,
  });
  try {
    const { store } = opened;
    switch (action) {
      case 'add': {
        const usage = 'spoc owner add <email> --name "Full Name"';
        const email = ownerEmail(address, usage);
        const name = flags.name?.trim();
        if (!name) throw new UsageError(`missing --name: ${usage}`);
        const existing = await store.getOwner(email);
        await store.putOwner({
          email,
          name,
          active: true,
          createdAt: existing?.createdAt ?? new Date().toISOString(),
          // Renaming keeps the owner's own hours and backup.
          ...(existing?.hours ? { hours: existing.hours } : {}),
          ...(existing?.backupEmail ? { backupEmail: existing.backupEmail } : {}),
        });
        io.out(`${existing ? 'updated' : 'added'} owner ${name} <${email}> in ${opened.where}`);
        return;
      }
      case 'list': {
        const defaults = await readOwnerDefaults(io);
        const owners = await store.listOwners();
        const counts = await awaitAll(owners.map((o) => store.listCustomers(o.email).then((c) => c.length)));
        if (flags.json) {
          // What the table shows, for scripts: with the customer count (and `away` while absent), the
          // hours that apply (`ownHours`: set for the owner, not the default) and the backup that applies.
          const rows = owners.map((o, i) => ({
            ...o,
            customers: counts[i],
            hours: o.hours ?? defaults.hours,
            ownHours: o.hours !== undefined,
            backupEmail:
              o.backupEmail ?? (defaults.defaultBackup !== o.email ? defaults.defaultBackup : undefined),
          }));
          io.out(JSON.stringify(rows, null, 2));
          return;
        }
        if (owners.length === 0) {
          io.out(`no owners in ${opened.where}; add one with: spoc owner add <email> --name "Full Name"`);
          return;
        }
        io.out(
          formatTable(
            ['EMAIL', 'NAME', 'ACTIVE', 'CUSTOMERS', 'SINCE', 'AWAY', 'HOURS', 'BACKUP'],
            owners.map((o, i) => [
              o.email,
              o.name,
              o.active ? 'yes' : 'no',
              String(counts[i]),
              o.createdAt.slice(0, 10),
              o.away ? `until ${o.away.until}, covered by ${o.away.backupEmail}` : '',
              describeOwnerHours(o, defaults),
              describeOwnerBackup(o, defaults),
            ]),
          ),
        );
        return;
      }
      case 'remove': {
        const email = ownerEmail(address, 'spoc owner remove <email>');
        if (!(await store.getOwner(email)))
          throw new UsageError(`no owner ${email} in ${opened.where}; see \`spoc owner list\``);
        const [customers, rules] = await awaitAll([
          store.listCustomers(email),
          store.listDomainRules().then((all) => all.filter((rule) => rule.ownerEmail === email)),
        ]);
        // Removing an owner who still has customers orphans them: their next mail would reach someone new,
        // without the history. That takes a handoff, or saying so.
        if (customers.length > 0 && !flags.yes) {
          throw new UsageError(
            `${email} still owns ${customers.length} customer(s): hand them over with their history (spoc owner remove ${email} --handoff-to <owner>), or add --yes to remove anyway (each then gets a new owner by the assignment policy on their next mail, without history)`,
          );
        }
        await store.deleteOwner(email);
        // A rule naming a removed owner would be ignored from now on: remove it with them.
        for (const rule of rules) await store.deleteDomainRule(rule.domain);
        io.out(`removed owner ${email}`);
        if (customers.length > 0) {
          io.out(
            `${customers.length} customer(s) had this owner; each gets a new owner by the assignment policy on their next mail`,
          );
        }
        if (rules.length > 0) io.out(`removed their domain rules: ${rules.map((r) => r.domain).join(', ')}`);
        return;
      }
      default:
        throw new UsageError(
          'usage: spoc owner add|list|remove|sync|away|back|handoff|hours|backup (see `spoc help`)',
        );
    }
  } finally {
    await opened.close();
  }
}
