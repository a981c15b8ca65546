import type { SpocConfig } from '../config/config-schema.js';
import { awaitAll } from '../delivery/await-all.js';
import { visibleMessageId } from '../delivery/deliver-mail.js';
import {
  type InboundPlan,
  joinOperations,
  mailsOnly,
  outcomeOnly,
  type StoreWrite,
  writesOnly,
} from '../delivery/delivery-plan.js';
import { openQuestionLines } from '../domain/consult-round.js';
import { customerTrust } from '../domain/customer-trust.js';
import { domainOf } from '../domain/mail-address.js';
import { admitParticipants, newParticipants } from '../domain/participants.js';
import { openPromise, type PromiseSlot } from '../domain/promise-state.js';
import { replyAddressFor } from '../domain/reply-token.js';
import { promiseTimes } from '../domain/response-promise.js';
import { storedAttachments, storedSubject, storedText } from '../domain/stored-message.js';
import {
  conversationIdFor,
  conversationIdOfReference,
  pickConversation,
  referencedMessageIds,
} from '../domain/thread-conversation.js';
import type { Conversation, Customer, InboundOutcome, Owner } from '../domain/types.js';
import { automaticAddresses } from '../mail/automatic-addresses.js';
import type { ParsedMail } from '../mail/mail-types.js';
import { buildOwnerRelay } from '../mail/owner-relay.js';
import type { InboundRecord, SenderCount, SentMailRecord } from '../ports/support-store.js';
import { findOrAssignOwner } from './find-or-assign-owner.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { readOwnerNotice } from './notify-owner.js';
import { type CoverRoute, routeToCover } from './owner-cover.js';
import { loopWindowOf, screenCustomerSide } from './screen-customer-side.js';
import { refuseCustomerMail, resentOutcome, type Screened } from './screen-inbound.js';
import { firstContactDelivery } from './send-first-contact.js';
import { mayMailAutomatically } from './suppression.js';

/** Options of {@link decideCustomerMail}. */
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
 * read), beside the sender's owner record (an owner writing to the support address). The owner the mail
 * goes to is read by key in a second round, beside the conversations found through links alone (a mail
 * that does not answer one of ours). No read lists the team: a mail costs the same with 2 owners as
 * with 2,000.
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
  const [found, senders] = await awaitAll([
    deps.store.lookUp({
      customerEmails: [customerEmail],
      messageIds: referenced.filter((id) => !named.has(id)),
      conversationIds: [...named.values()],
    }),
    deps.store.getOwners([customerEmail]),
  ]);
  const owners = new Map(senders.map((owner) => [owner.email, owner]));
  const customer = found.customers.get(customerEmail) ?? null;
  const conversationOf = new Map(named);
  for (const [id, link] of found.links) conversationOf.set(id, link.conversationId);
  const unread = [...new Set(conversationOf.values())].filter((id) => !found.conversations.has(id));
  // The customer's owner is read beside the conversations still unread.
  const [more, customerOwners] = await awaitAll([
    unread.length > 0 ? deps.store.lookUp({ conversationIds: unread }) : Promise.resolve(undefined),
    customer && !owners.has(customer.ownerEmail)
      ? deps.store.getOwners([customer.ownerEmail])
      : Promise.resolve([]),
  ]);
  for (const [id, conversation] of more?.conversations ?? []) found.conversations.set(id, conversation);
  for (const owner of customerOwners) owners.set(owner.email, owner);
  const thread = pickConversation(referenced, conversationOf, found.conversations, customerEmail);
  // Someone on the conversation's Cc writes: the mail goes to the conversation's owner.
  if (thread && !owners.has(thread.ownerEmail)) {
    for (const owner of await deps.store.getOwners([thread.ownerEmail])) owners.set(owner.email, owner);
  }
  return {
    thread,
    customer,
    ownLink: mail.messageId ? found.links.get(mail.messageId) : undefined,
    /** The owners read for this mail: the sender (when an owner) and the owner it goes to; not the team. */
    owners: [...owners.values()],
  };
}

/**
 * Rule 2: a customer's mail goes to their one owner, in the conversation it continues (or a new one),
 * with the context block and the conversation's signed reply address. Reads what the relay needs and
 * returns its plan (see {@link planCustomerRelay}); the delivery module carries it out.
 *
 * The read phase makes the writes that decide something and return the winner: the hourly count (with
 * the resend claim), a new customer's record and the assignment counter. A reply takes four round
 * trips: the raw mail; the claim, the count and the lookups together; the relay with the message
 * stored beside it; the outcome (with the relay's record) beside both thread entries.
 */
