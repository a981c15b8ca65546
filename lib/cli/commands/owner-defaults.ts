import { DEV_DEFAULT_CONFIG, loadConfigFile } from '../../config/load-config.js';
import { type BusinessHoursSpec, effectiveHoursSpec, formatHours } from '../../domain/business-hours.js';
import type { Owner } from '../../domain/types.js';
import { readLocalSettings } from '../../local/local-settings.js';
import type { CliIo } from '../cli-io.js';

/** What the config says every owner without their own gets: hours and the escalation backup. */
export interface OwnerDefaults {
  hours: BusinessHoursSpec;
  defaultBackup?: string;
}

/**
 * The config's defaults for owners. Locally without a config file the built-in ones; against a deployed
 * table the file `SPOC_CONFIG` names, or the built-in defaults when there is none (the table does not
 * hold the config). A config file that is there but broken is always an error.
 */
export async function readOwnerDefaults(io: CliIo): Promise<OwnerDefaults> {
  const settings = readLocalSettings(io.env, io.cwd);
  const config = await loadConfigFile(settings.configPath, DEV_DEFAULT_CONFIG);
  return {
    hours: config.hours,
    ...(config.escalation.defaultBackup ? { defaultBackup: config.escalation.defaultBackup } : {}),
  };
}

/** Hours for the `spoc owner list` table: the owner's own, or the default marked as such. */
export function describeOwnerHours(owner: Owner, defaults: OwnerDefaults): string {
  const spec = effectiveHoursSpec(owner, defaults.hours);
  return owner.hours ? formatHours(spec) : `${formatHours(spec)} (default)`;
}

/** The escalation backup for the `spoc owner list` table: the owner's own, or the configured default. */
export function describeOwnerBackup(owner: Owner, defaults: OwnerDefaults): string {
  if (owner.backupEmail) return owner.backupEmail;
  return defaults.defaultBackup && defaults.defaultBackup !== owner.email
    ? `${defaults.defaultBackup} (default)`
    : '';
}
