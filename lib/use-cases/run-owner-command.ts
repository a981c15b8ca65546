import type { SpocConfig } from '../config/config-schema.js';
import {
  joinOperations,
  type MailDelivery,
  mailsOnly,
  type OperationPlan,
  writesOnly,
} from '../delivery/delivery-plan.js';
import { type BusinessHours, businessHoursOf, effectiveHoursSpec } from '../domain/business-hours.js';
import { type CommandParse, parseOwnerCommand } from '../domain/owner-commands.js';
import { promiseEnd } from '../domain/promise-figures.js';
import { closePromise, pausePromise, waitResumeTime } from '../domain/promise-state.js';
import { replyAddressFor } from '../domain/reply-token.js';
import { resolveOwner } from '../domain/resolve-owner.js';
import { replySubject } from '../domain/thread-conversation.js';
import type { Conversation, InboundOutcome, Owner } from '../domain/types.js';
import { formatLocalDate, localDateAt } from '../domain/zoned-time.js';
import { buildCommandHelp } from '../mail/command-help.js';
import { CONTEXT_MARKERS } from '../mail/context-block.js';
import { customerFacingText } from '../mail/customer-reply.js';
import type { ParsedMail } from '../mail/mail-types.js';
import { extractReplyText } from '../mail/reply-text.js';
import { stripContextBlock } from '../mail/strip-context-block.js';
import { type HandoffFacts, HandoffRefusedError, planHandoff, readHandoff } from './hand-off-customer.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { AwayRefusedError, planAway } from './owner-cover.js';
import { planConsultAsk } from './plan-consult-ask.js';
import { type ConsultAskReading, readConsultAsk } from './read-consult-ask.js';

/** What the owner-reply path does after the command (if any) is decided. */
export type CommandEffect =
  /** The command consumed the reply: carry out `operation`, record this outcome, send nothing to the customer. */
  | { done: true; outcome: InboundOutcome; operation: OperationPlan }
  /**
   * Carry on relaying `text` to the customer (no command, or `#close`/`#uncc` with text under it), after
   * `operation`, with the conversation's Cc as `participants`.
   */
  | { done: false; text: string; operation?: OperationPlan; participants?: string[] };

/** Who sent the reply, as accepted by the owner check. */
export interface CommandSender {
  email: string;
  name: string;
  /** True when the sender is covering for the owner rather than owning the conversation. */
  asCover: boolean;
}

/** The command line of an owner's reply, read with only the quote and the context block removed. */
export function commandOf(mail: Pick<ParsedMail, 'text'>, today?: string): CommandParse {
  return parseOwnerCommand(extractReplyText(stripContextBlock(mail.text, CONTEXT_MARKERS).text), today);
}

/** The owner's business hours (their own, else the config's): a `#wait` day is read in their zone. */
function ownerHours(config: Pick<SpocConfig, 'hours'>, owners: Owner[], ownerEmail: string): BusinessHours {
  return businessHoursOf(effectiveHoursSpec(owners.find((o) => o.email === ownerEmail) ?? {}, config.hours));
}

/**
 * Reads what the command on the first line of an owner's reply needs (a handoff reads the customer's
 * conversations) and decides it with {@link planOwnerCommand}.
 */
export async function decideOwnerCommand(
  deps: InboundDeps,
  notice: InboundNotice,
  mail: ParsedMail,
  conversation: Conversation,
  sender: CommandSender,
  owners: Owner[],
): Promise<CommandEffect> {
  const zone = ownerHours(deps.config, owners, conversation.ownerEmail).timeZone;
  const parsed = commandOf(mail, formatLocalDate(localDateAt(deps.now(), zone)));
  let handoff: HandoffFacts | HandoffRefusedError | undefined;
  if (parsed.kind === 'command' && parsed.command.kind === 'handoff' && !sender.asCover) {
    const lookup = resolveOwner(owners, parsed.command.target);
    if (lookup.found && lookup.owner.email !== conversation.ownerEmail) {
      handoff = await readHandoff(deps, {
        customerEmail: conversation.customerEmail,
        toOwner: lookup.owner,
        ...(parsed.rest.trim() ? { note: parsed.rest } : {}),
        operationId: notice.inboundId,
      }).catch((error: unknown) => {
        if (error instanceof HandoffRefusedError) return error;
        throw error;
      });
    }
  }
  const ask =
    parsed.kind === 'command' && parsed.command.kind === 'ask'
      ? await readConsultAsk(deps, conversation)
      : undefined;
  return planOwnerCommand({
    config: deps.config,
    replyTokenSecret: deps.replyTokenSecret,
    now: deps.now(),
    notice,
    mail,
    conversation,
    sender,
    owners,
    parsed,
    ...(handoff ? { handoff } : {}),
    ...(ask ? { ask } : {}),
  });
}

