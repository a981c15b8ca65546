import { customerTrust } from '../domain/customer-trust.js';
import { domainOf } from '../domain/mail-address.js';
import { admitParticipants, newParticipants } from '../domain/participants.js';
import { replyAddressFor } from '../domain/reply-token.js';
import { storedAttachments, storedSubject, storedText } from '../domain/stored-message.js';
import {
  conversationIdFor,
  conversationIdOfReference,
  pickConversation,
  referencedMessageIds,
} from '../domain/thread-conversation.js';
import type { Conversation, InboundOutcome, Owner } from '../domain/types.js';
import { automaticAddresses } from '../mail/automatic-addresses.js';
import type { ParsedMail } from '../mail/mail-types.js';
import { buildOwnerRelay } from '../mail/owner-relay.js';
import type { SenderCount, SentMailRecord } from '../ports/support-store.js';
import { awaitAll } from './await-all.js';
import { findOrAssignOwner } from './find-or-assign-owner.js';
import { fitOwnerRelay } from './fit-owner-relay.js';
import { claimed, type InboundAttempt } from './inbound-attempt.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { routeToCover } from './owner-cover.js';
import { screenCustomerSide } from './screen-customer-side.js';
import { refuseCustomerMail, resentOutcome } from './screen-inbound.js';
import { sendFirstContact } from './send-first-contact.js';
import { sendInboundRelay } from './send-inbound-relay.js';
import { visibleMessageId } from './send-once.js';

/** What a customer mail's relay ended with, and whether that outcome is already recorded. */
export interface RelayResult {
  outcome: InboundOutcome;
  recorded: boolean;
}

/** Options of {@link relayCustomerMail}. */
export interface RelayCustomerOptions {
  /** The sender's count for the hour (see `countCustomerMail`), written while the lookups run. */
  screen?: Promise<SenderCount>;
  /** Rewrites the outcome before it is recorded (the oversize notice says why it was one). */
  describe?: (outcome: InboundOutcome) => InboundOutcome;
  /** The lookups, started from the notification's header fields while the raw mail was read. */
  looked?: Promise<MailLookups>;
}

/** What {@link lookUpMail} found. */
export type MailLookups = Awaited<ReturnType<typeof lookUpMail>>;

/** The mail's own Message-ID first: a retried or resent message lands where it landed before. */
export function referencedIds(mail: Pick<ParsedMail, 'messageId' | 'inReplyTo' | 'references'>): string[] {
  return [
    ...new Set([
      ...(mail.messageId ? [mail.messageId] : []),
      ...referencedMessageIds(mail.inReplyTo, mail.references),
    ]),
  ];
}

/**
 * Everything the relay reads, in one round trip for a reply: the sender's customer record, the links of
 * every referenced Message-ID and the conversations named by a conversation reference (one batched
 * read), beside the list of owners. A second read follows only for conversations found through links
 * alone (a mail that does not answer one of ours).
 */
export async function lookUpMail(
  deps: Pick<InboundDeps, 'store' | 'config'>,
  mail: Pick<ParsedMail, 'messageId' | 'inReplyTo' | 'references'>,
  customerEmail: string,
) {
  const referenced = referencedIds(mail);
  const domain = domainOf(deps.config.supportAddress);
  const named = new Map<string, string>();
  for (const id of referenced) {
    const conversationId = conversationIdOfReference(id, domain);
    if (conversationId) named.set(id, conversationId);
  }
  const [found, owners] = await awaitAll([
    deps.store.lookUp({
      customerEmails: [customerEmail],
      messageIds: referenced.filter((id) => !named.has(id)),
      conversationIds: [...named.values()],
    }),
    deps.store.listOwners(),
  ]);
  const conversationOf = new Map(named);
  for (const [id, link] of found.links) conversationOf.set(id, link.conversationId);
  const unread = [...new Set(conversationOf.values())].filter((id) => !found.conversations.has(id));
  if (unread.length > 0) {
    for (const [id, conversation] of (await deps.store.lookUp({ conversationIds: unread })).conversations) {
      found.conversations.set(id, conversation);
    }
  }
  return {
    thread: pickConversation(referenced, conversationOf, found.conversations, customerEmail),
    customer: found.customers.get(customerEmail) ?? null,
    ownLink: mail.messageId ? found.links.get(mail.messageId) : undefined,
    owners,
  };
}

