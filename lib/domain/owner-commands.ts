/** One command an owner can put on the first line of a reply. */
export type OwnerCommand =
  /** Record the reply on the conversation; nobody receives it. */
  | { kind: 'note' }
  /** Send the rest of the reply (if any) to the customer, then close the conversation. */
  | { kind: 'close' }
  /** Move the customer to another owner (an address or a unique owner name). */
  | { kind: 'handoff'; target: string }
  /** Mark the sender away until a date, with a backup owner (address or unique name). */
  | { kind: 'away'; until: string; backup: string };

/** What the top of an owner's reply says. */
export type CommandParse =
  | { kind: 'none' }
  /** `rest`: the reply without the command line (text after the command on its line comes first). */
  | { kind: 'command'; command: OwnerCommand; rest: string }
  | { kind: 'invalid'; line: string; problem: string };

/** The commands, one line each, as shown to an owner who wrote a wrong one. */
export const COMMAND_HELP = [
  '#note <text>             record the reply on the conversation; the customer receives nothing',
  '#handoff <owner>         move this customer to another owner (address or full name)',
  '#away <YYYY-MM-DD> <owner>  you are away until that day; the named owner covers for you',
  '#close                   close the conversation (any text below is still sent to the customer)',
] as const;

/**
 * A command line starts with `#` and a letter. `#1234` (an order number) or `# heading` is text, so an
 * answer that merely begins with a number sign is not mistaken for a command.
 */
const COMMAND_LINE = /^#([a-z][a-z-]*)(?:[ \t](.*))?$/i;

/**
 * Reads the command on the first non-empty line of an owner's reply text (already stripped of the
 * quoted forward). Only that line is looked at: a `#` further down is ordinary text.
 */
export function parseOwnerCommand(replyText: string): CommandParse {
  const lines = replyText.replace(/\r\n?/g, '\n').split('\n');
  const first = lines.findIndex((line) => line.trim() !== '');
  if (first < 0) return { kind: 'none' };
  const line = (lines[first] as string).trim();
  const match = COMMAND_LINE.exec(line);
  if (!match) return { kind: 'none' };
  const name = (match[1] as string).toLowerCase();
  const argument = (match[2] ?? '').trim();
  const below = lines
    .slice(first + 1)
    .join('\n')
    .trim();
  const invalid = (problem: string): CommandParse => ({ kind: 'invalid', line, problem });
  switch (name) {
    case 'note':
      return {
        kind: 'command',
        command: { kind: 'note' },
        rest: [argument, below].filter(Boolean).join('\n'),
      };
    case 'close':
      if (argument !== '') return invalid('#close takes nothing after it on its line');
      return { kind: 'command', command: { kind: 'close' }, rest: below };
    case 'handoff':
      if (argument === '') return invalid('#handoff needs the new owner: #handoff bob@example.com');
      return { kind: 'command', command: { kind: 'handoff', target: argument }, rest: below };
    case 'away': {
      const [until, ...backup] = argument.split(/\s+/);
      if (!until || !/^\d{4}-\d{2}-\d{2}$/.test(until) || backup.length === 0) {
        return invalid('#away needs a date and a backup: #away 2026-12-24 bob@example.com');
      }
      return {
        kind: 'command',
        command: { kind: 'away', until, backup: backup.join(' ') },
        rest: below,
      };
    }
    default:
      return invalid(`unknown command #${name}`);
  }
}