export async function decideCustomerMail(
  deps: InboundDeps,
  notice: InboundNotice,
  mail: ParsedMail,
  customerEmail: string,
  customerName: string,
  claim: Promise<InboundRecord>,
  options: RelayCustomerOptions = {},
): Promise<InboundPlan> {
  const [looked, , count] = await awaitAll([
    options.looked ?? lookUpMail(deps, mail, customerEmail),
    claim,
    options.screen,
  ]);
  const { thread, ownLink, owners } = looked;
  const writer = writerOf(thread, customerEmail, customerName);
  // A client resending a mail after its hour: the Message-ID was stored with the first copy.
  if (ownLink?.inboundId && ownLink.inboundId !== notice.inboundId && ownLink.sender === customerEmail) {
    return outcomeOnly(resentOutcome(ownLink.messageId, customerEmail, ownLink.inboundId));
  }
  if (count) {
    const refused = refuseCustomerMail(
      deps,
      notice,
      mail,
      customerEmail,
      count,
      looked.customer ?? undefined,
    );
    if (refused) return screenedPlan(deps, refused);
  }
  const trust = customerTrust(notice.verdicts);
  const held = await screenCustomerSide(deps, notice, customerEmail, looked, Boolean(writer));
  if (held) return screenedPlan(deps, held);
  const assigned = writer
    ? await findOrAssignOwner(deps, thread?.customerEmail ?? customerEmail, '', undefined, { owners })
    : await findOrAssignOwner(
        deps,
        customerEmail,
        trust === 'verified' ? customerName : '',
        notice.inboundId,
        { customer: looked.customer, owners },
      );
  // The owner's context block names the questions to colleagues still open in the conversation. The
  // people the mail would add to the conversation are read as owners by key: an owner never joins its Cc.
  const [cover, questions, named] = await awaitAll([
    routeToCover(deps, assigned.owner, owners),
    thread?.consulted ? deps.store.listConsultQuestions(thread.id) : Promise.resolve([]),
    trust === 'verified'
      ? deps.store.getOwners(
          participantsAdded(
            deps.config,
            thread ?? newConversationOf(customerEmail),
            mail,
            customerEmail,
            owners,
            notice,
          ),
        )
      : Promise.resolve([]),
  ]);
  // An address that did not authenticate may not be its owner: it gets nothing from our address.
  const greets =
    !writer &&
    assigned.customer.firstInboundId === notice.inboundId &&
    trust === 'verified' &&
    deps.config.firstContact.enabled;
  const mayGreet = greets && (await mayMailAutomatically(deps, customerEmail));
  return planCustomerRelay({
    config: deps.config,
    replyTokenSecret: deps.replyTokenSecret,
    now: deps.now(),
    notice,
    mail,
    customerEmail,
    customerName,
    thread,
    owners: [...owners, assigned.owner, cover.recipient, ...named],
    assigned,
    cover,
    mayGreet,
    openQuestions: openQuestionLines(questions),
    ...(options.describe ? { describe: options.describe } : {}),
  });
}

/** A held mail's plan: the screen's writes, then its notice (read: the owner, and whether it went before). */
async function screenedPlan(deps: InboundDeps, screened: Screened): Promise<InboundPlan> {
  const told = screened.notice ? await readOwnerNotice(deps, screened.notice) : undefined;
  const operation = joinOperations(
    writesOnly(...(screened.writes ?? [])),
    told ? mailsOnly(told) : undefined,
  );
  const empty = operation.before.length + operation.mails.length === 0;
  return outcomeOnly(screened.outcome, empty ? undefined : operation);
}

/** Someone the customer put on Cc writes in the customer's conversation: they are its writer. */
function writerOf(
  thread: Conversation | undefined,
  customerEmail: string,
  customerName: string,
): { address: string; name: string } | undefined {
  // It goes to the customer's owner, and the writer does not become a customer of their own.
  return thread && thread.customerEmail !== customerEmail
    ? { address: customerEmail, name: customerName }
    : undefined;
}

