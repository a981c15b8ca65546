import {
  type BusinessHoursSpec,
  effectiveHoursSpec,
  formatDays,
  formatHours,
  parseBusinessHours,
} from '../../domain/business-hours.js';
import { readLocalSettings } from '../../local/local-settings.js';
import { type CliIo, UsageError } from '../cli-io.js';
import { openStore } from '../open-store.js';
import { describeOwnerHours, readOwnerDefaults } from './owner-defaults.js';
import { requireOwner } from './owner-presence-command.js';

/** Flags of `spoc owner hours` and `spoc owner backup`. */
export interface OwnerHoursFlags {
  table?: string;
  region?: string;
  json?: boolean;
  tz?: string;
  days?: string;
  from?: string;
  to?: string;
  clear?: boolean;
}

/** `spoc owner hours <owner> [--tz Z] [--days D] [--from HH:MM] [--to HH:MM] | --clear`, `spoc owner backup <owner> <backup> | --clear`. */
export async function ownerHoursCommand(io: CliIo, args: string[], flags: OwnerHoursFlags): Promise<void> {
  const [action, who, backupName] = args;
  const defaults = await readOwnerDefaults(io);
  const opened = await openStore({
    ...(flags.table ? { table: flags.table } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    dataDir: readLocalSettings(io.env, io.cwd).dataDir,
  });
  try {
    const { store } = opened;
    if (action === 'hours') {
      const usage =
        'spoc owner hours <owner> --tz Europe/Berlin --days mon-fri --from 09:00 --to 17:30 (or --clear)';
      const owner = await requireOwner(store, who, usage);
      const given = flags.tz ?? flags.days ?? flags.from ?? flags.to;
      if (flags.clear) {
        if (given !== undefined) throw new UsageError(`--clear takes no hours with it: ${usage}`);
        const { hours: _dropped, ...rest } = owner;
        await store.putOwner(rest);
        io.out(`${owner.name} works the default hours: ${formatHours(defaults.hours)}`);
        return;
      }
      const current = effectiveHoursSpec(owner, defaults.hours);
      if (given === undefined) {
        io.out(
          flags.json
            ? JSON.stringify({ owner: owner.email, hours: current, own: owner.hours !== undefined })
            : `${owner.name}: ${describeOwnerHours(owner, defaults)}`,
        );
        return;
      }
      // Flags left out keep what applies now, so one can change only the days or only the zone.
      const wanted: BusinessHoursSpec = {
        timeZone: flags.tz?.trim() ?? current.timeZone,
        days: flags.days ?? current.days,
        from: flags.from?.trim() ?? current.from,
        to: flags.to?.trim() ?? current.to,
      };
      const parsed = parseBusinessHours(wanted);
      if (!parsed.ok) throw new UsageError(`${parsed.problem}: ${usage}`);
      const hours = { ...wanted, days: formatDays(parsed.value.weekdays) };
      await store.putOwner({ ...owner, hours });
      io.out(
        flags.json
          ? JSON.stringify({ owner: owner.email, hours, own: true })
          : `${owner.name} works ${formatHours(hours)}`,
      );
      return;
    }
    const usage = 'spoc owner backup <owner> <backup> (or --clear)';
    const owner = await requireOwner(store, who, usage);
    if (flags.clear) {
      if (backupName !== undefined) throw new UsageError(`--clear takes no backup with it: ${usage}`);
      const { backupEmail: _dropped, ...rest } = owner;
      await store.putOwner(rest);
      io.out(
        defaults.defaultBackup
          ? `${owner.name} has no backup of their own; escalation.defaultBackup (${defaults.defaultBackup}) applies`
          : `${owner.name} has no backup`,
      );
      return;
    }
    if (backupName === undefined) throw new UsageError(`missing backup: ${usage}`);
    const backup = await requireOwner(store, backupName, usage);
    if (backup.email === owner.email) {
      throw new UsageError(`${owner.name} cannot be their own backup: name another owner: ${usage}`);
    }
    if (!backup.active) {
      throw new UsageError(
        `${backup.email} is inactive and cannot be a backup: name an active owner: ${usage}`,
      );
    }
    await store.putOwner({ ...owner, backupEmail: backup.email });
    io.out(
      flags.json
        ? JSON.stringify({ owner: owner.email, backupEmail: backup.email })
        : `${backup.name} <${backup.email}> is ${owner.name}'s backup`,
    );
  } finally {
    await opened.close();
  }
}
