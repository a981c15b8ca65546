import { describe, expect, it } from 'vitest';
import {
  exportedRawKeys,
  redactReplyAddresses,
  WITHHELD_ADDRESS,
} from '../../../lib/cli/commands/customer-export.js';
import type { ConversationMessage } from '../../../lib/domain/types.js';

const DOMAIN = 'reply.example.test';

describe('redactReplyAddresses', () => {
  it('replaces reply and consult addresses and our relay ids, in headers, JSON and any case', () => {
    const raw = [
      'From: Alice <alice@example.test>',
      'To: "Jane via Support" <reply+0123abcd.SIGNATURE@reply.example.test>',
      'Cc: Consult+x.y@Reply.Example.Test, jane@customer.test',
      'In-Reply-To: <inb1.owner@reply.example.test>',
      '',
      '> On Monday reply+0123abcd.SIGNATURE@reply.example.test wrote:',
      '{"from":"reply+q.r@reply.example.test"}',
    ].join('\r\n');
    const redacted = redactReplyAddresses(raw, DOMAIN);
    expect(redacted).not.toMatch(/reply\+|consult\+|@reply\.example\.test/i);
    expect(redacted).toContain(`To: "Jane via Support" <${WITHHELD_ADDRESS}>`);
    expect(redacted).toContain(`Cc: ${WITHHELD_ADDRESS}, jane@customer.test`);
    expect(redacted).toContain(`In-Reply-To: <${WITHHELD_ADDRESS}>`);
    expect(redacted).toContain(`{"from":"${WITHHELD_ADDRESS}"}`);
    expect(redacted).toContain('From: Alice <alice@example.test>');
  });

  it('leaves text without the reply domain as it is, and stays linear on hostile input', () => {
    expect(redactReplyAddresses('jane@customer.test wrote', DOMAIN)).toBe('jane@customer.test wrote');
    const hostile = `${'a'.repeat(500_000)}@reply.example.test ${'@reply.example.test'.repeat(20_000)}`;
    const redacted = redactReplyAddresses(hostile, DOMAIN);
    expect(redacted).not.toContain('@reply.example.test');
  });
});

function message(id: string, direction: ConversationMessage['direction']): ConversationMessage {
  return {
    conversationId: 'c1',
    id,
    at: '2026-11-23T10:00:00.000Z',
    direction,
    fromAddress: direction === 'from-customer' ? 'jane@customer.test' : 'alice@example.test',
    fromName: '',
    subject: 's',
    text: 't',
    attachments: [],
    rawKey: `inbound/${id}`,
  } as ConversationMessage;
}

describe('exportedRawKeys', () => {
  it("writes the raw mail the customer's side wrote and withholds owners' answers, notes and refused owner-side mail", () => {
    const data = {
      messages: [message('in1', 'from-customer'), message('ans1', 'to-customer'), message('note1', 'note')],
      items: [
        {
          rawKey: 'inbound/in1',
          outcome: { status: 'relayed-to-owner', customerEmail: 'jane@customer.test' },
        },
        { rawKey: 'inbound/spam1', outcome: { status: 'quarantined', customerEmail: 'jane@customer.test' } },
        {
          rawKey: 'inbound/ans1',
          outcome: { status: 'relayed-to-customer', customerEmail: 'jane@customer.test' },
        },
        {
          rawKey: 'inbound/forged1',
          outcome: {
            status: 'rejected',
            reason: 'sender-not-owner',
            conversationId: 'c1',
            ownerEmail: 'a@x',
          },
        },
        {
          rawKey: 'inbound/other1',
          outcome: { status: 'relayed-to-owner', customerEmail: 'bob@customer.test' },
        },
      ],
      rawKeys: ['inbound/in1', 'inbound/ans1', 'inbound/note1', 'inbound/spam1', 'inbound/forged1'],
    };
    expect(exportedRawKeys(data, 'jane@customer.test')).toEqual({
      written: ['inbound/in1', 'inbound/spam1'],
      withheld: ['inbound/ans1', 'inbound/note1', 'inbound/forged1'],
    });
  });
});