/** What {@link planCustomerRelay} decides from. */
export interface CustomerRelayFacts {
  config: Pick<
    SpocConfig,
    | 'replyDomain'
    | 'supportAddress'
    | 'supportName'
    | 'firstContact'
    | 'hours'
    | 'holidays'
    | 'promise'
    | 'limits'
  >;
  replyTokenSecret: string;
  now: Date;
  notice: InboundNotice;
  mail: ParsedMail;
  customerEmail: string;
  customerName: string;
  /** The conversation the mail continues, if any. */
  thread: Conversation | undefined;
  /**
   * The owners read for this mail, at least every owner among the people it would add to the
   * conversation (see `participantsAdded`): none of them joins the conversation's Cc.
   */
  owners: Owner[];
  /** The customer and their owner, as found or assigned. */
  assigned: { customer: Customer; owner: Owner; openCountTaken?: boolean };
  /** Who receives the owner's mail now (a backup while the owner is away). */
  cover: CoverRoute;
  /** A new, authenticated customer whose address may be mailed: the greeting follows the relay. */
  mayGreet: boolean;
  /** Questions to colleagues still open in the conversation, one line each, for the context block. */
  openQuestions?: string[];
  describe?: (outcome: InboundOutcome) => InboundOutcome;
}

/**
 * Pure: the relay of a customer's mail to their owner (or the owner's backup), the writes that store
 * the message beside it and thread it after it, the greeting of a new customer, and the outcome.
 */
export function planCustomerRelay(facts: CustomerRelayFacts): InboundPlan {
  const { notice, mail, customerEmail, customerName, thread, owners, assigned, config } = facts;
  const now = facts.now.toISOString();
  const writer = writerOf(thread, customerEmail, customerName);
  const trust = customerTrust(notice.verdicts);
  const { owner } = assigned;
  // A customer whose first mail had no display name gets one from a later (authenticated) mail.
  const fillsName = !writer && trust === 'verified' && customerName !== '' && !assigned.customer.name;
  const customer = fillsName ? { ...assigned.customer, name: customerName } : assigned.customer;
  const { recipient, coveringFor } = facts.cover;
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
  const promise = waitingPromise(facts, conversation);

  // Only mail whose sender authenticated changes who is on the conversation.
  const candidates =
    trust === 'verified' ? participantsAdded(config, conversation, mail, customerEmail, owners, notice) : [];
  const { added, refused } = admitParticipants(conversation.participants ?? [], candidates);
  const participants = [...(conversation.participants ?? []), ...added];
  // A new conversation is created with them; an existing one records them on their own.
  const created: Conversation | undefined = thread
    ? undefined
    : { ...conversation, ...(added.length > 0 ? { participants } : {}) };
  const before: StoreWrite[] = [
    ...(fillsName ? [{ kind: 'fill-customer-name' as const, email: customerEmail, name: customerName }] : []),
    ...(thread && added.length > 0
      ? [{ kind: 'add-participants' as const, conversationId: conversation.id, addresses: added, at: now }]
      : []),
  ];
  const { replyDomain, supportAddress, supportName } = config;
  const replyAddress = replyAddressFor(conversation.id, facts.replyTokenSecret, replyDomain);
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
      ...(facts.openQuestions?.length ? { openQuestions: facts.openQuestions } : {}),
    },
    supportName,
    replyAddress,
    owner: { address: recipient.email, name: recipient.name },
    messageId,
    ownerThread: conversation.ownerThread,
    subject: conversation.subject,
    ...(writer ? { writer } : {}),
  });
  const describe = facts.describe ?? ((outcome: InboundOutcome) => outcome);
  const outcome = (sent?: SentMailRecord): InboundOutcome =>
    describe({
      status: 'relayed-to-owner',
      conversationId: conversation.id,
      customerEmail: conversation.customerEmail,
      ownerEmail: owner.email,
      detail: `sent as ${sent ? visibleMessageId(sent) : '(unsent)'}${coveringFor ? ` to ${recipient.email}, covering` : ''}`,
    });
  // The stored copy is bounded (see STORED_LIMITS), so it cannot fail for its size: it is written while
  // the relay is sent, and the outcome (and a new conversation's threads) only once it is stored.
  const beside: StoreWrite[] = [
    ...(created ? [{ kind: 'create-conversation' as const, conversation: created }] : []),
    {
      kind: 'put-message',
      message: {
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
      },
    },
    ...(mail.messageId
      ? [
          {
            kind: 'link-message-ids' as const,
            messageIds: [mail.messageId],
            conversationId: conversation.id,
            origin: { inboundId: notice.inboundId, sender: customerEmail },
          },
        ]
      : []),
  ];
  const operation = joinOperations(facts.cover.returning, writesOnly(...before));
  const operates = operation.before.length + operation.mails.length + operation.after.length > 0;
  return {
    ...(operates ? { operation } : {}),
    relay: {
      key: `${notice.inboundId}:owner`,
      mail: {
        compose: relay,
        envelope: { from: replyAddress, to: [recipient.email] },
        messageId,
        fitFrom: notice.rawKey,
      },
      beside,
      afterSend: (relayed) => [
        {
          kind: 'record-threads',
          conversationId: conversation.id,
          add: {
            ...(mail.messageId ? { customerThread: mail.messageId } : {}),
            ownerThread: visibleMessageId(relayed),
            reopen: conversation.status === 'closed',
            ...(promise ? { promise } : {}),
            // The loop screen of the next mail reads this count; like that screen, it counts the mails
            // that thread into a conversation, not the one that opens it.
            ...(thread
              ? {
                  paceWindow: loopWindowOf(
                    Date.parse(notice.receivedAt) || facts.now.getTime(),
                    config.limits.loopWindowMinutes,
                  ),
                }
              : {}),
          },
          at: now,
          seen: {
            customerThread: conversation.customerThread,
            ownerThread: conversation.ownerThread,
            paceWindow: conversation.paceWindow,
            paceCount: conversation.paceCount,
          },
        },
        // A conversation that opens (new, or reopened by this mail) counts for its owner's load.
        ...(created || conversation.status === 'closed'
          ? [
              {
                kind: 'count-open' as const,
                conversationId: conversation.id,
                ownerEmail: conversation.ownerEmail,
                ...(created && assigned.openCountTaken ? { taken: true } : {}),
              },
            ]
          : []),
      ],
    },
    // A new customer's greeting follows the relay, so the outcome waits for it; otherwise the relay's
    // record and the outcome are one write.
    ...(facts.mayGreet
      ? {
          followUps: [
            firstContactDelivery(config, { customer, owner, conversation, answering: mail, at: now }),
          ],
        }
      : {}),
    outcome,
  };
}

