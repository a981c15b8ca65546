import { awaitAll } from '../../delivery/await-all.js';
import type { Conversation } from '../../domain/types.js';
import { renderConversationHistory } from '../../mail/conversation-history.js';
import { type CliIo, UsageError } from '../cli-io.js';
import { formatTable } from '../format-table.js';
import { openDeps, type TargetFlags } from '../open-deps.js';
import { customerEmail } from './customer-command.js';
import { requireOwner } from './owner-presence-command.js';

/** Flags of `spoc conversation`. */
export interface ConversationFlags extends TargetFlags {
  json?: boolean;
  owner?: string;
}

/** `spoc conversation list <customer>|--owner <owner>` and `spoc conversation show <id>`. */
export async function conversationCommand(
  io: CliIo,
  args: string[],
  flags: ConversationFlags,
): Promise<void> {
  const [action, argument] = args;
  const opened = await openDeps(io, flags);
  try {
    const { store } = opened.deps;
    switch (action) {
      case 'list': {
        const usage = 'spoc conversation list <customer-email> | spoc conversation list --owner <owner>';
        let conversations: Conversation[];
        if (argument) conversations = await store.listConversations(customerEmail(argument, usage));
        else if (flags.owner) {
          const owner = await requireOwner(store, flags.owner, usage);
          const customers = await store.listCustomers(owner.email);
          conversations = (await awaitAll(customers.map((c) => store.listConversations(c.email)))).flat();
        } else throw new UsageError(`say whose conversations: ${usage}`);
        if (flags.json) {
          io.out(JSON.stringify(conversations, null, 2));
          return;
        }
        io.out(
          conversations.length === 0
            ? 'no conversations'
            : formatTable(
                ['ID', 'CUSTOMER', 'OWNER', 'STATUS', 'UPDATED', 'SUBJECT'],
                conversations.map((c) => [
                  c.id,
                  c.customerEmail,
                  c.ownerEmail,
                  c.status,
                  c.updatedAt.slice(0, 16),
                  c.subject,
                ]),
              ),
        );
        return;
      }
      case 'show': {
        if (!argument)
          throw new UsageError(
            'missing conversation id: spoc conversation show <id> (ids from spoc conversation list)',
          );
        const conversation = await store.getConversation(argument.trim().toLowerCase());
        if (!conversation) {
          throw new UsageError(
            `no conversation ${argument}: find ids with spoc conversation list <customer-email>`,
          );
        }
        const [messages, questions] = await awaitAll([
          store.listMessages(conversation.id),
          store.listConsultQuestions(conversation.id),
        ]);
        if (flags.json) {
          io.out(JSON.stringify({ conversation, messages, consultQuestions: questions }, null, 2));
          return;
        }
        io.out(`Customer ${conversation.customerEmail}, owner ${conversation.ownerEmail}`);
        io.out(renderConversationHistory({ conversation, messages, questions }));
        return;
      }
      default:
        throw new UsageError('usage: spoc conversation list <customer-email> | spoc conversation show <id>');
    }
  } finally {
    await opened.close();
  }
}
