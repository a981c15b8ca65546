import { parseArgs } from 'node:util';
import { ConfigError } from '../domain/errors.js';
import { type CliIo, UsageError } from './cli-io.js';

/** The help text of `spoc`. */
export const USAGE = `spoc: the spoc-inbox command line

  spoc dev                                 run locally (SMTP in, .eml outbox out, embedded engines)
  spoc send [--from "Name <a@b>"] [--name N] [--to addr] [--subject S] [--text T]
                                           send a test mail to the running spoc dev
  spoc owner add <email> --name "Full Name" add or rename an owner
  spoc owner list [--json]                 list owners and how many customers each has
  spoc owner remove <email> --handoff-to <owner> | --yes
                                           remove an owner, handing their customers over first
                                           (--yes: without handoff; they get a new owner later)
  spoc owner away <owner> --until YYYY-MM-DD --backup <owner>
                                           mark an owner away; the backup covers, ownership stays
  spoc owner back <owner>                  end an absence now and send the owner the digest
  spoc owner handoff <owner> --to <owner>  move all customers of an owner, with their history
  spoc owner hours <owner> [--tz Z] [--days D] [--from HH:MM] [--to HH:MM] | --clear
                                           an owner's own business hours (without flags: show them)
  spoc owner backup <owner> <backup> | --clear
                                           the owner who takes over when this one stays silent
  spoc customer list [--owner <owner>] [--json]
  spoc customer show <email> [--json]      a customer, their owner and conversations
  spoc customer assign <email> --to <owner>
                                           hand one customer over (history to the owner, one intro)
  spoc customer domain add <domain> <owner> | list | remove <domain>
                                           B2B accounts: everyone from a company gets one owner
  spoc conversation list <customer> | --owner <owner> [--json]
  spoc conversation show <id> [--json]     a conversation's messages, notes and attachments
  spoc replay [<inbound-id>...] [--force]  re-run stored raw mail (all of inbound/ by default);
                                           --force re-runs mails whose outcome is 'failed'
  spoc replay --queue-url <dlq-url>        drain the dead-letter queue through the inbound handler
  spoc export <customer> [--out <dir>]     everything stored about a customer (JSON, raw mail)
  spoc forget <customer> --yes             delete everything stored about a customer
  spoc stats [--since D] [--until D] [--json]
                                           per owner: open conversations, first-response time
                                           (median, p90), replies sent; default the last 30 days
  spoc due [--json]                        running response promises: customer, owner, state, nudge and due time
  spoc sweep [--at <ISO-8601 time>] [--json]
                                           nudge, escalate and remind what is due now (--at: local mode
                                           only, as if the clock read that time)
  spoc doctor [--outputs <cdk-outputs.json>] [--region R] [--json]
                                           preflight and health check of the AWS side; exit 1 on failure
  spoc raw <inbound-id> [--out <file>] [--link]
                                           a received mail as it arrived (or a link signed now)
  spoc owner sync                          write the config's owners to the store (idempotent)

Owners are named by address or by full name. In AWS also pass --bucket <raw-mail-bucket>,
--secret-id <reply-token-secret> (or SPOC_REPLY_TOKEN_SECRET_ID) and --configuration-set <name>
(or SPOC_SES_CONFIGURATION_SET) to commands that send or read mail.

Data commands work on the local data directory (SPOC_DATA_DIR, default .spoc/data), or on a
deployed table with --table <name> [--region <region>].
Environment: SPOC_DATA_DIR, SPOC_OUTBOX_DIR, SPOC_SMTP_PORT, SPOC_CONFIG, SPOC_SMTP_RELAY.`;

/** Runs one `spoc` invocation and returns its exit code (0 ok, 1 failure, 2 usage). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    // Each command's modules are loaded when it runs: `spoc owner list` need not load the mail stack.
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        json: { type: 'boolean' },
        name: { type: 'string' },
        table: { type: 'string' },
        region: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        subject: { type: 'string' },
        text: { type: 'string' },
        until: { type: 'string' },
        backup: { type: 'string' },
        tz: { type: 'string' },
        days: { type: 'string' },
        clear: { type: 'boolean' },
        'handoff-to': { type: 'string' },
        owner: { type: 'string' },
        force: { type: 'boolean' },
        yes: { type: 'boolean' },
        out: { type: 'string' },
        bucket: { type: 'string' },
        'queue-url': { type: 'string' },
        'secret-id': { type: 'string' },
        'configuration-set': { type: 'string' },
        link: { type: 'boolean' },
        outputs: { type: 'string' },
        since: { type: 'string' },
        at: { type: 'string' },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || command === undefined || command === 'help') {
      io.out(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    switch (command) {
      case 'dev':
        await (await import('./commands/dev-command.js')).devCommand(io);
        return 0;
      case 'send':
        await (await import('./commands/send-command.js')).sendCommand(io, values);
        return 0;
      case 'owner':
        await (await import('./commands/owner-command.js')).ownerCommand(io, rest, values);
        return 0;
      case 'customer':
        await (await import('./commands/customer-command.js')).customerCommand(io, rest, values);
        return 0;
      case 'conversation':
        await (await import('./commands/conversation-command.js')).conversationCommand(io, rest, values);
        return 0;
      case 'replay':
        await (await import('./commands/replay-command.js')).replayCommand(io, rest, values);
        return 0;
      case 'export':
      case 'forget':
        await (await import('./commands/data-request-command.js')).dataRequestCommand(
          io,
          command,
          rest,
          values,
        );
        return 0;
      case 'stats':
        await (await import('./commands/stats-command.js')).statsCommand(io, values);
        return 0;
      case 'due':
        await (await import('./commands/promise-commands.js')).dueCommand(io, values);
        return 0;
      case 'sweep': {
        const { sweepCommand } = await import('./commands/promise-commands.js');
        return (await sweepCommand(io, values)) ? 0 : 1;
      }
      case 'doctor': {
        const { doctorCommand } = await import('./commands/doctor-command.js');
        return (await doctorCommand(io, values)) ? 0 : 1;
      }
      case 'raw': {
        const { rawCommand } = await import('./commands/raw-command.js');
        await rawCommand(io, rest, values);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"; run \`spoc help\``);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.err(`spoc: ${error.message}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(`spoc: ${error.message}`);
      return 1;
    }
    io.err(`spoc: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