/**
 * The promise this mail leaves on its conversation: it waits for an answer, due after the first-response
 * time while the conversation has none yet and the follow-up time after, in the owner's business hours
 * (the owner's own, else the config's), from when it was received. `undefined` when nothing changes: a
 * promise already runs (its older mail is what the customer waits on), or this mail is on the thread
 * already (a retry after its threads were written).
 */
export function waitingPromise(
  facts: Pick<CustomerRelayFacts, 'config' | 'notice' | 'mail' | 'assigned'>,
  conversation: Conversation,
): PromiseSlot | undefined {
  const { mail, notice, config } = facts;
  if (mail.messageId && conversation.customerThread.includes(mail.messageId)) return undefined;
  const receivedAt = new Date(notice.receivedAt);
  const kind = conversation.firstAnswer ? 'follow-up' : 'first-response';
  const times = promiseTimes({
    receivedAt,
    kind,
    owner: facts.assigned.owner,
    defaultHours: config.hours,
    holidays: config.holidays,
    promise: config.promise,
  });
  const next = openPromise(conversation, { receivedAt, kind, times });
  return next === conversation ? undefined : { promise: next.promise, promiseEpoch: next.promiseEpoch };
}

/** Who of the conversation {@link participantsAdded} reads for a mail that starts one: nobody yet. */
function newConversationOf(customerEmail: string): Pick<Conversation, 'customerEmail' | 'participants'> {
  return { customerEmail, participants: [] };
}

/**
 * Reply-all: the people on `To`/`Cc` of this mail not yet on the conversation (never owners, us, or an
 * address the mail's automatic and list header fields name).
 */
function participantsAdded(
  config: Pick<SpocConfig, 'supportAddress' | 'replyDomain'>,
  conversation: Pick<Conversation, 'customerEmail' | 'participants'>,
  mail: ParsedMail,
  senderEmail: string,
  owners: readonly Owner[],
  notice: InboundNotice,
): string[] {
  return newParticipants({
    automatic: automaticAddresses(mail, notice.envelopeFrom),
    recipients: [...mail.to, ...mail.cc].map((a) => a.address),
    senderEmail,
    customerEmail: conversation.customerEmail,
    supportAddress: config.supportAddress,
    replyDomain: config.replyDomain,
    known: conversation.participants ?? [],
    ownerEmails: new Set(owners.map((o) => o.email)),
  });
}
