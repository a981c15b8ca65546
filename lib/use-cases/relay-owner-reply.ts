import type { SpocConfig } from '../config/config-schema.js';
import { awaitAll } from '../delivery/await-all.js';
import { linkedMessageIds, visibleMessageId } from '../delivery/deliver-mail.js';
import {
  type InboundPlan,
  joinOperations,
  mailsOnly,
  type OperationPlan,
  outcomeOnly,
  type StoreWrite,
  writesOnly,
} from '../delivery/delivery-plan.js';
import { domainOf } from '../domain/mail-address.js';
import { coverSignature } from '../domain/owner-cover.js';
import { promiseEnd } from '../domain/promise-figures.js';
import { keepPromise } from '../domain/promise-state.js';
import type { ClaimedReplyToken } from '../domain/reply-token.js';
import { verifyReplyToken } from '../domain/reply-token.js';
import { checkOwnerReply, senderAuthenticated } from '../domain/route-inbound.js';
import { storedAttachments, storedText } from '../domain/stored-message.js';
import { replySubject, withConversationReference } from '../domain/thread-conversation.js';
import type { Conversation, Customer, InboundOutcome, Owner } from '../domain/types.js';
import { buildCustomerReply, readOwnerAnswer } from '../mail/customer-reply.js';
import {
  describeTraces,
  findInternalTracesInParts,
  type InternalTrace,
  isOwnRelay,
  type MailboxesSeen,
} from '../mail/internal-traces.js';
import type { ParsedMail } from '../mail/mail-types.js';
import { customerFacingHtml } from '../mail/reply-html.js';
import { type UnsentReason, unsentAnswerNotice } from '../mail/unsent-answer-notice.js';
import type { SentMailRecord, SuppressionRecord } from '../ports/support-store.js';
import { answerFormerOwner } from './answer-former-owner.js';
import { ownerByEmail } from './find-or-assign-owner.js';
import { firstResponseFor } from './first-response.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { ownerNoticeDelivery } from './notify-owner.js';
import { activeCoverEmail, rememberCover, routeToCover } from './owner-cover.js';
import { type CommandEffect, commandOf, decideOwnerCommand } from './run-owner-command.js';
import { senderEvidence } from './sender-evidence.js';
import { suppressedReplyNotice } from './suppression.js';

/** Commands whose line names other owners (by address or name): only they read the whole team. */
const TEAM_COMMANDS: ReadonlySet<string> = new Set(['handoff', 'away', 'ask']);

/**
 * Mailboxes of an answer looked up as possible owners at most (a longer list of addresses, such as a
 * pasted mailing list, has the whole team read instead).
 */
const MAX_MAILBOXES_LOOKED_UP = 40;

/**
 * Rule 3: an owner's answer, sent to a conversation's signed reply address, reaches the customer from
 * the owner's name at the support address, without the quoted forward or anything internal. Reads what
 * the answer needs and returns its plan (see {@link planOwnerAnswer}).
 *
 * An answer takes six round trips: the raw mail; the claim and the resend claim; the conversation with
 * the writer's owner record; the customer, the notes and the suppression; the answer with its stored
 * copy beside it; the outcome (with the answer's record) beside the links and both thread entries. The
 * owners are read by key: the conversation's owner and the writer; another owner only when the answer
 * names a mailbox (one more read of those, by key) or its command names a colleague (the team, listed).
 * No read grows with the team or with the conversation's mail.
 */
