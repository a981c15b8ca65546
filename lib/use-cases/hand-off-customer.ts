import { createHash } from 'node:crypto';
import type { SpocConfig } from '../config/config-schema.js';
import { awaitAll } from '../delivery/await-all.js';
import { linkedMessageIds, visibleMessageId } from '../delivery/deliver-mail.js';
import { deliverOperation } from '../delivery/deliver-operation.js';
import type { MailDelivery, OperationPlan, StoreWrite } from '../delivery/delivery-plan.js';
import type { ConsultQuestion } from '../domain/consult-round.js';
import { PermanentFailureError } from '../domain/errors.js';
import { domainOf } from '../domain/mail-address.js';
import { replyAddressFor } from '../domain/reply-token.js';
import { withConversationReference } from '../domain/thread-conversation.js';
import type { Conversation, ConversationMessage, Customer, Owner } from '../domain/types.js';
import { buildCustomerIntroduction, buildHandoffHistory } from '../mail/handoff-mails.js';
import type { SentMailRecord } from '../ports/support-store.js';
import type { InboundDeps } from './inbound-deps.js';

/** A handoff that cannot happen as asked (unknown customer, inactive owner); retrying will not help. */
export class HandoffRefusedError extends PermanentFailureError {
  override readonly name = 'HandoffRefusedError';
}

/** One customer to move. */
export interface HandoffRequest {
  customerEmail: string;
  toOwner: Owner;
  /** Text the former owner wrote with the handoff, shown to the new owner. */
  note?: string;
  /**
   * Names this handoff in the keys of the mails it sends: running the same operation again (a retry)
   * sends nothing twice. The mail path passes the inbound id; the CLI passes the target and the day.
   */
  operationId: string;
}

/** What a handoff did. */
export interface HandoffResult {
  customerEmail: string;
  fromOwnerEmail: string;
  toOwnerEmail: string;
  conversationsMoved: number;
  openConversations: number;
  /** False when the customer already belonged to the new owner and nothing had to move. */
  changed: boolean;
}

function stableId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 24);
}

/** What a handoff is decided from, as read. */
export interface HandoffFacts {
  request: HandoffRequest;
  customer: Customer;
  /** The customer's conversations, newest first, with the messages of the open ones. */
  conversations: Conversation[];
  messages: Map<string, ConversationMessage[]>;
  /** The consult rounds of the open ones, which the new owner's history lists. */
  questions?: Map<string, ConsultQuestion[]>;
  /** The customer's owner before the handoff, when it is someone else. */
  formerOwner: Owner | undefined;
  now: Date;
  config: Pick<SpocConfig, 'replyDomain' | 'supportName' | 'supportAddress'>;
  replyTokenSecret: string;
}

/** Reads what a handoff needs. Throws {@link HandoffRefusedError} for an unknown customer. */
export async function readHandoff(
  deps: Pick<InboundDeps, 'store' | 'config' | 'replyTokenSecret' | 'now'>,
  request: HandoffRequest,
): Promise<HandoffFacts> {
  const { store } = deps;
  const customer = await store.getCustomer(request.customerEmail);
  if (!customer) {
    throw new HandoffRefusedError(
      'customer-unknown',
      `no customer ${request.customerEmail}: check the address with \`spoc customer show <email>\``,
    );
  }
  const conversations = await store.listConversations(customer.email);
  const moves = customer.ownerEmail !== request.toOwner.email;
  const [formerOwner, ...listed] = await awaitAll([
    moves ? store.getOwner(customer.ownerEmail) : undefined,
    ...conversations
      .filter((c) => c.status === 'open')
      .map(
        async (c) =>
          [c.id, ...(await awaitAll([store.listMessages(c.id), store.listConsultQuestions(c.id)]))] as const,
      ),
  ]);
  const read = listed as Array<readonly [string, ConversationMessage[], ConsultQuestion[]]>;
  return {
    request,
    customer,
    conversations,
    messages: new Map(read.map(([id, messages]) => [id, messages])),
    questions: new Map(read.map(([id, , questions]) => [id, questions])),
    formerOwner: formerOwner as Owner | undefined,
    now: deps.now(),
    config: deps.config,
    replyTokenSecret: deps.replyTokenSecret,
  };
}

/**
 * Pure: moving one customer, with all their conversations, to another owner. The new owner receives the
 * history of every open conversation in one mail; the customer receives one short introduction from
 * the new owner's name; the former owner's reply tokens stop being accepted from them (a former-owner
 * record answers them with a notice instead).
 *
 * Every write is idempotent and the customer record is moved last, so a crash at any step is repaired
 * by carrying out the same request again: conversations already moved stay moved, mails already sent
 * (by key) are not sent again, and only then does the customer point to the new owner. Throws
 * {@link HandoffRefusedError} for an inactive owner.
 */
