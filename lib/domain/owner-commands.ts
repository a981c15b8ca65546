import { type Colleague, readColleagues } from './consult-colleagues.js';
import { isIsoDate } from './owner-cover.js';

/** One command an owner can put on the first line of a reply. */
export type OwnerCommand =
  /** Record the reply on the conversation; nobody receives it. */
  | { kind: 'note' }
  /** Send the rest of the reply (if any) to the customer, then close the conversation. */
  | { kind: 'close' }
  /** Move the customer to another owner (an address or a unique owner name). */
  | { kind: 'handoff'; target: string }
  /** Mark the sender away until a date, with a backup owner (address or unique name). */
  | { kind: 'away'; until: string; backup: string }
  /** Take one person off the conversation's Cc (reply-all). */
  | { kind: 'uncc'; address: string }
  /** Ask colleagues behind the scenes; the text below the line is the question. */
  | { kind: 'ask'; colleagues: Colleague[] }
  /** The owner waits on something until a day: the promise pauses, and the owner is reminded then. */
  | { kind: 'wait'; until: string };

/** What the top of an owner's reply says. */
export type CommandParse =
  | { kind: 'none' }
  /** `rest`: the reply without the command line (text after the command on its line comes first). */
  | { kind: 'command'; command: OwnerCommand; rest: string }
  /** `command`: the known command whose line was wrong, when it names one. */
  | { kind: 'invalid'; line: string; problem: string; command?: OwnerCommand['kind'] };

/**
 * The day a `#wait <YYYY-MM-DD>` names, or what is wrong with it. `today` is the owner's day
 * (`YYYY-MM-DD` in their business hours' zone); the day must come after it, and within a year, so a
 * mistyped year cannot silence a conversation for decades. Without `today` only the form is checked.
 */
export function readWaitDay(argument: string, today?: string): { until: string } | { problem: string } {
  const usage = '#wait needs the day to wait until: #wait 2026-12-24';
  if (argument === '' || argument.includes(' ')) return { problem: usage };
  if (!isIsoDate(argument)) return { problem: `"${argument}" is not a date: ${usage}` };
  if (today !== undefined && argument <= today) {
    return {
      problem: `${argument} is not after today (${today}): name a day to come, like #wait 2026-12-24`,
    };
  }
  if (today !== undefined && argument > oneYearAfter(today)) {
    return { problem: `${argument} is more than a year away: name a day within a year` };
  }
  return { until: argument };
}

function oneYearAfter(day: string): string {
  const date = new Date(`${day}T00:00:00.000Z`);
  date.setUTCFullYear(date.getUTCFullYear() + 1);
  return date.toISOString().slice(0, 10);
}

/** The line of `#ask` in the list of commands, aligned with the others. */
export const ASK_COMMAND_HELP =
  '#ask <address> [<address>]  ask colleagues behind the scenes; your question goes below the line';

/** The commands, one line each, as shown to an owner who wrote a wrong one. */
export const COMMAND_HELP = [
  '#note <text>                record the reply on the conversation; the customer receives nothing',
  '#handoff <owner>            move this customer to another owner (address or full name)',
  '#away <YYYY-MM-DD> <owner>  you are away until that day; the named owner covers for you',
  '#close                      close the conversation (any text below is still sent to the customer)',
  '#uncc <address>             take that person off the Cc of this conversation (text below still goes)',
  '#wait <YYYY-MM-DD>          you are waiting on something until that day: reminded then, nothing is sent',
  ASK_COMMAND_HELP,
] as const;

/** Reads one command's argument (the rest of its line) and the text below its line. */
type CommandReader = (
  argument: string,
  below: string,
  today: string | undefined,
) => { command: OwnerCommand; rest: string } | { problem: string };

/**
 * The commands by name: a new command is one entry here (and one line of {@link COMMAND_HELP}). A
 * name is matched in any case.
 */
