import { describe, expect, it } from 'vitest';
import { findInternalTracesInParts, type MailboxesSeen } from '../../../lib/mail/internal-traces.js';
import { collectMailboxes } from '../../../lib/mail/mailbox-tokens.js';
import { rawMail } from '../../support/mail-builder.js';

function mailboxesOf(text: string, limit = 100): { seen: string[]; complete: boolean } {
  const seen = new Set<string>();
  const complete = collectMailboxes(text, seen, limit);
  return { seen: [...seen].sort(), complete };
}

const seen = (): MailboxesSeen => ({ seen: new Set(), limit: 100, overflow: false });

describe('collectMailboxes', () => {
  it('reads each mailbox around an @, without the punctuation around it', () => {
    expect(mailboxesOf('write to <dave@agents.test>, or (erin.o-neil@agents.test).').seen).toEqual([
      'dave@agents.test',
      'erin.o-neil@agents.test',
    ]);
  });

  it('reads the mailbox after a symbol that usually leads one (a link parameter, a path)', () => {
    expect(mailboxesOf('https://crm.test/x?email=dave@agents.test&to=/erin@agents.test').seen).toEqual([
      'dave@agents.test',
      'erin@agents.test',
    ]);
    expect(mailboxesOf("o'brien+tag@agents.test").seen).toEqual(["o'brien+tag@agents.test"]);
  });

  it('reads nothing where there is no local part or no domain', () => {
    expect(mailboxesOf('@ @@ a@ @b. @-').seen).toEqual([]);
    expect(mailboxesOf('a@@b').seen).toEqual([]);
  });

  it('stops at the limit and says so; a repeated mailbox counts once', () => {
    expect(mailboxesOf('a@x.test a@x.test b@x.test', 2)).toEqual({
      seen: ['a@x.test', 'b@x.test'],
      complete: true,
    });
    expect(mailboxesOf('a@x.test b@x.test c@x.test', 2)).toEqual({
      seen: ['a@x.test', 'b@x.test'],
      complete: false,
    });
  });

  it('reads at most 64 characters of a local part and 255 of a domain, however long the run', () => {
    const { seen: found } = mailboxesOf(`${'a'.repeat(100_000)}@${'b'.repeat(100_000)}`);
    expect(found).toEqual([`${'a'.repeat(64)}@${'b'.repeat(255)}`]);
    // Thousands of @ in a row: each is read up to the next one.
    expect(mailboxesOf('x@'.repeat(50_000)).seen).toEqual(['x@x']);
  });
});

describe('the trace search fills in the mailboxes it read', () => {
  it('from the text, from HTML with its entities decoded, and from attachments, nested mails too', async () => {
    const found = seen();
    const inner = await rawMail({
      from: 'jane@customer.test',
      to: 'support@example.test',
      subject: 'Fwd',
      text: 'from inside: frank@agents.test',
    });
    await findInternalTracesInParts(
      {
        text: 'Ask DAVE@agents.test',
        html: '<p>or <a href="mailto:erin&#64;agents.test">Erin</a></p>',
        attachments: [
          {
            filename: 'a.bin',
            contentType: 'application/octet-stream',
            content: Buffer.from('\0gina@agents.test\0'),
          },
          { filename: 'fwd.eml', contentType: 'message/rfc822', content: inner },
        ],
      },
      { replyDomain: 'reply.example.test', ownerAddresses: [], mailboxes: found },
    );
    expect([...found.seen]).toEqual(
      expect.arrayContaining([
        'dave@agents.test',
        'erin@agents.test',
        'gina@agents.test',
        'frank@agents.test',
        'jane@customer.test',
      ]),
    );
    expect(found.overflow).toBe(false);
  });
});