/**
 * Rule 2: a customer's mail goes to their one owner, in the conversation it continues (or a new one),
 * with the context block and the conversation's signed reply address.
 *
 * A reply takes four round trips: the raw mail; the claim, the count and the lookups together; the
 * relay with the message stored beside it; the outcome (with the relay's record) beside both thread
 * entries.
 */
export async function relayCustomerMail(
  deps: InboundDeps,
  notice: InboundNotice,
  mail: ParsedMail,
  customerEmail: string,
  customerName: string,
  attempt: InboundAttempt,
  options: RelayCustomerOptions = {},
): Promise<RelayResult> {
  const now = deps.now().toISOString();
  const [looked, record, count] = await awaitAll([
    options.looked ?? lookUpMail(deps, mail, customerEmail),
    claimed(attempt),
    options.screen,
  ]);
  const { thread, ownLink, owners } = looked;
  // Someone the customer put on Cc writes in the customer's conversation: it goes to the customer's
  // owner, and the writer does not become a customer of their own.
  const writer =
    thread && thread.customerEmail !== customerEmail
      ? { address: customerEmail, name: customerName }
      : undefined;
  // A client resending a mail after its hour: the Message-ID was stored with the first copy.
  if (ownLink?.inboundId && ownLink.inboundId !== notice.inboundId && ownLink.sender === customerEmail) {
    return { outcome: resentOutcome(ownLink.messageId, customerEmail, ownLink.inboundId), recorded: false };
  }
  if (count) {
    const refused = await refuseCustomerMail(
      deps,
      notice,
      mail,
      customerEmail,
      count,
      looked.customer ?? undefined,
    );
    if (refused) return { outcome: refused, recorded: false };
  }
  const trust = customerTrust(notice.verdicts);
  const held = await screenCustomerSide(deps, notice, customerEmail, looked, Boolean(writer));
  if (held) return { outcome: held, recorded: false };
  const firstAttempt = record.attempts === 1;
  const assigned = writer
    ? await findOrAssignOwner(deps, thread?.customerEmail ?? customerEmail, '', undefined, { owners })
    : await findOrAssignOwner(
        deps,
        customerEmail,
        trust === 'verified' ? customerName : '',
        notice.inboundId,
        {
          customer: looked.customer,
          owners,
        },
      );
  const { owner } = assigned;
  // A customer whose first mail had no display name gets one from a later (authenticated) mail.
  const customer =
    !writer && trust === 'verified' && customerName && !assigned.customer.name
      ? await deps.store
          .fillCustomerName(customerEmail, customerName)
          .then(() => ({ ...assigned.customer, name: customerName }))
      : assigned.customer;
  const { recipient, coveringFor } = await routeToCover(deps, owner, owners);
  // A new conversation is created beside the relay's other writes; its id comes from the mail, so a
  // retry creates (or finds) the same one.
  const conversation: Conversation = thread ?? {
    id: conversationIdFor(notice.inboundId),
    customerEmail,
    ownerEmail: owner.email,
    subject: storedSubject(mail.subject),
    status: 'open',
    createdAt: now,
    updatedAt: now,
    customerThread: [],
    ownerThread: [],
    askedAt: notice.receivedAt,
  };

  const customerThread = mail.messageId
    ? [...conversation.customerThread.filter((id) => id !== mail.messageId), mail.messageId]
    : conversation.customerThread;

  // Only mail whose sender authenticated changes who is on the conversation.
  const candidates =
    trust === 'verified' ? participantsAdded(deps, conversation, mail, customerEmail, owners, notice) : [];
  const { added, refused } = admitParticipants(conversation.participants ?? [], candidates);
  const participants = [...(conversation.participants ?? []), ...added];
  // A new conversation is created with them; an existing one records them on their own.
  if (!thread && added.length > 0) conversation.participants = participants;
  if (thread && added.length > 0) await deps.store.addParticipants(conversation.id, added, now);
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
      // A mail without a Message-ID is not on the thread, yet it is a message of it all the same.
      messageCount:
        customerThread.length + (conversation.customerThreadDropped ?? 0) + (mail.messageId ? 0 : 1),
      ownerName: recipient.name,
      supportAddress,
      ...(coveringFor?.away
        ? { coveringFor: { ownerName: coveringFor.name, until: coveringFor.away.until } }
        : {}),
      ...(writer ? { writtenBy: `${writer.name ? `${writer.name} ` : ''}<${writer.address}>` } : {}),
      participants,
      ...(added.length > 0 ? { participantsAdded: added } : {}),
      ...(refused.length > 0 ? { participantsRefused: refused } : {}),
    },
    supportName,
    replyAddress,
    owner: { address: recipient.email, name: recipient.name },
    messageId,
    ownerThread: conversation.ownerThread,
    subject: conversation.subject,
    ...(writer ? { writer } : {}),
  });
  // A new customer's greeting follows the relay, so the outcome waits for it; otherwise the relay's
  // record and the outcome are one write.
  // An address that did not authenticate may not be its owner: it gets nothing from our address.
  const greet = !writer && customer.firstInboundId === notice.inboundId && trust === 'verified';
  const describe = options.describe ?? ((outcome: InboundOutcome) => outcome);
  const outcomeOf = (sent: SentMailRecord): InboundOutcome =>
    describe({
      status: 'relayed-to-owner',
      conversationId: conversation.id,
      customerEmail: conversation.customerEmail,
      ownerEmail: owner.email,
      detail: `sent as ${visibleMessageId(sent)}${coveringFor ? ` to ${recipient.email}, covering` : ''}`,
    });
  const outgoing = await fitOwnerRelay(deps, relay, notice.rawKey);
  // The stored copy is bounded (see STORED_LIMITS), so it cannot fail for its size: it is written while
  // the relay is sent, and the outcome (and a new conversation's threads) only once it is stored.
  const stored = Promise.all([
    ...(thread ? [] : [deps.store.createConversation(conversation)]),
    deps.store.putMessage({
      conversationId: conversation.id,
      id: notice.inboundId,
      at: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : notice.receivedAt,
      direction: 'from-customer',
      fromAddress: customerEmail,
      fromName: customerName,
      subject: storedSubject(mail.subject),
      text: storedText(mail.text, notice.rawKey),
      ...(mail.messageId ? { rfcMessageId: mail.messageId } : {}),
      attachments: storedAttachments(mail.attachments),
      rawKey: notice.rawKey,
    }),
    ...(mail.messageId
      ? [
          deps.store.linkMessageIds([mail.messageId], conversation.id, {
            inboundId: notice.inboundId,
            sender: customerEmail,
          }),
        ]
      : []),
  ]);
  const { sent, recorded } = await sendInboundRelay(
    deps,
    `${notice.inboundId}:owner`,
    { raw: outgoing, envelope: { from: replyAddress, to: [recipient.email] }, messageId },
    {
      inboundId: notice.inboundId,
      attempt,
      record,
      stored,
      outcomeOf,
      endsHere: !greet,
      afterSend: async (relayed) => {
        // A new conversation takes its first entries once it exists.
        if (!thread) await stored;
        await deps.store.recordThreads(
          conversation.id,
          {
            ...(mail.messageId ? { customerThread: mail.messageId } : {}),
            ownerThread: visibleMessageId(relayed),
            reopen: conversation.status === 'closed',
          },
          now,
          conversation,
        );
      },
    },
  );
  if (greet) {
    await sendFirstContact(deps, {
      customer,
      owner,
      conversation,
      answering: mail,
      ...(firstAttempt ? { firstAttempt } : {}),
    });
  }
  return { outcome: outcomeOf(sent), recorded };
}

/**
 * Reply-all: the people on `To`/`Cc` of this mail not yet on the conversation (never owners, us, or an
 * address the mail's automatic and list header fields name).
 */
function participantsAdded(
  deps: InboundDeps,
  conversation: Conversation,
  mail: ParsedMail,
  senderEmail: string,
  owners: Owner[],
  notice: InboundNotice,
): string[] {
  return newParticipants({
    automatic: automaticAddresses(mail, notice.envelopeFrom),
    recipients: [...mail.to, ...mail.cc].map((a) => a.address),
    senderEmail,
    customerEmail: conversation.customerEmail,
    supportAddress: deps.config.supportAddress,
    replyDomain: deps.config.replyDomain,
    known: conversation.participants ?? [],
    ownerEmails: new Set(owners.map((o) => o.email)),
  });
}