export async function decideOwnerAnswer(
  deps: InboundDeps,
  notice: InboundNotice,
  mail: ParsedMail,
  claim: ClaimedReplyToken,
  senderAddress: string,
): Promise<InboundPlan> {
  const { verdicts } = notice;
  // A forged token costs no lookup; a valid one reads the conversation and the writer's owner record together.
  const keyWindow = { now: deps.now(), graceDays: deps.config.replyTokens.graceDays };
  const [conversation, read]: [Conversation | undefined, Owner[]] = verifyReplyToken(
    claim,
    deps.replyTokenSecret,
    keyWindow,
  )
    ? await awaitAll([
        deps.store.getConversation(claim.conversationId),
        deps.store.getOwners([senderAddress]),
      ])
    : [undefined, []];
  const conversationOwner = conversation
    ? await ownerByEmail(deps, conversation.ownerEmail, read)
    : undefined;
  if (conversationOwner && !read.includes(conversationOwner)) read.push(conversationOwner);
  const coverEmail = activeCoverEmail(conversationOwner, deps.now());
  const sender = senderEvidence(notice, mail);
  const check = checkOwnerReply({
    claim,
    secret: deps.replyTokenSecret,
    keyWindow,
    conversation,
    senderAddress,
    verdicts,
    sender,
    ...(coverEmail ? { coverEmail } : {}),
  });
  if (!check.accepted) {
    const answered =
      conversation && check.reason === 'sender-not-owner' && senderAuthenticated(verdicts, sender)
        ? await answerFormerOwner(deps, notice, mail, conversation, senderAddress)
        : undefined;
    if (answered) return answered;
    return outcomeOnly({
      status: check.status,
      reason: check.reason,
      detail: check.detail,
      ...(conversation ? { conversationId: conversation.id, ownerEmail: conversation.ownerEmail } : {}),
    });
  }
  const accepted = check.conversation;
  const now = deps.now().toISOString();
  // A command naming a colleague (`#handoff`, `#away`, `#ask`) reads the team; nothing else does.
  const parsed = commandOf(mail);
  const needsTeam = parsed.kind === 'command' && TEAM_COMMANDS.has(parsed.command.kind);
  // Everything else the answer needs is read in one round: who the customer is, whether this is the
  // conversation's first answer (for the figures), and whether the address is suppressed.
  // The conversation's notes are what the answer is checked against before it goes (their own copies,
  // not the conversation's messages).
  const [team, customer, firstResponseSeconds, suppression, notes, questions] = await awaitAll([
    needsTeam ? deps.store.listOwners() : Promise.resolve(undefined),
    deps.store.getCustomer(accepted.customerEmail),
    firstResponseFor(deps, accepted, notice.inboundId, now),
    deps.store.getSuppression(accepted.customerEmail),
    deps.store.listNotes(accepted.id),
    // The questions to colleagues, which must not reach the customer either (their answers are notes).
    accepted.consulted ? deps.store.listConsultQuestions(accepted.id) : [],
  ]);
  const owners = team ?? read;
  const owner = await ownerByEmail(deps, accepted.ownerEmail, owners);
  if (!owner) {
    return outcomeOnly({
      status: 'rejected',
      reason: 'owner-unknown',
      detail: `owner ${accepted.ownerEmail} no longer exists`,
      conversationId: accepted.id,
    });
  }
  // While covering, the backup writes: their name goes out, their mailbox is what must not leak.
  const writer = check.asCover ? await ownerByEmail(deps, senderAddress, owners) : owner;
  if (!writer) {
    return outcomeOnly({
      status: 'rejected',
      reason: 'owner-unknown',
      detail: `no owner ${senderAddress}`,
      conversationId: accepted.id,
    });
  }
  const remembered = check.asCover
    ? rememberCover({
        known: await deps.store.getFormerOwner(accepted.id, writer.email),
        conversationId: accepted.id,
        backupEmail: writer.email,
        ownerEmail: owner.email,
        at: now,
      })
    : [];
  const returning = check.asCover ? undefined : (await routeToCover(deps, owner, owners)).returning;
  const traces = { ownerEmail: writer.email, replyDomain: deps.config.replyDomain };
  const reading = readOwnerAnswer(mail.text, traces);
  const asCover = check.asCover === true;
  const command =
    reading.insideContext.length > 0 || reading.strayMarker
      ? undefined
      : await decideOwnerCommand(
          deps,
          notice,
          mail,
          accepted,
          { email: writer.email, name: writer.name, asCover },
          uniqueOwners([...owners, owner, writer]),
        );
  const facts: OwnerAnswerFacts = {
    config: deps.config,
    now: deps.now(),
    notice,
    mail,
    token: claim,
    conversation: accepted,
    asCover,
    owner,
    writer,
    owners: uniqueOwners([...owners, owner, writer]),
    customer,
    firstResponseSeconds,
    suppression,
    notes,
    consultTexts: questions.map((q) => q.question),
    remembered,
    ...(returning ? { returning } : {}),
    ...(command ? { command } : {}),
  };
  if (team) return planOwnerAnswer(facts);
  // The answer is checked against the owners it names: the mailboxes it holds are read as owners by
  // key, and the answer decided again when one is (it is then held).
  const mailboxes: MailboxesSeen = { seen: new Set(), limit: MAX_MAILBOXES_LOOKED_UP, overflow: false };
  const planned = await planOwnerAnswer({ ...facts, mailboxes });
  if (!planned.relay) return planned;
  const known = new Set([
    ...facts.owners.map((o) => o.email),
    deps.config.supportAddress,
    accepted.customerEmail,
    ...(accepted.participants ?? []),
  ]);
  const unknown = [...mailboxes.seen].filter((address) => !known.has(address));
  if (!mailboxes.overflow && unknown.length === 0) return planned;
  const named = mailboxes.overflow ? await deps.store.listOwners() : await deps.store.getOwners(unknown);
  const more = named.filter((o) => !known.has(o.email));
  if (more.length === 0) return planned;
  return planOwnerAnswer({ ...facts, owners: uniqueOwners([...facts.owners, ...more]) });
}

