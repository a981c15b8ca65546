import { newParticipants } from '../domain/participants.js';
import { replyAddressFor } from '../domain/reply-token.js';
import { conversationIdFor, pickConversation, referencedMessageIds } from '../domain/thread-conversation.js';
import type { Conversation, InboundOutcome } from '../domain/types.js';
import type { ParsedMail } from '../mail/mail-types.js';
import { buildOwnerRelay } from '../mail/owner-relay.js';
import { findOrAssignOwner } from './find-or-assign-owner.js';
import { fitOwnerRelay } from './fit-owner-relay.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { routeToCover } from './owner-cover.js';
import { sendFirstContact } from './send-first-contact.js';
import { allMessageIds, sendOnce, visibleMessageId } from './send-once.js';

async function findThread(
  deps: InboundDeps,
  mail: ParsedMail,
  customerEmail: string,
): Promise<Conversation | undefined> {
  // The mail's own id comes first: a retried or resent message lands where it landed before.
  const referenced = [
    ...(mail.messageId ? [mail.messageId] : []),
    ...referencedMessageIds(mail.inReplyTo, mail.references),
  ];
  if (referenced.length === 0) return undefined;
  const conversationOf = await deps.store.findConversationIds(referenced);
  const ids = [...new Set(conversationOf.values())];
  const loaded = await Promise.all(ids.map((id) => deps.store.getConversation(id)));
  const conversations = new Map(
    loaded.filter((c): c is Conversation => c !== undefined).map((c) => [c.id, c]),
  );
  return pickConversation(referenced, conversationOf, conversations, customerEmail);
}

/**
 * Rule 2: a customer's mail goes to their one owner, in the conversation it continues (or a new one),
 * with the context block and the conversation's signed reply address.
 */
export async function relayCustomerMail(
  deps: InboundDeps,
  notice: InboundNotice,
  mail: ParsedMail,
  customerEmail: string,
  customerName: string,
): Promise<InboundOutcome> {
  const now = deps.now().toISOString();
  const thread = await findThread(deps, mail, customerEmail);
  // Someone the customer put on Cc writes in the customer's conversation: it goes to the customer's
  // owner, and the writer does not become a customer of their own.
  const writer =
    thread && thread.customerEmail !== customerEmail
      ? { address: customerEmail, name: customerName }
      : undefined;
  const { customer, owner } = writer
    ? await findOrAssignOwner(deps, thread?.customerEmail ?? customerEmail, '')
    : await findOrAssignOwner(deps, customerEmail, customerName, notice.inboundId);
  const { recipient, coveringFor } = await routeToCover(deps, owner);
  const conversation =
    thread ??
    (await deps.store.createConversation({
      id: conversationIdFor(notice.inboundId),
      customerEmail,
      ownerEmail: owner.email,
      subject: mail.subject,
      status: 'open',
      createdAt: now,
      updatedAt: now,
      customerThread: [],
      ownerThread: [],
    }));

  // Storing the message, linking its id and appending it to the thread are independent and idempotent:
  // one round trip for the three. They finish before the relay is sent, so a message that cannot be
  // stored (over the item size limit) ends as a failed outcome without a relay, as before.
  const stored = Promise.all([
    ...(conversation.status === 'closed'
      ? [deps.store.updateConversation(conversation.id, { status: 'open' }, now)]
      : []),
    deps.store.putMessage({
      conversationId: conversation.id,
      id: notice.inboundId,
      at: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : notice.receivedAt,
      direction: 'from-customer',
      fromAddress: customerEmail,
      fromName: customerName,
      subject: mail.subject,
      text: mail.text,
      ...(mail.messageId ? { rfcMessageId: mail.messageId } : {}),
      attachments: mail.attachments.map(({ filename, contentType, size }) => ({
        filename,
        contentType,
        size,
      })),
      rawKey: notice.rawKey,
    }),
    ...(mail.messageId
      ? [
          deps.store.linkMessageIds([mail.messageId], conversation.id),
          deps.store.appendToThread(conversation.id, 'customerThread', [mail.messageId], now),
        ]
      : []),
  ]);
  const customerThread = mail.messageId
    ? [...conversation.customerThread.filter((id) => id !== mail.messageId), mail.messageId]
    : conversation.customerThread;

  const participants = await addParticipants(deps, conversation, mail, customerEmail, now);
  const { replyDomain, supportAddress, supportName } = deps.config;
  const replyAddress = replyAddressFor(conversation.id, deps.replyTokenSecret, replyDomain);
  const messageId = `<${notice.inboundId}.owner@${replyDomain}>`;
  const relay = buildOwnerRelay({
    mail,
    facts: {
      customerName: customer.name ?? customerName,
      customerEmail,
      customerSince: customer.since,
      conversationId: conversation.id,
      conversationOpened: conversation.createdAt,
      messageCount: customerThread.length,
      ownerName: recipient.name,
      supportAddress,
      ...(coveringFor?.away
        ? { coveringFor: { ownerName: coveringFor.name, until: coveringFor.away.until } }
        : {}),
      ...(writer ? { writtenBy: `${writer.name ? `${writer.name} ` : ''}<${writer.address}>` } : {}),
      participants,
    },
    supportName,
    replyAddress,
    owner: { address: recipient.email, name: recipient.name },
    messageId,
    ownerThread: conversation.ownerThread,
    subject: conversation.subject,
    ...(writer ? { writer } : {}),
  });
  await stored;
  const sent = await sendOnce(
    deps,
    `${notice.inboundId}:owner`,
    {
      raw: await fitOwnerRelay(deps, relay, notice.rawKey),
      envelope: { from: replyAddress, to: [recipient.email] },
      messageId,
    },
    {
      ...(notice.firstAttempt ? { firstAttempt: true } : {}),
      afterSend: (record) =>
        Promise.all([
          deps.store.linkMessageIds(allMessageIds(record), conversation.id),
          deps.store.appendToThread(conversation.id, 'ownerThread', [visibleMessageId(record)], now),
        ]),
    },
  );
  if (!writer && customer.firstInboundId === notice.inboundId) {
    await sendFirstContact(deps, { customer, owner, conversation, answering: mail });
  }
  return {
    status: 'relayed-to-owner',
    conversationId: conversation.id,
    customerEmail: conversation.customerEmail,
    ownerEmail: owner.email,
    detail: `sent as ${visibleMessageId(sent)}${coveringFor ? ` to ${recipient.email}, covering` : ''}`,
  };
}

/** Reply-all: records the new people on `To`/`Cc` of this mail and returns everyone on the conversation. */
async function addParticipants(
  deps: InboundDeps,
  conversation: Conversation,
  mail: ParsedMail,
  senderEmail: string,
  now: string,
): Promise<string[]> {
  const known = conversation.participants ?? [];
  const input = {
    recipients: [...mail.to, ...mail.cc].map((a) => a.address),
    senderEmail,
    customerEmail: conversation.customerEmail,
    supportAddress: deps.config.supportAddress,
    replyDomain: deps.config.replyDomain,
    known,
  };
  // Owners are only looked up when someone is left to check against them.
  if (newParticipants({ ...input, ownerEmails: new Set() }).length === 0) return known;
  const owners = new Set((await deps.store.listOwners()).map((o) => o.email));
  const added = newParticipants({ ...input, ownerEmails: owners });
  if (added.length > 0) await deps.store.addParticipants(conversation.id, added, now);
  return [...known, ...added];
}
