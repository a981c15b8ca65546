import { awaitAll } from '../../delivery/await-all.js';
import { computeOwnerFigures, type OwnerFigures, type StatsPeriod } from '../../domain/owner-stats.js';
import { readLocalSettings } from '../../local/local-settings.js';
import type { SupportStore } from '../../ports/support-store.js';
import * as z from '../../validation/zod-mini.js';
import { type CliIo, UsageError } from '../cli-io.js';
import { formatTable } from '../format-table.js';
import { openStore } from '../open-store.js';

/** Flags of `spoc stats`. */
export interface StatsFlags {
  table?: string;
  region?: string;
  json?: boolean;
  since?: string;
  until?: string;
}

const USAGE = 'spoc stats [--since YYYY-MM-DD|ISO time] [--until YYYY-MM-DD|ISO time] [--json]';
const DAY_MS = 24 * 60 * 60 * 1000;
/** Default period: the last 30 days. */
const DEFAULT_DAYS = 30;
const READ_CONCURRENCY = 8;

const timeSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

function parseTime(value: string, flag: string): Date {
  if (!timeSchema.safeParse(value).success) {
    throw new UsageError(`--${flag} "${value}" is not a date (YYYY-MM-DD) or ISO time: ${USAGE}`);
  }
  return new Date(value);
}

/** The period the flags name: `[since, until)`, by default the 30 days up to now. */
export function statsPeriod(flags: Pick<StatsFlags, 'since' | 'until'>, now: Date): StatsPeriod {
  const until = flags.until ? parseTime(flags.until, 'until') : now;
  const since = flags.since
    ? parseTime(flags.since, 'since')
    : new Date(until.getTime() - DEFAULT_DAYS * DAY_MS);
  if (since.getTime() >= until.getTime()) throw new UsageError(`--since must be before --until: ${USAGE}`);
  return { from: since.toISOString(), to: until.toISOString() };
}

/** Reads what the figures need for a period and computes them. */
export async function gatherOwnerFigures(store: SupportStore, period: StatsPeriod): Promise<OwnerFigures[]> {
  const [conversations, owners] = await awaitAll([
    store.listConversationsUpdatedSince(period.from),
    store.listOwners(),
  ]);
  const histories: Parameters<typeof computeOwnerFigures>[0][number][] = [];
  for (let start = 0; start < conversations.length; start += READ_CONCURRENCY) {
    const chunk = conversations.slice(start, start + READ_CONCURRENCY);
    const messages = await awaitAll(chunk.map((c) => store.listMessages(c.id)));
    chunk.forEach((conversation, index) => {
      histories.push({ conversation, messages: messages[index] ?? [] });
    });
  }
  return computeOwnerFigures(
    histories,
    period,
    owners.map((o) => o.email),
  );
}

/** `1h 05m`, `3m 20s`, `45s`, `-` for none. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}

/** `spoc stats`: open conversations, first-response time (median, p90) and replies sent, per owner. */
export async function statsCommand(io: CliIo, flags: StatsFlags, now: Date = new Date()): Promise<void> {
  const period = statsPeriod(flags, now);
  const opened = await openStore({
    ...(flags.table ? { table: flags.table } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    dataDir: readLocalSettings(io.env, io.cwd).dataDir,
  });
  try {
    const figures = await gatherOwnerFigures(opened.store, period);
    if (flags.json) {
      io.out(JSON.stringify({ period, owners: figures }, null, 2));
      return;
    }
    io.out(`Figures per owner from ${period.from} to ${period.to} (${opened.where})`);
    if (figures.length === 0) {
      io.out('no owners and no conversations in this period');
      return;
    }
    io.out(
      formatTable(
        ['OWNER', 'OPEN', 'NEW', 'REPLIES', 'FIRST RESPONSES', 'MEDIAN', 'P90', 'UNANSWERED'],
        figures.map((f) => [
          f.ownerEmail,
          String(f.openConversations),
          String(f.newConversations),
          String(f.repliesSent),
          String(f.firstResponses),
          formatDuration(f.firstResponseMedianSeconds),
          formatDuration(f.firstResponseP90Seconds),
          String(f.unanswered),
        ]),
      ),
    );
  } finally {
    await opened.close();
  }
}
