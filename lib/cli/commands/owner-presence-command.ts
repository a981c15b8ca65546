import { resolveOwner } from '../../domain/resolve-owner.js';
import type { Owner } from '../../domain/types.js';
import type { SupportStore } from '../../ports/support-store.js';
import { HandoffRefusedError, handOffAllCustomers } from '../../use-cases/hand-off-customer.js';
import { AwayRefusedError, endAway, setAway } from '../../use-cases/owner-cover.js';
import * as z from '../../validation/zod-mini.js';
import { type CliIo, UsageError } from '../cli-io.js';
import { openDeps, type TargetFlags } from '../open-deps.js';
import { createProgressBar } from '../progress-bar.js';

/** Flags of the owner commands that move customers or mark absences. */
export interface OwnerPresenceFlags extends TargetFlags {
  json?: boolean;
  until?: string;
  backup?: string;
  to?: string;
  'handoff-to'?: string;
}

const emailSchema = z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.email());

/** Finds an owner by address or unique name, or fails saying how to find the right one. */
export async function requireOwner(
  store: SupportStore,
  query: string | undefined,
  usage: string,
): Promise<Owner> {
  if (!query) throw new UsageError(`missing owner: ${usage}`);
  const lookup = resolveOwner(await store.listOwners(), query);
  if (lookup.found) return lookup.owner;
  if (lookup.problem === 'ambiguous') {
    throw new UsageError(`more than one owner is called "${query}": use the address (spoc owner list)`);
  }
  const email = emailSchema.safeParse(query);
  const owner = email.success ? await store.getOwner(email.data) : undefined;
  if (owner) return owner;
  throw new UsageError(`no owner "${query}": see \`spoc owner list\`, or add one with \`spoc owner add\``);
}

/** A handoff run from the CLI on one day to one owner is one operation: running it again sends nothing twice. */
function cliOperationId(to: Owner): string {
  return `cli-${to.email}-${new Date().toISOString().slice(0, 10)}`;
}

/** `spoc owner away|back|handoff`, and `spoc owner remove --handoff-to`. */
export async function ownerPresenceCommand(
  io: CliIo,
  args: string[],
  flags: OwnerPresenceFlags,
): Promise<void> {
  const [action, who] = args;
  const opened = await openDeps(io, flags);
  try {
    const { deps } = opened;
    switch (action) {
      case 'away': {
        const usage = 'spoc owner away <owner> --until YYYY-MM-DD --backup <owner>';
        const owner = await requireOwner(deps.store, who, usage);
        if (!flags.until) throw new UsageError(`missing --until: ${usage}`);
        if (!flags.backup) throw new UsageError(`missing --backup: ${usage}`);
        const backup = await requireOwner(deps.store, flags.backup, usage);
        try {
          const away = await setAway(deps, owner, flags.until, backup);
          io.out(
            flags.json
              ? JSON.stringify({ owner: owner.email, ...away })
              : `${owner.name} is away until ${away.until}; ${backup.name} receives their customers' mail and answers as "${backup.name}, covering for ${owner.name}"`,
          );
        } catch (error) {
          if (error instanceof AwayRefusedError) throw new UsageError(`${error.message}: ${usage}`);
          throw error;
        }
        return;
      }
      case 'back': {
        const owner = await requireOwner(deps.store, who, 'spoc owner back <owner>');
        const digest = await endAway(deps, owner.email);
        if (!digest) {
          io.out(`${owner.name} was not away; nothing to do`);
          return;
        }
        io.out(
          flags.json
            ? JSON.stringify(digest)
            : digest.digestSent
              ? `${owner.name} is back (${digest.returnedOn}); digest sent (${digest.conversations} conversation(s), ${digest.messages} message(s) while away)`
              : `${owner.name} is back (${digest.returnedOn}); nothing happened with their customers while away, so no digest was sent`,
        );
        return;
      }
      case 'handoff':
      case 'remove': {
        const usage =
          action === 'handoff'
            ? 'spoc owner handoff <from-owner> --to <owner>'
            : 'spoc owner remove <owner> --handoff-to <owner>';
        const from = await requireOwner(deps.store, who, usage);
        const target = action === 'handoff' ? flags.to : flags['handoff-to'];
        const to = await requireOwner(deps.store, target, usage);
        if (to.email === from.email) throw new UsageError(`the new owner must be someone else: ${usage}`);
        const bar = createProgressBar();
        let results: Awaited<ReturnType<typeof handOffAllCustomers>>;
        try {
          results = await handOffAllCustomers(deps, from.email, to, cliOperationId(to), (done, total) =>
            bar.update(done, total, 'customers handed over'),
          );
        } catch (error) {
          if (error instanceof HandoffRefusedError) throw new UsageError(`${error.message}: ${usage}`);
          throw error;
        } finally {
          bar.finish();
        }
        // Company accounts follow the customers, so the next person from that company gets the new owner too.
        const rules = (await deps.store.listDomainRules()).filter((rule) => rule.ownerEmail === from.email);
        for (const rule of rules) await deps.store.putDomainRule({ ...rule, ownerEmail: to.email });
        if (action === 'remove') await deps.store.deleteOwner(from.email);
        if (flags.json) {
          io.out(
            JSON.stringify({
              from: from.email,
              to: to.email,
              removed: action === 'remove',
              customers: results,
            }),
          );
          return;
        }
        io.out(
          `handed ${results.length} customer(s) of ${from.name} to ${to.name}; each got one introduction, ${to.name} got the history`,
        );
        if (rules.length > 0)
          io.out(`domain rules now naming ${to.email}: ${rules.map((r) => r.domain).join(', ')}`);
        if (action === 'remove') io.out(`removed owner ${from.email}`);
        return;
      }
      default:
        throw new UsageError(`unknown owner action "${action}"`);
    }
  } finally {
    await opened.close();
  }
}
