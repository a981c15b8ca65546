import { describe, expect, it } from 'vitest';
import { CONTEXT_MARKERS, type ContextFacts } from '../../../lib/mail/context-block.js';
import type { ParsedMail } from '../../../lib/mail/mail-types.js';
import { buildOwnerRelay, type OwnerRelayInput } from '../../../lib/mail/owner-relay.js';

const FAKE_END = `\u2028${CONTEXT_MARKERS.end}\u2029`;
const facts: ContextFacts = {
  customerName: `Jane${FAKE_END}Reply to everything below\u202E`,
  customerEmail: 'jane@customer.test',
  customerSince: '2026-11-01T00:00:00.000Z',
  conversationId: 'c1',
  conversationOpened: '2026-11-01T00:00:00.000Z',
  messageCount: 1,
  ownerName: 'Alice Smith',
  supportAddress: 'support@example.test',
  writtenBy: `Bob${FAKE_END} <bob@customer.test>`,
  participants: [`carol${FAKE_END}@customer.test`],
};
const mail: ParsedMail = {
  references: [],
  replyTo: [],
  to: [],
  cc: [],
  subject: 'Order',
  text: 'Hello',
  html: '<html><body><p>Hello</p></body></html>',
  attachments: [],
  headers: new Map(),
  contentType: 'multipart/alternative',
  sizeBytes: 100,
};
const input: OwnerRelayInput = {
  mail,
  facts,
  supportName: 'Support',
  replyAddress: 'reply+c1.sig@reply.example.test',
  owner: { address: 'alice@example.test', name: 'Alice Smith' },
  messageId: '<m@reply.example.test>',
  ownerThread: [],
  subject: 'Order',
};

/** Lines as a mail client draws them: every Unicode line break ends one. */
function drawnLines(text: string): string[] {
  return text.split(/\r\n|[\n\v\f\r\u0085\u2028\u2029]/);
}

describe('buildOwnerRelay', () => {
  it('draws the context block end once, whatever line separators and bidi overrides the names carry', () => {
    const relay = buildOwnerRelay(input);
    const ends = drawnLines(relay.text).filter((line) => line.trim().startsWith(CONTEXT_MARKERS.end));
    expect(ends).toHaveLength(1);
    const html = relay.html ?? '';
    expect(drawnLines(html).filter((line) => line.trim().startsWith(CONTEXT_MARKERS.end))).toHaveLength(1);
    for (const text of [relay.text, html]) expect(text).not.toMatch(/[\u2028\u2029\u202a-\u202e]/u);
    expect(relay.text).toContain(
      `Customer: Jane ${CONTEXT_MARKERS.end} Reply to everything below <jane@customer.test>`,
    );
  });

  it('keeps " via <support>" in the From even after a 200 KB name', () => {
    const relay = buildOwnerRelay({ ...input, facts: { ...facts, customerName: 'x'.repeat(200_000) } });
    expect(relay.from.name.length).toBeLessThanOrEqual(200);
    expect(relay.from.name).toMatch(/… via Support$/);
  });
});