/** What {@link planOwnerCommand} decides from. */
export interface CommandFacts {
  config: Pick<
    SpocConfig,
    'replyDomain' | 'supportName' | 'supportAddress' | 'consult' | 'hours' | 'holidays'
  >;
  replyTokenSecret: string;
  now: Date;
  notice: Pick<InboundNotice, 'inboundId' | 'rawKey'>;
  mail: ParsedMail;
  conversation: Conversation;
  sender: CommandSender;
  owners: Owner[];
  parsed: CommandParse;
  /** A handoff's facts as read (or why they could not be), when the reply hands the customer over. */
  handoff?: HandoffFacts | HandoffRefusedError;
  /** What an `#ask` read: the conversation's messages, files and earlier questions. */
  ask?: ConsultAskReading;
}

/**
 * Pure: the command on the first line of an owner's reply (`#note`, `#handoff`, `#away`, `#close`,
 * `#uncc`). A wrong command sends nothing to the customer and answers the owner with the list of
 * commands.
 *
 * The command is read from the reply with only the quote and the context block removed: the
 * customer-facing cleanup also drops lines naming owners' mailboxes, which would drop
 * `#handoff alice@…` itself. What goes to the customer is cleaned with {@link customerFacingText}.
 */
export function planOwnerCommand(facts: CommandFacts): CommandEffect {
  const { mail, conversation, sender, parsed, notice, owners } = facts;
  const replyDomain = facts.config.replyDomain;
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
  if (parsed.kind === 'none') return { done: false, text: clean(mail.text) };
  const base = {
    conversationId: conversation.id,
    customerEmail: conversation.customerEmail,
    ownerEmail: sender.email,
  };
  const refuse = (line: string, problem: string): CommandEffect => ({
    done: true,
    outcome: { status: 'rejected', reason: 'command-invalid', detail: problem, ...base },
    operation: mailsOnly(helpDelivery(facts, line, problem)),
  });
  if (parsed.kind === 'invalid') return refuse(parsed.line, parsed.problem);

  const { command, rest } = parsed;
  const now = facts.now.toISOString();
  switch (command.kind) {
    case 'note': {
      if (rest.trim() === '' && mail.attachments.length === 0) return refuse('#note', '#note needs text');
      return {
        done: true,
        outcome: { status: 'noted', reason: 'note', detail: 'recorded, sent to nobody', ...base },
        operation: writesOnly({
          kind: 'put-message',
          message: {
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
          },
        }),
      };
    }
    case 'close': {
      const operation = writesOnly(
        {
          kind: 'update-conversation',
          conversationId: conversation.id,
          change: { status: 'closed' },
          at: now,
        },
        // A closed conversation no longer counts toward its owner's load.
        { kind: 'count-open', conversationId: conversation.id },
      );
      const text = clean(rest);
      // With text below, the answer that follows keeps the promise; without, the close ends it.
      if (text !== '') return { done: false, text, operation };
      const owner = owners.find((o) => o.email === conversation.ownerEmail);
      const ended =
        conversation.promise && owner
          ? promiseEnd({
              promise: conversation.promise,
              at: facts.now,
              owner,
              defaultHours: facts.config.hours,
              holidays: facts.config.holidays,
            })
          : undefined;
      return {
        done: true,
        outcome: {
          status: 'noted',
          reason: 'closed',
          detail: 'conversation closed',
          ...base,
          ...(ended ? { promiseEnd: ended } : {}),
        },
        operation: conversation.promise
          ? joinOperations(
              operation,
              writesOnly(
                {
                  kind: 'write-promise',
                  conversationId: conversation.id,
                  slot: closePromise(conversation),
                  // The owner's command stands over whatever the sweep did meanwhile.
                  seenRev: undefined,
                  at: now,
                },
                // How the promise ended is kept where the figures read it: on a private note of the close.
                {
                  kind: 'put-message',
                  message: {
                    conversationId: conversation.id,
                    id: notice.inboundId,
                    at: now,
                    direction: 'note',
                    fromAddress: sender.email,
                    fromName: sender.name,
                    subject: replySubject(conversation.subject),
                    text: `Closed; the customer had waited since ${conversation.promise.waitingSince}.`,
                    attachments: [],
                    rawKey: notice.rawKey,
                    ...(ended ? { promiseEnd: ended } : {}),
                  },
                },
              ),
            )
          : operation,
      };
    }
    case 'wait': {
      const hours = ownerHours(facts.config, owners, conversation.ownerEmail);
      const slot = pausePromise(conversation, {
        waitUntil: command.until,
        resumeAt: waitResumeTime(command.until, hours),
        now: facts.now,
      });
      return {
        done: true,
        outcome: { status: 'noted', reason: 'note', detail: `waiting until ${command.until}`, ...base },
        operation: writesOnly(
          // The wait is kept where the owner can find it, as a private note.
          {
            kind: 'put-message',
            message: {
              conversationId: conversation.id,
              id: notice.inboundId,
              at: now,
              direction: 'note',
              fromAddress: sender.email,
              fromName: sender.name,
              subject: replySubject(conversation.subject),
              text: [`Waiting until ${command.until}.`, rest].filter(Boolean).join('\n'),
              attachments: [],
              rawKey: notice.rawKey,
            },
          },
          { kind: 'write-promise', conversationId: conversation.id, slot, seenRev: undefined, at: now },
        ),
      };
    }
    case 'handoff': {
      const line = `#handoff ${command.target}`;
      if (sender.asCover) return refuse(line, 'only the owner can hand a customer over, not their backup');
      const lookup = resolveOwner(owners, command.target);
      if (!lookup.found) {
        return refuse(
          line,
          lookup.problem === 'ambiguous'
            ? `more than one owner is called "${command.target}": use the address`
            : `no owner "${command.target}"`,
        );
      }
      if (lookup.owner.email === conversation.ownerEmail) {
        return refuse(line, 'this customer is already yours: name another owner');
      }
      if (!facts.handoff) throw new Error('a handoff is planned from its facts: read them first');
      if (facts.handoff instanceof HandoffRefusedError) return refuse(line, facts.handoff.message);
      let planned: ReturnType<typeof planHandoff>;
      try {
        planned = planHandoff(facts.handoff);
      } catch (error) {
        if (error instanceof HandoffRefusedError) return refuse(line, error.message);
        throw error;
      }
      return {
        done: true,
        outcome: {
          status: 'noted',
          reason: 'handoff',
          detail: `customer handed to ${planned.result.toOwnerEmail} (${planned.result.conversationsMoved} conversation(s) moved)`,
          ...base,
        },
        operation: planned.operation,
      };
    }
    case 'uncc': {
      const line = `#uncc ${command.address}`;
      if (!(conversation.participants ?? []).includes(command.address)) {
        return refuse(line, `${command.address} is not on the Cc of this conversation`);
      }
      const operation = writesOnly({
        kind: 'remove-participant',
        conversationId: conversation.id,
        address: command.address,
        at: now,
      });
      // The answer below (if any) is sent with this conversation's Cc: without the one just removed.
      const participants = (conversation.participants ?? []).filter((a) => a !== command.address);
      const text = clean(rest);
      if (text !== '') return { done: false, text, operation, participants };
      return {
        done: true,
        outcome: { status: 'noted', reason: 'uncc', detail: `${command.address} taken off Cc`, ...base },
        operation,
      };
    }
    case 'ask': {
      if (!facts.ask) throw new Error('an #ask is planned from what it read: read it first');
      const planned = planConsultAsk({
        config: facts.config,
        replyTokenSecret: facts.replyTokenSecret,
        now: facts.now,
        inboundId: notice.inboundId,
        mail,
        conversation,
        customer: facts.ask.customer,
        sender,
        owners,
        colleagues: command.colleagues,
        question: rest,
        messages: facts.ask.messages,
        ...(facts.ask.files ? { files: facts.ask.files } : {}),
        earlier: facts.ask.earlier,
      });
      if (!planned.asked) {
        return {
          done: true,
          outcome: { status: 'rejected', reason: 'command-invalid', detail: planned.problem, ...base },
          operation: mailsOnly(...planned.mails),
        };
      }
      return {
        done: true,
        outcome: {
          status: 'noted',
          reason: 'ask',
          detail: `asked ${planned.questions.map((q) => q.colleague.address).join(', ')}; the customer receives nothing`,
          ...base,
        },
        // Recorded first, so an answer that comes back at once finds its question.
        operation: { before: planned.writes, mails: planned.mails, after: [] },
      };
    }
    case 'away': {
      const line = `#away ${command.until} ${command.backup}`;
      if (sender.asCover) return refuse(line, 'only the owner can set their own absence');
      const self = owners.find((o) => o.email === sender.email);
      const lookup = resolveOwner(owners, command.backup);
      if (!self) return refuse(line, `${sender.email} is not an owner`);
      try {
        const { away, operation } = planAway({
          owner: self,
          until: command.until,
          backup: lookup.found ? lookup.owner : undefined,
          now: facts.now,
        });
        return {
          done: true,
          outcome: {
            status: 'noted',
            reason: 'away',
            detail: `away until ${away.until}, covered by ${away.backupEmail}`,
            ...base,
          },
          operation,
        };
      } catch (error) {
        if (error instanceof AwayRefusedError) return refuse(line, error.message);
        throw error;
      }
    }
  }
}

/** Pure: the answer to a wrong command, with the list of commands. */
function helpDelivery(facts: CommandFacts, line: string, problem: string): MailDelivery {
  const { config, notice, mail, conversation, sender } = facts;
  const replyAddress = replyAddressFor(conversation.id, facts.replyTokenSecret, config.replyDomain);
  const messageId = `<${notice.inboundId}.help@${config.replyDomain}>`;
  return {
    key: `${notice.inboundId}:command-help`,
    mail: {
      compose: buildCommandHelp({
        owner: { address: sender.email, name: sender.name },
        replyAddress,
        supportName: config.supportName,
        problem,
        line,
        subject: mail.subject,
        messageId,
        ...(mail.messageId ? { inReplyTo: mail.messageId } : {}),
      }),
      envelope: { from: replyAddress, to: [sender.email] },
      messageId,
    },
  };
}