/** Owners without repeats (by address), in the order given. */
function uniqueOwners(owners: readonly Owner[]): Owner[] {
  const seen = new Map<string, Owner>();
  for (const owner of owners) if (!seen.has(owner.email)) seen.set(owner.email, owner);
  return [...seen.values()];
}

/** What {@link planOwnerAnswer} decides from. */
export interface OwnerAnswerFacts {
  config: Pick<SpocConfig, 'replyDomain' | 'supportAddress' | 'supportName' | 'hours' | 'holidays'>;
  now: Date;
  notice: Pick<InboundNotice, 'inboundId' | 'rawKey' | 'receivedAt'>;
  mail: ParsedMail;
  token: ClaimedReplyToken;
  /** The conversation the answer was accepted for. */
  conversation: Conversation;
  /** The writer is the owner's backup, covering. */
  asCover: boolean;
  owner: Owner;
  writer: Owner;
  /**
   * The owners whose mailboxes the answer is checked for: at least the owner and the writer, and every
   * owner among the mailboxes the answer holds (see `decideOwnerAnswer`).
   */
  owners: Owner[];
  customer: Customer | undefined;
  firstResponseSeconds: number | undefined;
  suppression: SuppressionRecord | undefined;
  /** The conversation's internal notes, which must not reach the customer. */
  notes: string[];
  /** The questions the conversation's owners asked colleagues (`#ask`), which must not either. */
  consultTexts?: string[];
  /** Writes that remember a backup's answer (see `rememberCover`). */
  remembered: StoreWrite[];
  /** Filled with the mailboxes the check against internal text read (see `MailboxesSeen`). */
  mailboxes?: MailboxesSeen;
  /** The owner's return, when their absence ended with this answer (see `routeToCover`). */
  returning?: OperationPlan;
  /** The command on the answer's first line, as decided (absent when the answer is unsent for its context). */
  command?: CommandEffect;
}

/**
 * Decides an accepted owner answer: whatever cannot be sent whole is not sent at all and the writer gets
 * their text back; a command is carried out; an answer holding anything internal is held and its writer
 * told; else the answer goes to the customer (and the Cc) with its stored copy, and the owner is told
 * after it when the address bounced or complained before. Pure: no I/O (it is async only because the
 * HTML cleanup and the last look for internal text decode parts).
 */