export function planHandoff(facts: HandoffFacts): { result: HandoffResult; operation: OperationPlan } {
  const { request, customer, conversations, config } = facts;
  const { toOwner } = request;
  if (!toOwner.active) {
    throw new HandoffRefusedError(
      'owner-inactive',
      `${toOwner.email} is inactive: pick an active owner (\`spoc owner list\`)`,
    );
  }
  const at = facts.now.toISOString();
  const toMove = conversations.filter((c) => c.ownerEmail !== toOwner.email);
  const result = {
    customerEmail: customer.email,
    fromOwnerEmail: customer.ownerEmail,
    toOwnerEmail: toOwner.email,
    conversationsMoved: toMove.length,
    openConversations: conversations.filter((c) => c.status === 'open').length,
    changed: true,
  };
  if (customer.ownerEmail === toOwner.email && toMove.length === 0) {
    return { result: { ...result, changed: false }, operation: { before: [], mails: [], after: [] } };
  }
  const before: StoreWrite[] = toMove.flatMap((conversation): StoreWrite[] => [
    {
      kind: 'record-former-owner',
      conversationId: conversation.id,
      ownerEmail: conversation.ownerEmail,
      successorEmail: toOwner.email,
      at,
    },
    {
      kind: 'update-conversation',
      conversationId: conversation.id,
      change: { ownerEmail: toOwner.email },
      at,
    },
    // An open conversation leaves the former owner's load for the new owner's.
    ...(conversation.status === 'open'
      ? [{ kind: 'count-open' as const, conversationId: conversation.id, ownerEmail: toOwner.email }]
      : []),
  ]);
  const formerOwner = customer.ownerEmail === toOwner.email ? undefined : facts.formerOwner;
  const formerOwnerName = formerOwner?.name ?? '';
  const open = conversations
    .filter((c) => c.status === 'open')
    .map((conversation) => ({
      conversation: { ...conversation, ownerEmail: toOwner.email },
      messages: facts.messages.get(conversation.id) ?? [],
      questions: facts.questions?.get(conversation.id) ?? [],
      replyAddress: replyAddressFor(conversation.id, facts.replyTokenSecret, config.replyDomain),
    }));
  // listConversations is newest first; the newest open one carries the introduction and the reply-to.
  const newest = open[0];
  const keyBase = `handoff:${request.operationId}:${customer.email}`;
  if (newest) {
    before.push({
      kind: 'put-message',
      message: {
        conversationId: newest.conversation.id,
        id: `handoff-${stableId(keyBase)}`,
        at,
        direction: 'note',
        fromAddress: formerOwner?.email ?? customer.ownerEmail,
        fromName: formerOwnerName || customer.ownerEmail,
        subject: newest.conversation.subject,
        text: [`Handed over to ${toOwner.name}.`, request.note?.trim() ?? ''].filter(Boolean).join('\n\n'),
        attachments: [],
      },
    });
  }
  // Once sent, each mail is linked and threaded into the newest open conversation.
  const threadInto =
    (thread: 'ownerThread' | 'customerThread') =>
    (sent: SentMailRecord): StoreWrite[] =>
      newest
        ? [
            {
              kind: 'link-message-ids',
              messageIds: linkedMessageIds(sent),
              conversationId: newest.conversation.id,
            },
            {
              kind: 'append-to-thread',
              conversationId: newest.conversation.id,
              thread,
              messageIds: [visibleMessageId(sent)],
              at,
            },
          ]
        : [];
  const historyId = `<handoff.${stableId(`${keyBase}:history`)}@${config.replyDomain}>`;
  const history: MailDelivery = {
    key: `${keyBase}:history`,
    mail: {
      compose: buildHandoffHistory({
        customer,
        newOwner: toOwner,
        formerOwnerName,
        open,
        ...(request.note?.trim() ? { note: request.note } : {}),
        supportName: config.supportName,
        supportAddress: config.supportAddress,
        messageId: historyId,
      }),
      envelope: { from: newest?.replyAddress ?? config.supportAddress, to: [toOwner.email] },
      messageId: historyId,
    },
    afterSend: threadInto('ownerThread'),
  };
  const introId = `<intro.${stableId(`${keyBase}:intro`)}@${domainOf(config.supportAddress)}>`;
  const intro: MailDelivery = {
    key: `${keyBase}:intro`,
    mail: {
      compose: buildCustomerIntroduction({
        customer,
        newOwner: toOwner,
        formerOwnerName,
        supportName: config.supportName,
        supportAddress: config.supportAddress,
        ...(newest
          ? {
              thread: {
                subject: newest.conversation.subject,
                customerThread: withConversationReference(
                  newest.conversation.customerThread,
                  newest.conversation.id,
                  domainOf(config.supportAddress),
                ),
              },
            }
          : {}),
        messageId: introId,
      }),
      envelope: { from: config.supportAddress, to: [customer.email] },
      messageId: introId,
    },
    afterSend: threadInto('customerThread'),
  };
  const after: StoreWrite[] =
    customer.ownerEmail === toOwner.email
      ? []
      : [{ kind: 'update-customer-owner', email: customer.email, ownerEmail: toOwner.email }];
  return {
    result: { ...result, openConversations: open.length },
    operation: { before, mails: [history, intro], after },
  };
}

/**
 * Moves one customer, with all their conversations, to another owner: reads, plans (see
 * {@link planHandoff}) and carries the plan out through the delivery module.
 */
export async function handOffCustomer(
  deps: Pick<InboundDeps, 'store' | 'sender' | 'config' | 'replyTokenSecret' | 'now'>,
  request: HandoffRequest,
): Promise<HandoffResult> {
  const { result, operation } = planHandoff(await readHandoff(deps, request));
  await deliverOperation(deps, operation);
  return result;
}

/**
 * Moves every customer of one owner to another (an owner leaving, or a reorganisation), one customer
 * at a time with {@link handOffCustomer}.
 */
export async function handOffAllCustomers(
  deps: Pick<InboundDeps, 'store' | 'sender' | 'config' | 'replyTokenSecret' | 'now'>,
  fromOwnerEmail: string,
  toOwner: Owner,
  operationId: string,
  onProgress?: (done: number, total: number) => void,
): Promise<HandoffResult[]> {
  const customers = await deps.store.listCustomers(fromOwnerEmail);
  const results: HandoffResult[] = [];
  for (const customer of customers) {
    results.push(await handOffCustomer(deps, { customerEmail: customer.email, toOwner, operationId }));
    onProgress?.(results.length, customers.length);
  }
  return results;
}
