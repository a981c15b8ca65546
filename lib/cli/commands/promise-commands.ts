import { readLocalSettings } from '../../local/local-settings.js';
import { listPromises } from '../../use-cases/list-promises.js';
import { sweepPromises } from '../../use-cases/sweep-promises.js';
import * as z from '../../validation/zod-mini.js';
import { type CliIo, UsageError } from '../cli-io.js';
import { formatTable } from '../format-table.js';
import { openDeps, type TargetFlags } from '../open-deps.js';
import { openStore } from '../open-store.js';

/** Flags of `spoc due`. */
export interface DueFlags {
  table?: string;
  region?: string;
  json?: boolean;
}

/** Flags of `spoc sweep`. */
export interface SweepFlags extends TargetFlags {
  at?: string;
  json?: boolean;
}

const SWEEP_USAGE = 'spoc sweep [--at <ISO-8601 time>] [--json]';
const isoTime = z.iso.datetime({ offset: true });

/** `spoc due`: the running promises (open, paused, escalated), soonest due first, read through the due index. */
export async function dueCommand(io: CliIo, flags: DueFlags, now: Date = new Date()): Promise<void> {
  const opened = await openStore({
    ...(flags.table ? { table: flags.table } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    dataDir: readLocalSettings(io.env, io.cwd).dataDir,
  });
  try {
    const promises = await listPromises(opened.store, now);
    if (flags.json) {
      io.out(JSON.stringify(promises, null, 2));
      return;
    }
    if (promises.length === 0) {
      io.out(`no open or paused promises (${opened.where})`);
      return;
    }
    io.out(
      formatTable(
        ['CUSTOMER', 'CONVERSATION', 'OWNER', 'STATE', 'NUDGE AT', 'DUE AT'],
        promises.map((p) => [p.customer, p.conversationId, p.owner, p.state, p.nudgeAt, p.dueAt]),
      ),
    );
  } finally {
    await opened.close();
  }
}

/**
 * `spoc sweep`: one sweep of the due promises now — or, in local mode only, as if the clock read `--at`
 * (so a person or a test can watch a nudge and an escalation without waiting hours). Against AWS `--at`
 * is refused: it would send real mail early. True when every due promise was handled.
 */
export async function sweepCommand(
  io: CliIo,
  flags: SweepFlags,
  realNow: Date = new Date(),
): Promise<boolean> {
  let at = realNow;
  if (flags.at !== undefined) {
    if (flags.table) {
      throw new UsageError(
        '--at runs the sweep as if at another time and is for local mode only: against a deployed table it would send real mail early; run spoc sweep without --at',
      );
    }
    if (!isoTime.safeParse(flags.at).success) {
      throw new UsageError(
        `--at "${flags.at}" is not an ISO 8601 time with a zone (e.g. 2026-12-04T15:00:00Z): ${SWEEP_USAGE}`,
      );
    }
    at = new Date(flags.at);
  }
  const opened = await openDeps(io, flags);
  try {
    const report = await sweepPromises(opened.deps, at, realNow);
    if (flags.json) io.out(JSON.stringify(report, null, 2));
    else {
      io.out(`Swept at ${report.at} (${opened.where}): ${report.due} due`);
      for (const result of report.results)
        io.out(`  ${result.conversationId}  ${result.step}  ${result.detail}`);
    }
    return report.results.every((r) => r.step !== 'failed');
  } finally {
    await opened.close();
  }
}