export async function planOwnerAnswer(facts: OwnerAnswerFacts): Promise<InboundPlan> {
  const { config, notice, mail, conversation: accepted, owner, writer, asCover } = facts;
  const traces = { ownerEmail: writer.email, replyDomain: config.replyDomain };
  const read = readOwnerAnswer(mail.text, traces);
  // Carried out first, whatever the answer becomes.
  const remembered: OperationPlan | undefined =
    facts.remembered.length > 0 || facts.returning
      ? joinOperations(facts.returning, writesOnly(...facts.remembered))
      : undefined;
  const unsent = (reason: UnsentReason, detail: string, operation?: OperationPlan): InboundPlan =>
    outcomeOnly(
      { status: 'rejected', reason, detail, conversationId: accepted.id, ownerEmail: owner.email },
      joinOperations(
        remembered,
        operation,
        mailsOnly(
          ownerNoticeDelivery(config, writer, {
            key: `unsent:${notice.inboundId}`,
            ownerEmail: writer.email,
            ...unsentAnswerNotice({
              conversationId: accepted.id,
              subject: mail.subject,
              reason,
              written: read.written,
              insideContext: read.insideContext,
              rawKey: notice.rawKey,
            }),
          }),
        ),
      ),
    );
  if (read.insideContext.length > 0) {
    return unsent(
      'answer-in-context',
      `${read.insideContext.length} line(s) typed inside the context block; writer told`,
    );
  }
  if (read.strayMarker)
    return unsent('context-damaged', 'a context marker line is left in the answer; writer told');
  const command = facts.command ?? { done: false, text: '' };
  if (command.done) return outcomeOnly(command.outcome, joinOperations(remembered, command.operation));
  const done = command.operation;
  const text =
    asCover && command.text !== '' ? `${command.text}\n\n${coverSignature(writer, owner)}` : command.text;
  // The HTML goes only when it says what the text says: a command line or a covering line exists in the
  // text version alone, so such replies go as text.
  const html =
    mail.html !== undefined && !asCover && text === read.text
      ? await customerFacingHtml(mail.html, traces, text)
      : undefined;
  const cc = (command.participants ?? accepted.participants ?? []).map((address) => ({ address, name: '' }));
  // Our own relay attached to the answer (Outlook's "attach original", a forwarded .eml) never goes on.
  const passed = mail.attachments.filter((a) => !isOwnRelay(a, config.replyDomain));
  const leftOut = mail.attachments.filter((a) => !passed.includes(a)).map((a) => `"${a.filename}"`);
  const attachments = passed.filter((attachment) => !attachment.inline);
  if (text === '' && attachments.length === 0) {
    return unsent('empty-reply', 'nothing left after removing the quoted text; writer told', done);
  }
  const supportDomain = domainOf(config.supportAddress);
  const messageId = `<${notice.inboundId}.customer@${supportDomain}>`;
  const reply = buildCustomerReply({
    ownerName: writer.name,
    supportAddress: config.supportAddress,
    customer: { address: accepted.customerEmail, name: facts.customer?.name ?? '' },
    cc,
    subject: replySubject(accepted.subject),
    text,
    ...(html === undefined ? {} : { html }),
    attachments: passed,
    messageId,
    customerThread: withConversationReference(accepted.customerThread, accepted.id, supportDomain),
  });
  // The last look before it leaves: anything internal still in any part or attachment holds the answer.
  // The parts are what MailComposer encodes, so a large answer is not decoded again to be searched.
  const found = await findInternalTracesInParts(
    { text: reply.text, html: reply.html, attachments: reply.attachments ?? [] },
    {
      replyDomain: config.replyDomain,
      ownerAddresses: facts.owners.map((o) => o.email),
      secrets: [facts.token.signature],
      notes: facts.notes,
      consultTexts: facts.consultTexts ?? [],
      ...(facts.mailboxes ? { mailboxes: facts.mailboxes } : {}),
    },
  );
  if (found.length > 0) {
    return holdAnswer(facts, joinOperations(remembered, done), found);
  }
  // The answer keeps the promise the customer waited under (whoever wrote it: owner, backup or cover).
  const ended = accepted.promise
    ? promiseEnd({
        promise: accepted.promise,
        at: facts.now,
        owner,
        writerEmail: writer.email,
        defaultHours: config.hours,
        holidays: config.holidays,
      })
    : undefined;
  const outcome = (sent?: SentMailRecord): InboundOutcome => ({
    status: 'relayed-to-customer',
    conversationId: accepted.id,
    customerEmail: accepted.customerEmail,
    ownerEmail: owner.email,
    detail: `sent as ${sent ? visibleMessageId(sent) : '(unsent)'}${asCover ? ` by ${writer.email}, covering` : ''}${leftOut.length ? `; left out our own relay attached as ${leftOut.join(', ')}` : ''}`,
    ...(facts.firstResponseSeconds === undefined ? {} : { firstResponseSeconds: facts.firstResponseSeconds }),
    ...(ended ? { promiseEnd: ended } : {}),
  });
  const operation = joinOperations(remembered, done);
  const now = facts.now.toISOString();
  return {
    ...(operation.before.length + operation.mails.length + operation.after.length > 0 ? { operation } : {}),
    relay: {
      key: `${notice.inboundId}:customer`,
      mail: {
        compose: reply,
        envelope: {
          from: config.supportAddress,
          to: [accepted.customerEmail, ...cc.map((c) => c.address)],
        },
        messageId,
      },
      // The stored copy is bounded, so it is written while the answer is sent.
      beside: [
        {
          kind: 'put-message',
          message: {
            conversationId: accepted.id,
            id: notice.inboundId,
            // From the mail, not the clock: a retry must write the same item, and replies keep their order.
            at: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : notice.receivedAt,
            direction: 'to-customer',
            fromAddress: writer.email,
            fromName: writer.name,
            subject: replySubject(accepted.subject),
            text: storedText(text, notice.rawKey),
            rfcMessageId: messageId,
            attachments: storedAttachments(attachments),
            rawKey: notice.rawKey,
            ...(ended ? { promiseEnd: ended } : {}),
          },
        },
      ],
      afterSend: (relayed) => [
        { kind: 'link-message-ids', messageIds: linkedMessageIds(relayed), conversationId: accepted.id },
        // Both threads in one write. The next relay answers the owner's own reply, so the owner's
        // client nests it under that.
        {
          kind: 'record-threads',
          conversationId: accepted.id,
          add: {
            customerThread: visibleMessageId(relayed),
            ...(mail.messageId ? { ownerThread: mail.messageId } : {}),
            firstAnswer: { id: notice.inboundId, at: now, seconds: facts.firstResponseSeconds },
            ...(accepted.promise ? { promise: keepPromise(accepted) } : {}),
          },
          at: now,
          seen: { customerThread: accepted.customerThread, ownerThread: accepted.ownerThread },
        },
      ],
    },
    // The owner is told of a suppressed address after the answer, so the outcome waits for that.
    ...(facts.suppression
      ? {
          followUps: [
            ownerNoticeDelivery(
              config,
              owner,
              suppressedReplyNotice(
                {
                  conversationId: accepted.id,
                  customerEmail: accepted.customerEmail,
                  ownerEmail: owner.email,
                },
                facts.suppression,
              ),
            ),
          ],
        }
      : {}),
    outcome,
  };
}

