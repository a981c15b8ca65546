import { parseOwnerCommand } from '../domain/owner-commands.js';
import { replyAddressFor } from '../domain/reply-token.js';
import { resolveOwner } from '../domain/resolve-owner.js';
import { replySubject } from '../domain/thread-conversation.js';
import type { Conversation, InboundOutcome } from '../domain/types.js';
import { buildCommandHelp } from '../mail/command-help.js';
import { composeMail } from '../mail/compose-mail.js';
import { CONTEXT_MARKERS } from '../mail/context-block.js';
import { customerFacingText } from '../mail/customer-reply.js';
import type { ParsedMail } from '../mail/mail-types.js';
import { extractReplyText } from '../mail/reply-text.js';
import { stripContextBlock } from '../mail/strip-context-block.js';
import { HandoffRefusedError, handOffCustomer } from './hand-off-customer.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { AwayRefusedError, setAway } from './owner-cover.js';
import { sendOnce } from './send-once.js';

/** What the owner-reply path does after the command (if any) ran. */
export type CommandEffect =
  /** The command consumed the reply: record this outcome, send nothing to the customer. */
  | { done: true; outcome: InboundOutcome }
  /** Carry on relaying `text` to the customer (no command, or `#close` with text under it). */
  | { done: false; text: string };

/** Who sent the reply, as accepted by the owner check. */
export interface CommandSender {
  email: string;
  name: string;
  /** True when the sender is covering for the owner rather than owning the conversation. */
  asCover: boolean;
}

/**
 * Runs the command on the first line of an owner's reply (`#note`, `#handoff`, `#away`, `#close`,
 * `#uncc`). A
 * wrong command sends nothing to the customer and answers the owner with the list of commands.
 *
 * The command is read from the reply with only the quote and the context block removed: the
 * customer-facing cleanup also drops lines naming owners' mailboxes, which would drop
 * `#handoff alice@…` itself. What goes to the customer is cleaned with {@link customerFacingText}.
 */
