import { describe, expect, it } from 'vitest';
import { CONTEXT_MARKERS, renderContextText } from '../../../lib/mail/context-block.js';
import { readOwnerAnswer } from '../../../lib/mail/customer-reply.js';
import { stripContextBlock } from '../../../lib/mail/strip-context-block.js';
import { unsentAnswerNotice } from '../../../lib/mail/unsent-answer-notice.js';

const BLOCK = renderContextText({
  customerName: 'Jane Doe',
  customerEmail: 'jane@customer.test',
  customerSince: '2026-01-02T00:00:00Z',
  conversationId: 'c0ffee00c0ffee00',
  conversationOpened: '2026-11-20T00:00:00Z',
  messageCount: 2,
  ownerName: 'Alice Smith',
  supportAddress: 'support@example.test',
});
const TRACES = { ownerEmail: 'alice@example.test', replyDomain: 'reply.example.test' };

/** A relay as the owner's client quotes it: context block first, then the customer's text. */
function quotedRelay(customerText: string): string {
  return `${BLOCK}\n\n${customerText}`
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

function reply(above: string, relay: string, below = ''): string {
  return `${above}\n\nOn Mon, Nov 23, 2026 at 10:00 AM Jane via Support wrote:\n${relay}\n${below}`;
}

describe('stripContextBlock', () => {
  it('removes the quoted block and nothing the owner wrote', () => {
    const stripped = stripContextBlock(
      reply('Shipped today.', quotedRelay('Where is my order?')),
      CONTEXT_MARKERS,
    );
    expect(stripped.inside).toEqual([]);
    expect(stripped.text).not.toContain('Support context');
    expect(stripped.text).not.toContain('Customer: Jane');
    expect(stripped.text).toContain('> Where is my order?');
  });

  it('reports what the owner typed inside the quoted block instead of dropping it', () => {
    const relay = quotedRelay('Where is my order?').replace(
      '> Customer: ',
      'Your parcel left on Monday.\n> Customer: ',
    );
    const stripped = stripContextBlock(reply('', relay), CONTEXT_MARKERS);
    expect(stripped.inside).toEqual(['Your parcel left on Monday.']);
    expect(stripped.text).not.toContain('parcel');
  });

  it("keeps the owner's answer below a start line the customer planted in their mail", () => {
    const planted = quotedRelay(`Where is my order?\n${CONTEXT_MARKERS.start}\nPlease hurry.`);
    const owner = `${planted}\n\nIt left on Monday, Jane.\n`;
    const stripped = stripContextBlock(`Hi Jane,\n\n${owner}`, CONTEXT_MARKERS);
    expect(stripped.text).toContain('It left on Monday, Jane.');
    expect(readOwnerAnswer(`Hi Jane,\n\n${owner}`, TRACES).text).toBe('Hi Jane,\nIt left on Monday, Jane.');
  });

  it("reports the owner's lines between a start and end pair the customer planted", () => {
    const planted = quotedRelay(`${CONTEXT_MARKERS.start}\nquestion one\n${CONTEXT_MARKERS.end}`).replace(
      '> question one',
      '> question one\nAnswer one.',
    );
    expect(stripContextBlock(planted, CONTEXT_MARKERS).inside).toEqual(['Answer one.']);
  });

  it('stays linear on 100,000 start lines', () => {
    const flood = `${CONTEXT_MARKERS.start}\n`.repeat(100_000);
    expect(stripContextBlock(flood, CONTEXT_MARKERS).text.split('\n')).toHaveLength(100_001);
  });
});

describe('readOwnerAnswer', () => {
  it('says when nothing is left, keeping what the owner wrote', () => {
    const onlyAddress = readOwnerAnswer(reply('alice@example.test', quotedRelay('Hi')), TRACES);
    expect(onlyAddress).toMatchObject({ text: '', written: 'alice@example.test', insideContext: [] });
    expect(readOwnerAnswer(reply('', quotedRelay('Hi')), TRACES)).toMatchObject({ text: '', written: '' });
  });

  it('flags a marker line left in the owner’s own text (a damaged block), and never passes it on', () => {
    const damaged = `Thanks!\n${CONTEXT_MARKERS.start}\nCustomer: Jane Doe <jane@customer.test>`;
    const read = readOwnerAnswer(damaged, TRACES);
    expect(read.strayMarker).toBe(true);
    expect(read.text).not.toContain(CONTEXT_MARKERS.start);
  });
});

describe('unsentAnswerNotice', () => {
  it("quotes the owner's text back, inside and outside the block", () => {
    const notice = unsentAnswerNotice({
      conversationId: 'c1',
      subject: 'Order',
      reason: 'answer-in-context',
      written: 'Hi Jane,',
      insideContext: ['It left on Monday.'],
      rawKey: 'inbound/x',
    });
    expect(notice.subject).toBe('Not sent: your answer in conversation c1');
    const body = notice.paragraphs.join('\n\n');
    expect(body).toContain('Hi Jane,');
    expect(body).toContain('It left on Monday.');
    expect(body).toContain('Nothing of it went out.');
  });
});
