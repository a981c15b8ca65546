import { describe, expect, it } from 'vitest';
import {
  type HandoffFacts,
  HandoffRefusedError,
  planHandoff,
} from '../../../lib/use-cases/hand-off-customer.js';
import { AwayRefusedError, planAway, planReturn, rememberCover } from '../../../lib/use-cases/owner-cover.js';
import { ALICE, BOB, CONFIG, conversation, JANE, NOW, SECRET, sent } from './fixtures.js';

function handoff(overrides: Partial<HandoffFacts> = {}): HandoffFacts {
  const open = conversation({ id: 'c-2' });
  return {
    request: { customerEmail: JANE.email, toOwner: BOB, note: 'Please take over.', operationId: 'op-1' },
    customer: JANE,
    conversations: [open, conversation({ id: 'c-1', status: 'closed' })],
    messages: new Map([['c-2', []]]),
    formerOwner: ALICE,
    now: NOW,
    config: CONFIG,
    replyTokenSecret: SECRET,
    ...overrides,
  };
}

describe('planHandoff (pure)', () => {
  it('moves every conversation, notes it, sends the history and the introduction, and moves the customer last', () => {
    const { result, operation } = planHandoff(handoff());
    expect(result).toMatchObject({ conversationsMoved: 2, openConversations: 1, changed: true });
    expect(operation.before.map((w) => w.kind)).toEqual([
      'record-former-owner',
      'update-conversation',
      'record-former-owner',
      'update-conversation',
      'put-message',
    ]);
    expect(operation.mails.map((m) => [m.key, m.mail.envelope.to])).toEqual([
      ['handoff:op-1:jane@customer.test:history', [BOB.email]],
      ['handoff:op-1:jane@customer.test:intro', [JANE.email]],
    ]);
    // Each mail is threaded into the newest open conversation once it went out.
    const [history, intro] = operation.mails;
    const historySent = sent('h', '<h@x>');
    expect(history?.afterSend?.(historySent)).toMatchObject([
      { kind: 'link-message-ids', conversationId: 'c-2' },
      { kind: 'append-to-thread', thread: 'ownerThread', messageIds: [historySent.providerMessageId] },
    ]);
    expect(intro?.afterSend?.(sent('i', '<i@x>'))).toMatchObject([{}, { thread: 'customerThread' }]);
    expect(operation.after).toEqual([
      { kind: 'update-customer-owner', email: JANE.email, ownerEmail: BOB.email },
    ]);
  });

  it('does nothing for a customer who belongs to the new owner already', () => {
    const { result, operation } = planHandoff(
      handoff({
        customer: { ...JANE, ownerEmail: BOB.email },
        conversations: [conversation({ ownerEmail: BOB.email })],
      }),
    );
    expect(result.changed).toBe(false);
    expect(operation).toEqual({ before: [], mails: [], after: [] });
  });

  it('refuses an inactive owner before anything is written', () => {
    expect(() =>
      planHandoff(
        handoff({
          request: { customerEmail: JANE.email, toOwner: { ...BOB, active: false }, operationId: 'op' },
        }),
      ),
    ).toThrow(HandoffRefusedError);
  });
});

describe('cover plans (pure)', () => {
  it('sets an absence with a backup, keeping the start of an absence that is extended', () => {
    const { away, operation } = planAway({ owner: ALICE, until: '2026-12-20', backup: BOB, now: NOW });
    expect(away).toEqual({ since: NOW.toISOString(), until: '2026-12-20', backupEmail: BOB.email });
    expect(operation.before).toEqual([{ kind: 'put-owner', owner: { ...ALICE, away } }]);
    const extended = planAway({
      owner: { ...ALICE, away },
      until: '2026-12-24',
      backup: BOB,
      now: new Date('2026-12-10T00:00:00Z'),
    });
    expect(extended.away.since).toBe(NOW.toISOString());
    expect(() => planAway({ owner: ALICE, until: '2026-12-20', backup: ALICE, now: NOW })).toThrow(
      AwayRefusedError,
    );
  });

  it('returns with a digest of what happened, sent before the absence is cleared; without one when nothing did', () => {
    const away = { since: '2026-12-01T00:00:00.000Z', until: '2026-12-10', backupEmail: BOB.email };
    const owner = { ...ALICE, away };
    const activity = [
      {
        conversation: conversation(),
        customer: JANE,
        messages: [
          {
            conversationId: 'c-1',
            id: 'in-9',
            at: '2026-12-02T09:00:00.000Z',
            direction: 'from-customer' as const,
            fromAddress: JANE.email,
            fromName: 'Jane Doe',
            subject: 'Order',
            text: 'Any news?',
            attachments: [],
          },
        ],
      },
    ];
    const back = planReturn({ owner, activity, backup: BOB, now: NOW, config: CONFIG });
    expect(back.result).toMatchObject({
      conversations: 1,
      messages: 1,
      returnedOn: '2026-12-04',
      digestSent: true,
    });
    expect(back.operation.mails.map((m) => [m.key, m.mail.envelope.to])).toEqual([
      [`away-digest:${ALICE.email}:${away.since}`, [ALICE.email]],
    ]);
    expect(back.operation.after).toEqual([{ kind: 'put-owner', owner: ALICE }]);
    const quiet = planReturn({ owner, activity: [], backup: undefined, now: NOW, config: CONFIG });
    expect(quiet.result.digestSent).toBe(false);
    expect(quiet.operation.mails).toEqual([]);
    expect(quiet.operation.after).toEqual([{ kind: 'put-owner', owner: ALICE }]);
  });

  it('remembers a backup who answered once', () => {
    const input = {
      conversationId: 'c-1',
      backupEmail: BOB.email,
      ownerEmail: ALICE.email,
      at: NOW.toISOString(),
    };
    expect(rememberCover({ ...input, known: undefined })).toEqual([
      {
        kind: 'record-former-owner',
        conversationId: 'c-1',
        ownerEmail: BOB.email,
        successorEmail: ALICE.email,
        at: input.at,
      },
    ]);
    expect(
      rememberCover({
        ...input,
        known: { conversationId: 'c-1', ownerEmail: BOB.email, successorEmail: ALICE.email, at: '' },
      }),
    ).toEqual([]);
  });
});