/**
 * An answer that would carry something internal to the customer is held, never sent: the outcome says
 * what was found where, and the owner who wrote it is told once (per inbound mail), with the same list.
 */
function holdAnswer(facts: OwnerAnswerFacts, operation: OperationPlan, found: InternalTrace[]): InboundPlan {
  const { notice, mail, conversation, owner, writer } = facts;
  const conversationId = conversation.id;
  const what = describeTraces(found);
  const told = ownerNoticeDelivery(facts.config, writer, {
    key: `owner-side:${notice.inboundId}:internal-trace`,
    ownerEmail: writer.email,
    subject: `Held: your answer in conversation ${conversationId} still holds internal text`,
    paragraphs: [
      `Your answer "${mail.subject}" in conversation ${conversationId} was not sent to the customer: it still holds text that must stay internal.`,
      `Found: ${what}.`,
      'Write the answer again without it (reply to the last mail of the conversation, above the quoted text, and attach no copy of a mail you received from support).',
      `Raw mail: ${notice.rawKey}.`,
    ],
  });
  return outcomeOnly(
    {
      status: 'quarantined',
      reason: 'internal-trace',
      detail: `held, not sent: ${what}; kept at ${notice.rawKey}`,
      conversationId,
      ownerEmail: owner.email,
    },
    joinOperations(operation, mailsOnly(told)),
  );
}
