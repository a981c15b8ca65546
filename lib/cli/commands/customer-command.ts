import { awaitAll } from '../../delivery/await-all.js';
import { isFreeMailDomain } from '../../domain/free-mail-domains.js';
import { HandoffRefusedError, handOffCustomer } from '../../use-cases/hand-off-customer.js';
import * as z from '../../validation/zod-mini.js';
import { type CliIo, UsageError } from '../cli-io.js';
import { formatTable } from '../format-table.js';
import { openDeps, type TargetFlags } from '../open-deps.js';
import { requireOwner } from './owner-presence-command.js';

/** Flags of `spoc customer`. */
export interface CustomerFlags extends TargetFlags {
  json?: boolean;
  to?: string;
  owner?: string;
}

const emailSchema = z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.email());
const domainSchema = z
  .string()
  .check(
    z.trim(),
    z.toLowerCase(),
    z.regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/),
  );

/** Validates a customer address argument, saying what to type when it is wrong. */
export function customerEmail(value: string | undefined, usage: string): string {
  if (!value) throw new UsageError(`missing customer address: ${usage}`);
  const parsed = emailSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`"${value}" is not an email address: ${usage}`);
  return parsed.data;
}

/** `spoc customer list|show|assign|domain`. */
export async function customerCommand(io: CliIo, args: string[], flags: CustomerFlags): Promise<void> {
  const [action, ...rest] = args;
  const opened = await openDeps(io, flags);
  try {
    const { deps } = opened;
    const { store } = deps;
    switch (action) {
      case 'list': {
        // An owner is named by address or full name, as everywhere; one who does not exist is an error.
        const owner =
          flags.owner === undefined
            ? undefined
            : await requireOwner(store, flags.owner, 'spoc customer list [--owner <owner>]');
        const customers = await store.listCustomers(owner?.email);
        if (flags.json) {
          io.out(JSON.stringify(customers, null, 2));
          return;
        }
        if (customers.length === 0) {
          io.out(`no customers in ${opened.where}${owner ? ` for ${owner.name} <${owner.email}>` : ''}`);
          return;
        }
        io.out(
          formatTable(
            ['EMAIL', 'NAME', 'OWNER', 'SINCE'],
            customers.map((c) => [c.email, c.name ?? '', c.ownerEmail, c.since.slice(0, 10)]),
          ),
        );
        return;
      }
      case 'show': {
        const email = customerEmail(rest[0], 'spoc customer show <email>');
        const customer = await store.getCustomer(email);
        if (!customer) {
          throw new UsageError(`no customer ${email} in ${opened.where}: see \`spoc customer list\``);
        }
        const [owner, conversations] = await awaitAll([
          store.getOwner(customer.ownerEmail),
          store.listConversations(email),
        ]);
        if (flags.json) {
          io.out(JSON.stringify({ customer, owner, conversations }, null, 2));
          return;
        }
        io.out(
          [
            `${customer.name ? `${customer.name} <${customer.email}>` : customer.email}, customer since ${customer.since.slice(0, 10)}`,
            `Owner: ${owner ? `${owner.name} <${owner.email}>` : `${customer.ownerEmail} (no longer an owner: spoc customer assign ${email} --to <owner>)`}${owner?.away ? `, away until ${owner.away.until} (covered by ${owner.away.backupEmail})` : ''}`,
            '',
            conversations.length === 0
              ? 'No conversations.'
              : formatTable(
                  ['CONVERSATION', 'STATUS', 'OPENED', 'UPDATED', 'SUBJECT'],
                  conversations.map((c) => [
                    c.id,
                    c.status,
                    c.createdAt.slice(0, 10),
                    c.updatedAt.slice(0, 16),
                    c.subject,
                  ]),
                ),
          ].join('\n'),
        );
        return;
      }
      case 'assign': {
        const usage = 'spoc customer assign <email> --to <owner>';
        const email = customerEmail(rest[0], usage);
        const to = await requireOwner(store, flags.to, usage);
        try {
          const result = await handOffCustomer(deps, {
            customerEmail: email,
            toOwner: to,
            operationId: `cli-${to.email}-${new Date().toISOString().slice(0, 10)}`,
          });
          if (flags.json) io.out(JSON.stringify(result));
          else if (!result.changed) io.out(`${email} already belongs to ${to.name}; nothing sent`);
          else {
            io.out(
              `${email} now belongs to ${to.name} (was ${result.fromOwnerEmail}); ${result.conversationsMoved} conversation(s) moved, history of ${result.openConversations} open one(s) sent to ${to.email}, introduction sent to the customer`,
            );
          }
        } catch (error) {
          if (error instanceof HandoffRefusedError) throw new UsageError(error.message);
          throw error;
        }
        return;
      }
      case 'domain':
        await domainRules(io, rest, flags, opened.deps.store, opened.deps.config.assignment.domains);
        return;
      default:
        throw new UsageError(
          'usage: spoc customer list [--owner <owner>] | show <email> | assign <email> --to <owner> | domain add|list|remove',
        );
    }
  } finally {
    await opened.close();
  }
}

