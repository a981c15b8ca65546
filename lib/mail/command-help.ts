import { COMMAND_HELP } from '../domain/owner-commands.js';
import type { ComposeInput } from './mail-types.js';

/** Everything the answer to a wrong command needs. */
export interface CommandHelpInput {
  owner: { address: string; name: string };
  /** The conversation's reply address: answering the help mail with a corrected command just works. */
  replyAddress: string;
  supportName: string;
  problem: string;
  line: string;
  subject: string;
  messageId: string;
  inReplyTo?: string;
}

/** Tells an owner their command was not understood, that nothing was sent, and lists the commands. */
export function buildCommandHelp(input: CommandHelpInput): ComposeInput {
  const from = { address: input.replyAddress, name: `${input.supportName} commands` };
  const text = [
    `Nothing was sent to the customer: the first line of your reply, "${input.line}", is not a command I know (${input.problem}).`,
    '',
    'Commands go on the first line of a reply:',
    ...COMMAND_HELP.map((line) => `  ${line}`),
    '',
    'Reply to this mail with the corrected command, or answer the customer without a command.',
    '',
  ].join('\n');
  return {
    from,
    to: [input.owner],
    replyTo: from,
    subject: `Command not understood: ${input.subject || 'your reply'}`,
    text,
    messageId: input.messageId,
    ...(input.inReplyTo ? { inReplyTo: input.inReplyTo, references: [input.inReplyTo] } : {}),
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
  };
}
