import { describe, expect, it } from 'vitest';
import {
  conversationIdFor,
  pickConversation,
  referencedMessageIds,
  replySubject,
  trimReferences,
} from '../../../lib/domain/thread-conversation.js';
import type { Conversation } from '../../../lib/domain/types.js';

const conversation = (id: string, customerEmail: string): Conversation => ({
  id,
  customerEmail,
  ownerEmail: 'o@x.test',
  subject: 's',
  status: 'open',
  createdAt: '',
  updatedAt: '',
  customerThread: [],
  ownerThread: [],
});

describe('threading', () => {
  it('orders references newest first, In-Reply-To before all', () => {
    expect(referencedMessageIds('<c>', ['<a>', '<b>', '<c>'])).toEqual(['<c>', '<b>', '<a>']);
    expect(referencedMessageIds(undefined, [])).toEqual([]);
  });

  it("picks the newest referenced conversation of this customer, never someone else's", () => {
    const found = new Map([
      ['<mine-old>', 'c1'],
      ['<theirs>', 'c2'],
      ['<mine-new>', 'c3'],
    ]);
    const convs = new Map([
      ['c1', conversation('c1', 'me@y.test')],
      ['c2', conversation('c2', 'them@y.test')],
      ['c3', conversation('c3', 'me@y.test')],
    ]);
    expect(pickConversation(['<theirs>', '<mine-new>', '<mine-old>'], found, convs, 'me@y.test')?.id).toBe(
      'c3',
    );
    expect(pickConversation(['<theirs>'], found, convs, 'me@y.test')).toBeUndefined();
  });

  it('derives a stable conversation id from the opening message', () => {
    expect(conversationIdFor('abc')).toBe(conversationIdFor('abc'));
    expect(conversationIdFor('abc')).not.toBe(conversationIdFor('abd'));
    expect(conversationIdFor('abc')).toMatch(/^[a-f0-9]{16}$/);
  });

  it('prefixes Re: once', () => {
    expect(replySubject('Order')).toBe('Re: Order');
    expect(replySubject('RE: Order')).toBe('RE: Order');
    expect(replySubject('AW: Bestellung')).toBe('AW: Bestellung');
    expect(replySubject('  ')).toBe('Re: your message');
  });

  it('keeps the first and newest ids when a thread grows long', () => {
    const thread = Array.from({ length: 30 }, (_, i) => `<${i}>`);
    const trimmed = trimReferences(thread);
    expect(trimmed).toHaveLength(8);
    expect(trimmed[0]).toBe('<0>');
    expect(trimmed.at(-1)).toBe('<29>');
  });
});
