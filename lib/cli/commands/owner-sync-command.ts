import { DEV_DEFAULT_CONFIG, loadConfigFile } from '../../config/load-config.js';
import { planOwnerSync } from '../../domain/owner-sync.js';
import { readLocalSettings } from '../../local/local-settings.js';
import type { CliIo } from '../cli-io.js';
import { openStore } from '../open-store.js';

/** Flags of `spoc owner sync`. */
export interface OwnerSyncFlags {
  table?: string;
  region?: string;
  json?: boolean;
}

/**
 * `spoc owner sync`: the config's `owners` (from `SPOC_CONFIG`) written to the store — the deployed
 * table with `--table`, else the local data directory. Idempotent; owners the config does not list
 * are reported and left alone.
 */
export async function ownerSyncCommand(io: CliIo, flags: OwnerSyncFlags): Promise<void> {
  const settings = readLocalSettings(io.env, io.cwd);
  // Against a deployed table the config must be the one deployed, never the dev defaults.
  const config = flags.table
    ? await loadConfigFile(settings.configPath)
    : await loadConfigFile(settings.configPath, DEV_DEFAULT_CONFIG);
  const opened = await openStore({
    ...(flags.table ? { table: flags.table } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    dataDir: settings.dataDir,
  });
  try {
    const plan = planOwnerSync(config.owners, await opened.store.listOwners(), new Date());
    for (const { owner } of plan.put) await opened.store.putOwner(owner);
    if (flags.json) {
      io.out(
        JSON.stringify({
          added: plan.put.filter((p) => p.change === 'added').map((p) => p.owner.email),
          updated: plan.put.filter((p) => p.change === 'updated').map((p) => p.owner.email),
          unchanged: plan.unchanged,
          onlyInStore: plan.onlyInStore,
        }),
      );
      return;
    }
    const lines = plan.put.map(({ owner, change }) => `${change} owner ${owner.name} <${owner.email}>`);
    if (plan.put.length === 0) lines.push(`owners in ${opened.where} already match the config`);
    else lines.push(`${plan.put.length} owner(s) written to ${opened.where}`);
    if (plan.unchanged.length > 0) lines.push(`${plan.unchanged.length} already as configured`);
    if (plan.onlyInStore.length > 0) {
      lines.push(
        `not in the config, left as they are: ${plan.onlyInStore.join(', ')} (remove one with: spoc owner remove <email> --handoff-to <owner>)`,
      );
    }
    io.out(lines.join('\n'));
  } finally {
    await opened.close();
  }
}