async function domainRules(
  io: CliIo,
  args: string[],
  flags: CustomerFlags,
  store: import('../../ports/support-store.js').SupportStore,
  configured: Record<string, string>,
): Promise<void> {
  const [action, domainArg, ownerArg] = args;
  switch (action) {
    case 'add': {
      const usage = 'spoc customer domain add <domain> <owner>';
      const parsed = domainSchema.safeParse(domainArg ?? '');
      if (!parsed.success) throw new UsageError(`"${domainArg ?? ''}" is not a domain: ${usage}`);
      const domain = parsed.data;
      if (isFreeMailDomain(domain)) {
        throw new UsageError(
          `${domain} is a free-mail provider: its users are not one company, so it cannot have an owner; assign people one by one with spoc customer assign`,
        );
      }
      const owner = await requireOwner(store, ownerArg, usage);
      // The assignment policy passes over inactive owners, so such a rule would never apply.
      if (!owner.active) throw new UsageError(`${owner.email} is not an active owner: ${usage}`);
      await store.putDomainRule({ domain, ownerEmail: owner.email, createdAt: new Date().toISOString() });
      io.out(
        `new customers from ${domain} go to ${owner.name} <${owner.email}>; existing ones keep their owner (move them with spoc customer assign)`,
      );
      return;
    }
    case 'remove': {
      const domain = (domainArg ?? '').trim().toLowerCase();
      if (!domain) throw new UsageError('missing domain: spoc customer domain remove <domain>');
      if (await store.deleteDomainRule(domain)) io.out(`removed the rule for ${domain}`);
      else if (configured[domain]) {
        throw new UsageError(`${domain} is set in the config file (assignment.domains): remove it there`);
      } else throw new UsageError(`no rule for ${domain}: see \`spoc customer domain list\``);
      return;
    }
    case 'list': {
      const stored = await store.listDomainRules();
      const storedDomains = new Set(stored.map((r) => r.domain));
      const rows = [
        ...stored.map((r) => ({ domain: r.domain, ownerEmail: r.ownerEmail, source: 'table' })),
        ...Object.entries(configured)
          .filter(([domain]) => !storedDomains.has(domain))
          .map(([domain, ownerEmail]) => ({ domain, ownerEmail, source: 'config' })),
      ].sort((a, b) => a.domain.localeCompare(b.domain));
      if (flags.json) {
        io.out(JSON.stringify(rows, null, 2));
        return;
      }
      io.out(
        rows.length === 0
          ? 'no domain rules; add one with: spoc customer domain add <domain> <owner>'
          : formatTable(
              ['DOMAIN', 'OWNER', 'SOURCE'],
              rows.map((r) => [r.domain, r.ownerEmail, r.source]),
            ),
      );
      return;
    }
    default:
      throw new UsageError(
        'usage: spoc customer domain add <domain> <owner> | spoc customer domain list | spoc customer domain remove <domain>',
      );
  }
}
