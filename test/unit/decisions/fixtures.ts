import type { SpocConfig } from '../../../lib/config/config-schema.js';
import { parseConfig } from '../../../lib/config/load-config.js';
import type { Conversation, Customer, Owner } from '../../../lib/domain/types.js';
import type { ParsedMail } from '../../../lib/mail/mail-types.js';
import type { SentMailRecord } from '../../../lib/ports/support-store.js';
import type { InboundNotice } from '../../../lib/use-cases/inbound-deps.js';
import { TEST_CONFIG_INPUT } from '../../support/local-harness.js';

/** Plain values the decisions are tested with: no engine, no I/O. */
export const CONFIG: SpocConfig = parseConfig({ ...TEST_CONFIG_INPUT, firstContact: { enabled: true } });
export const SECRET = 'unit-secret-unit-secret-unit-secret';
export const NOW = new Date('2026-12-04T10:00:00.000Z');

export const ALICE: Owner = {
  email: 'alice@example.test',
  name: 'Alice Smith',
  active: true,
  createdAt: '2026-01-01T00:00:00.000Z',
};
export const BOB: Owner = {
  email: 'bob@example.test',
  name: 'Bob Jones',
  active: true,
  createdAt: ALICE.createdAt,
};

export const JANE: Customer = {
  email: 'jane@customer.test',
  name: 'Jane Doe',
  ownerEmail: ALICE.email,
  since: '2026-11-01T09:00:00.000Z',
};

export function conversation(overrides: Partial<Conversation> = {}): Conversation {
  return {
    id: 'c-1',
    customerEmail: JANE.email,
    ownerEmail: ALICE.email,
    subject: 'Order',
    status: 'open',
    createdAt: '2026-11-01T09:00:00.000Z',
    updatedAt: '2026-11-01T09:00:00.000Z',
    customerThread: ['<first@customer.test>'],
    ownerThread: ['<relay-1@reply.example.test>'],
    ...overrides,
  };
}

export function mail(overrides: Partial<ParsedMail> = {}): ParsedMail {
  return {
    messageId: '<m-2@customer.test>',
    references: [],
    from: { address: JANE.email, name: 'Jane Doe' },
    replyTo: [],
    to: [{ address: CONFIG.supportAddress, name: '' }],
    cc: [],
    subject: 'Order',
    date: new Date('2026-12-04T09:59:00.000Z'),
    text: 'Where is my order?',
    attachments: [],
    headers: new Map(),
    contentType: 'text/plain',
    sizeBytes: 100,
    ...overrides,
  };
}

export const NOTICE: InboundNotice = {
  inboundId: 'in-2',
  rawKey: 'raw/in-2',
  recipients: [CONFIG.supportAddress],
  envelopeFrom: JANE.email,
  verdicts: { spf: 'PASS', dkim: 'PASS', dmarc: 'PASS', spam: 'PASS', virus: 'PASS' },
  receivedAt: '2026-12-04T09:59:30.000Z',
};

/** What the transport reported for a sent mail: SES rewrites the Message-ID. */
export function sent(key: string, messageId: string): SentMailRecord {
  return { key, messageId, providerMessageId: `<ses-${key}@email.amazonses.com>`, sentAt: NOW.toISOString() };
}
