import { createHash } from 'node:crypto';
import { PermanentFailureError } from '../domain/errors.js';
import { domainOf } from '../domain/mail-address.js';
import { replyAddressFor } from '../domain/reply-token.js';
import { withConversationReference } from '../domain/thread-conversation.js';
import type { Owner } from '../domain/types.js';
import { composeMail } from '../mail/compose-mail.js';
import { buildCustomerIntroduction, buildHandoffHistory } from '../mail/handoff-mails.js';
import { awaitAll } from './await-all.js';
import type { InboundDeps } from './inbound-deps.js';
import { allMessageIds, sendOnce, visibleMessageId } from './send-once.js';

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

/**
 * Moves one customer, with all their conversations, to another owner. The new owner receives the
 * history of every open conversation in one mail; the customer receives one short introduction from
 * the new owner's name; the former owner's reply tokens stop being accepted from them (a former-owner
 * record answers them with a notice instead).
 *
 * Every write is idempotent and the customer record is moved last, so a crash at any step is repaired
 * by running the same request again: conversations already moved stay moved, mails already sent (by
 * key) are not sent again, and only then does the customer point to the new owner.
 */
export async function handOffCustomer(
  deps: Pick<InboundDeps, 'store' | 'sender' | 'config' | 'replyTokenSecret' | 'now'>,
  request: HandoffRequest,
): Promise<HandoffResult> {
  const { store, config } = deps;
  const { toOwner } = request;
  const customer = await store.getCustomer(request.customerEmail);
  if (!customer) {
    throw new HandoffRefusedError(
      'customer-unknown',
      `no customer ${request.customerEmail}: check the address with \`spoc customer show <email>\``,
    );
  }
  if (!toOwner.active) {
    throw new HandoffRefusedError(
      'owner-inactive',
      `${toOwner.email} is inactive: pick an active owner (\`spoc owner list\`)`,
    );
  }
  const at = deps.now().toISOString();
  const conversations = await store.listConversations(customer.email);
  const toMove = conversations.filter((c) => c.ownerEmail !== toOwner.email);
  if (customer.ownerEmail === toOwner.email && toMove.length === 0) {
    return {
      customerEmail: customer.email,
      fromOwnerEmail: customer.ownerEmail,
      toOwnerEmail: toOwner.email,
      conversationsMoved: 0,
      openConversations: conversations.filter((c) => c.status === 'open').length,
      changed: false,
    };
  }
  for (const conversation of toMove) {
    await store.recordFormerOwner(conversation.id, conversation.ownerEmail, toOwner.email, at);
    await store.updateConversation(conversation.id, { ownerEmail: toOwner.email }, at);
  }
  const formerOwner =
    customer.ownerEmail === toOwner.email ? undefined : await store.getOwner(customer.ownerEmail);
  const formerOwnerName = formerOwner?.name ?? '';

  const open = await awaitAll(
    conversations
      .filter((c) => c.status === 'open')
      .map(async (conversation) => ({
        conversation: { ...conversation, ownerEmail: toOwner.email },
        messages: await store.listMessages(conversation.id),
        replyAddress: replyAddressFor(conversation.id, deps.replyTokenSecret, config.replyDomain),
      })),
  );
  // listConversations is newest first; the newest open one carries the introduction and the reply-to.
  const newest = open[0];
  const keyBase = `handoff:${request.operationId}:${customer.email}`;

  if (newest) {
    await store.putMessage({
      conversationId: newest.conversation.id,
      id: `handoff-${stableId(keyBase)}`,
      at,
      direction: 'note',
      fromAddress: formerOwner?.email ?? customer.ownerEmail,
      fromName: formerOwnerName || customer.ownerEmail,
      subject: newest.conversation.subject,
      text: [`Handed over to ${toOwner.name}.`, request.note?.trim() ?? ''].filter(Boolean).join('\n\n'),
      attachments: [],
    });
  }

  const historyId = `<handoff.${stableId(`${keyBase}:history`)}@${config.replyDomain}>`;
  const history = await sendOnce(deps, `${keyBase}:history`, {
    raw: await composeMail(
      buildHandoffHistory({
        customer,
        newOwner: toOwner,
        formerOwnerName,
        open,
        ...(request.note?.trim() ? { note: request.note } : {}),
        supportName: config.supportName,
        supportAddress: config.supportAddress,
        messageId: historyId,
      }),
    ),
    envelope: { from: newest?.replyAddress ?? config.supportAddress, to: [toOwner.email] },
    messageId: historyId,
  });

  const introId = `<intro.${stableId(`${keyBase}:intro`)}@${domainOf(config.supportAddress)}>`;
  const intro = await sendOnce(deps, `${keyBase}:intro`, {
    raw: await composeMail(
      buildCustomerIntroduction({
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
    ),
    envelope: { from: config.supportAddress, to: [customer.email] },
    messageId: introId,
  });

  if (newest) {
    const id = newest.conversation.id;
    await store.linkMessageIds([...allMessageIds(history), ...allMessageIds(intro)], id);
    await store.appendToThread(id, 'ownerThread', [visibleMessageId(history)], at);
    await store.appendToThread(id, 'customerThread', [visibleMessageId(intro)], at);
  }
  if (customer.ownerEmail !== toOwner.email) await store.updateCustomerOwner(customer.email, toOwner.email);
  return {
    customerEmail: customer.email,
    fromOwnerEmail: customer.ownerEmail,
    toOwnerEmail: toOwner.email,
    conversationsMoved: toMove.length,
    openConversations: open.length,
    changed: true,
  };
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