const COMMANDS: Readonly<Record<OwnerCommand['kind'], CommandReader>> = {
  note: (argument, below) => ({
    command: { kind: 'note' },
    rest: [argument, below].filter(Boolean).join('\n'),
  }),
  close: (argument, below) =>
    argument === ''
      ? { command: { kind: 'close' }, rest: below }
      : { problem: '#close takes nothing after it on its line' },
  handoff: (argument, below) =>
    argument === ''
      ? { problem: '#handoff needs the new owner: #handoff bob@example.com' }
      : { command: { kind: 'handoff', target: argument }, rest: below },
  away: (argument, below) => {
    const [until, ...backup] = argument.split(/\s+/);
    if (!until || !/^\d{4}-\d{2}-\d{2}$/.test(until) || backup.length === 0) {
      return { problem: '#away needs a date and a backup: #away 2026-12-24 bob@example.com' };
    }
    return { command: { kind: 'away', until, backup: backup.join(' ') }, rest: below };
  },
  uncc: (argument, below) =>
    /^[^\s@]+@[^\s@]+$/.test(argument)
      ? { command: { kind: 'uncc', address: argument.toLowerCase() }, rest: below }
      : { problem: '#uncc needs the address to take off Cc: #uncc carol@example.com' },
  wait: (argument, below, today) => {
    const day = readWaitDay(argument, today);
    if ('problem' in day) return day;
    // The text below is kept with the wait as a private note; nobody is sent anything.
    return { command: { kind: 'wait', until: day.until }, rest: below };
  },
  ask: (argument, below) => {
    const read = readColleagues(argument);
    if ('problem' in read) return read;
    if (below === '') return { problem: '#ask needs your question below its line' };
    return { command: { kind: 'ask', colleagues: read.colleagues }, rest: below };
  },
};

/** `#`, or the full-width `＃` an East Asian keyboard types. */
const NUMBER_SIGNS = new Set(['#', '\uff03']);

function isAsciiLetter(char: string): boolean {
  const code = char.toLowerCase().charCodeAt(0);
  return code >= 0x61 && code <= 0x7a;
}

function isLetter(char: string): boolean {
  return char !== '' && /\p{L}/u.test(char);
}

/** Between a command's name and its argument: spaces of any kind and the punctuation people type there. */
function isSeparator(char: string): boolean {
  return /\s/.test(char) || ':.,;=>-\u2013\u2014'.includes(char);
}

/**
 * Reads the command on the first non-empty line of an owner's reply text (already stripped of the
 * quoted forward). Only that line is looked at: a `#` further down is ordinary text.
 *
 * A line that starts with `#` and a letter looks like a command. It is the known command whose name
 * (in any case) follows the `#` and is not followed by another letter, whatever comes next: `#note:
 * …`, `#Note. …` and `#note` followed by a no-break space are all `#note`, so a private note can never
 * be mistaken for an answer. A line that looks like a command and names none is invalid (the owner gets
 * the list of commands; the customer gets nothing). `#1234` (an order number) and `# heading` are text.
 * Invisible format characters (zero-width spaces, soft hyphens) are ignored.
 *
 * `today` (`YYYY-MM-DD`, the owner's day) lets commands that name a day refuse one that has passed.
 */
export function parseOwnerCommand(replyText: string, today?: string): CommandParse {
  const lines = replyText.replace(/\r\n?/g, '\n').split('\n');
  const first = lines.findIndex((line) => line.replace(/\p{Cf}/gu, '').trim() !== '');
  if (first < 0) return { kind: 'none' };
  const line = (lines[first] as string).replace(/\p{Cf}/gu, '').trim();
  if (!NUMBER_SIGNS.has(line.charAt(0)) || !isAsciiLetter(line.charAt(1))) return { kind: 'none' };
  const below = lines
    .slice(first + 1)
    .join('\n')
    .trim();
  for (const [name, read] of Object.entries(COMMANDS)) {
    const end = 1 + name.length;
    if (line.slice(1, end).toLowerCase() !== name || isLetter(line.charAt(end))) continue;
    let from = end;
    while (from < line.length && isSeparator(line.charAt(from))) from += 1;
    const result = read(line.slice(from).trim(), below, today);
    return 'problem' in result
      ? { kind: 'invalid', line, problem: result.problem, command: name as OwnerCommand['kind'] }
      : { kind: 'command', ...result };
  }
  let end = 1;
  while (end < line.length && (isLetter(line.charAt(end)) || line.charAt(end) === '-')) end += 1;
  return { kind: 'invalid', line, problem: `unknown command #${line.slice(1, end).toLowerCase()}` };
}
