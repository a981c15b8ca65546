import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { DEV_DEFAULT_CONFIG, loadConfigFile } from '../../config/load-config.js';
import { ConfigError } from '../../domain/errors.js';
import { startDevServer } from '../../local/dev-server.js';
import { DevServerRunningError } from '../../local/dev-server-state.js';
import { readLocalSettings } from '../../local/local-settings.js';
import { type CliIo, UsageError } from '../cli-io.js';

/** `spoc dev`: local mode until Ctrl-C. Resolves once stopped cleanly. */
export async function devCommand(io: CliIo, signals: NodeJS.EventEmitter = process): Promise<void> {
  const settings = readLocalSettings(io.env, io.cwd);
  const show = (path: string) => relative(io.cwd, path) || '.';
  const fromFile = existsSync(settings.configPath);
  const config = await loadConfigFile(settings.configPath, DEV_DEFAULT_CONFIG);
  const server = await startDevServer({
    config,
    dataDir: settings.dataDir,
    outboxDir: settings.outboxDir,
    smtpPort: settings.smtpPort,
    ...(settings.smtpRelay ? { smtpRelay: settings.smtpRelay } : {}),
    ...(settings.verdictsFromHeader ? { verdictsFromHeader: true } : {}),
    ...sweepInterval(io.env.SPOC_SWEEP_INTERVAL_MS),
    logLevel: (io.env.POWERTOOLS_LOG_LEVEL as 'INFO' | undefined) ?? 'INFO',
  }).catch((error: unknown) => {
    // A second server on the same data is a usage mistake (exit 2), not a failure.
    if (error instanceof DevServerRunningError) throw new UsageError(error.message, { cause: error });
    throw error;
  });
  const owners = await server.deps.store.listOwners();
  // The config's owners only seed an empty store: a config rule may name someone the store no longer
  // has (removed with `spoc owner remove`), and the assignment would silently pass over that rule.
  const active = new Set(owners.filter((o) => o.active).map((o) => o.email));
  const stale = Object.entries(config.assignment.domains).filter(([, owner]) => !active.has(owner));
  if (stale.length > 0) {
    await server.close();
    throw new ConfigError(
      `invalid configuration in ${show(settings.configPath)}:\n${stale
        .map(
          ([domain, owner]) =>
            `  assignment.domains.${domain}: names ${owner}, who is not an active owner in ${show(settings.dataDir)} (see spoc owner list)`,
        )
        .join('\n')}`,
    );
  }
  io.out(
    [
      'spoc-inbox is running locally',
      `  SMTP inbound  127.0.0.1:${server.smtpPort}  (mail to ${config.supportAddress}, owner replies to *@${config.replyDomain})`,
      `  Outbox        ${show(settings.outboxDir)}${settings.smtpRelay ? `  and relayed via ${settings.smtpRelay}` : ''}`,
      `  Data          ${show(settings.dataDir)}`,
      `  Config        ${fromFile ? show(settings.configPath) : `built-in dev defaults (no ${show(settings.configPath)})`}`,
      `  Owners        ${owners.map((o) => `${o.name} <${o.email}>${o.active ? '' : ' (inactive)'}`).join(', ') || 'none: add one with `npx spoc owner add`'}`,
      '',
      'Send a test mail from another terminal:',
      `  npx spoc send --from jane@customer.test --subject "Where is my order?" --text "It has not arrived."`,
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      signals.off('SIGINT', stop);
      signals.off('SIGTERM', stop);
      resolve();
    };
    signals.on('SIGINT', stop);
    signals.on('SIGTERM', stop);
  });
  io.out('stopping…');
  await server.close();
  io.out(`stopped; data kept in ${show(settings.dataDir)}`);
}

/** `SPOC_SWEEP_INTERVAL_MS`: how often local mode sweeps the due promises (default a minute; 0: never). */
function sweepInterval(value: string | undefined): { sweepIntervalMs?: number } {
  if (value === undefined || value === '') return {};
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) {
    throw new UsageError(`SPOC_SWEEP_INTERVAL_MS must be a whole number of milliseconds, not "${value}"`);
  }
  return { sweepIntervalMs: ms };
}