export async function runOwnerCommand(
  deps: InboundDeps,
  notice: InboundNotice,
  mail: ParsedMail,
  conversation: Conversation,
  sender: CommandSender,
): Promise<CommandEffect> {
  const replyDomain = deps.config.replyDomain;
  // A backup's answer must not carry the away owner's mailbox either.
  const clean = (text: string) => {
    const own = customerFacingText(text, { ownerEmail: sender.email, replyDomain });
    if (!sender.asCover) return own;
    const owner = conversation.ownerEmail.toLowerCase();
    return own
      .split('\n')
      .filter((line) => !line.toLowerCase().includes(owner))
      .join('\n')
      .trim();
  };
  const parsed = parseOwnerCommand(extractReplyText(stripContextBlock(mail.text, CONTEXT_MARKERS).text));
  if (parsed.kind === 'none') return { done: false, text: clean(mail.text) };
  const base = {
    conversationId: conversation.id,
    customerEmail: conversation.customerEmail,
    ownerEmail: sender.email,
  };
  const refuse = async (line: string, problem: string): Promise<CommandEffect> => {
    await sendHelp(deps, notice, mail, conversation, sender, line, problem);
    return {
      done: true,
      outcome: { status: 'rejected', reason: 'command-invalid', detail: problem, ...base },
    };
  };
  if (parsed.kind === 'invalid') return refuse(parsed.line, parsed.problem);

  const { command, rest } = parsed;
  const now = deps.now().toISOString();
  switch (command.kind) {
    case 'note': {
      if (rest.trim() === '' && mail.attachments.length === 0) return refuse('#note', '#note needs text');
      await deps.store.putMessage({
        conversationId: conversation.id,
        id: notice.inboundId,
        at: now,
        direction: 'note',
        fromAddress: sender.email,
        fromName: sender.name,
        subject: replySubject(conversation.subject),
        text: rest,
        attachments: mail.attachments
          .filter((a) => !a.inline)
          .map(({ filename, contentType, size }) => ({ filename, contentType, size })),
        rawKey: notice.rawKey,
      });
      return {
        done: true,
        outcome: { status: 'noted', reason: 'note', detail: 'recorded, sent to nobody', ...base },
      };
    }
    case 'close': {
      await deps.store.updateConversation(conversation.id, { status: 'closed' }, now);
      const text = clean(rest);
      if (text !== '') return { done: false, text };
      return {
        done: true,
        outcome: { status: 'noted', reason: 'closed', detail: 'conversation closed', ...base },
      };
    }
    case 'handoff': {
      if (sender.asCover) {
        return refuse(
          `#handoff ${command.target}`,
          'only the owner can hand a customer over, not their backup',
        );
      }
      const lookup = resolveOwner(await deps.store.listOwners(), command.target);
      if (!lookup.found) {
        return refuse(
          `#handoff ${command.target}`,
          lookup.problem === 'ambiguous'
            ? `more than one owner is called "${command.target}": use the address`
            : `no owner "${command.target}"`,
        );
      }
      if (lookup.owner.email === conversation.ownerEmail) {
        return refuse(`#handoff ${command.target}`, 'this customer is already yours: name another owner');
      }
      try {
        const result = await handOffCustomer(deps, {
          customerEmail: conversation.customerEmail,
          toOwner: lookup.owner,
          ...(rest.trim() ? { note: rest } : {}),
          operationId: notice.inboundId,
        });
        return {
          done: true,
          outcome: {
            status: 'noted',
            reason: 'handoff',
            detail: `customer handed to ${result.toOwnerEmail} (${result.conversationsMoved} conversation(s) moved)`,
            ...base,
          },
        };
      } catch (error) {
        if (error instanceof HandoffRefusedError) return refuse(`#handoff ${command.target}`, error.message);
        throw error;
      }
    }
    case 'uncc': {
      const line = `#uncc ${command.address}`;
      if (!(conversation.participants ?? []).includes(command.address)) {
        return refuse(line, `${command.address} is not on the Cc of this conversation`);
      }
      await deps.store.removeParticipant(conversation.id, command.address, now);
      // The answer below (if any) is sent with this conversation's Cc: without the one just removed.
      conversation.participants = (conversation.participants ?? []).filter((a) => a !== command.address);
      const text = clean(rest);
      if (text !== '') return { done: false, text };
      return {
        done: true,
        outcome: { status: 'noted', reason: 'uncc', detail: `${command.address} taken off Cc`, ...base },
      };
    }
    case 'ask':
      // Not carried out yet: nothing is sent to anyone, and the owner is told so.
      return refuse('#ask', 'asking colleagues is not available yet');
    case 'away': {
      const line = `#away ${command.until} ${command.backup}`;
      if (sender.asCover) return refuse(line, 'only the owner can set their own absence');
      const owners = await deps.store.listOwners();
      const self = owners.find((o) => o.email === sender.email);
      const lookup = resolveOwner(owners, command.backup);
      if (!self) return refuse(line, `${sender.email} is not an owner`);
      try {
        const away = await setAway(deps, self, command.until, lookup.found ? lookup.owner : undefined);
        return {
          done: true,
          outcome: {
            status: 'noted',
            reason: 'away',
            detail: `away until ${away.until}, covered by ${away.backupEmail}`,
            ...base,
          },
        };
      } catch (error) {
        if (error instanceof AwayRefusedError) return refuse(line, error.message);
        throw error;
      }
    }
  }
}

async function sendHelp(
  deps: InboundDeps,
  notice: InboundNotice,
  mail: ParsedMail,
  conversation: Conversation,
  sender: CommandSender,
  line: string,
  problem: string,
): Promise<void> {
  const replyAddress = replyAddressFor(conversation.id, deps.replyTokenSecret, deps.config.replyDomain);
  const messageId = `<${notice.inboundId}.help@${deps.config.replyDomain}>`;
  await sendOnce(deps, `${notice.inboundId}:command-help`, {
    raw: await composeMail(
      buildCommandHelp({
        owner: { address: sender.email, name: sender.name },
        replyAddress,
        supportName: deps.config.supportName,
        problem,
        line,
        subject: mail.subject,
        messageId,
        ...(mail.messageId ? { inReplyTo: mail.messageId } : {}),
      }),
    ),
    envelope: { from: replyAddress, to: [sender.email] },
    messageId,
  });
}
