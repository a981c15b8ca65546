import { describe, expect, it } from 'vitest';
import {
  checkConsultColleagues,
  consultAllowedDomains,
  describeConsultAllowed,
  MAX_COLLEAGUES_PER_ASK,
} from '../../../lib/domain/consult-colleagues.js';
import { ASK_COMMAND_HELP, COMMAND_HELP, parseOwnerCommand } from '../../../lib/domain/owner-commands.js';

const QUESTION = 'Can we replace the broken lamp under warranty?';

describe('#ask', () => {
  it('reads one address and the question below the line', () => {
    expect(parseOwnerCommand(`#ask Carol@Example.com\n${QUESTION}\n`)).toEqual({
      kind: 'command',
      command: { kind: 'ask', colleagues: [{ address: 'carol@example.com', name: '' }] },
      rest: QUESTION,
    });
  });

  it('reads several addresses however they are separated, names kept, each address once', () => {
    const expected = [
      { address: 'carol@example.com', name: '' },
      { address: 'dave@example.com', name: '' },
    ];
    for (const line of [
      '#ask carol@example.com dave@example.com',
      '#ask carol@example.com, dave@example.com',
      '#ask carol@example.com;dave@example.com carol@example.com',
      '#ask: <carol@example.com>, <mailto:dave@example.com>',
      '#ask carol@example.com <mailto:carol@example.com>, dave@example.com',
      // Outlook's plain text of an address it turned into a link.
      '#ask carol@example.com<mailto:carol@example.com>; dave@example.com<mailto:dave@example.com>',
    ]) {
      expect(parseOwnerCommand(`${line}\n${QUESTION}`), line).toMatchObject({
        kind: 'command',
        command: { kind: 'ask', colleagues: expected },
      });
    }
    expect(
      parseOwnerCommand(`#ASK "Diaz, Carol" <carol@example.com>, Dave Lee <dave@example.com>\n${QUESTION}`),
    ).toMatchObject({
      command: {
        kind: 'ask',
        colleagues: [
          { address: 'carol@example.com', name: 'Diaz, Carol' },
          { address: 'dave@example.com', name: 'Dave Lee' },
        ],
      },
    });
  });

  it('calls a malformed #ask invalid, names the problem, and says it was #ask', () => {
    const cases: Array<[string, RegExp]> = [
      [`#ask\n${QUESTION}`, /needs the address/],
      [`#ask carol\n${QUESTION}`, /"carol" is not an email address/],
      [`#ask carol@\n${QUESTION}`, /not an email address/],
      [`#ask Carol <carol@example.com> dave@example.com\n${QUESTION}`, /put a comma between/],
      ['#ask carol@example.com', /question below/],
      [`#ask ${['a', 'b', 'c', 'd', 'e', 'f'].map((n) => `${n}@example.com`).join(' ')}\nq`, /at most 5/],
    ];
    for (const [text, problem] of cases) {
      const parsed = parseOwnerCommand(text);
      expect(parsed, text).toMatchObject({ kind: 'invalid', command: 'ask' });
      expect(parsed.kind === 'invalid' && parsed.problem, text).toMatch(problem);
    }
    // `#asking` is no #ask.
    expect(parseOwnerCommand('#asking around')).toMatchObject({
      kind: 'invalid',
      problem: 'unknown command #asking',
    });
    expect(parseOwnerCommand('#asking around')).not.toHaveProperty('command');
  });

  it('has a line for the list of commands, in its column', () => {
    const column = (line: string) => /^#\S*(?: \S+)*? {2,}(?=\S)/.exec(line)?.[0].length;
    expect(column(ASK_COMMAND_HELP)).toBeDefined();
    expect(column(ASK_COMMAND_HELP)).toBe(column(COMMAND_HELP[0]));
    expect(MAX_COLLEAGUES_PER_ASK).toBe(5);
  });
});

describe('consultAllowedDomains', () => {
  it("is the owners' own domains and the listed ones, each once; a free-mail owner domain only when listed", () => {
    expect(
      consultAllowedDomains(['alice@example.com', 'bob@Example.com', 'eve@gmail.com'], ['Partner.test']),
    ).toEqual(['example.com', 'partner.test']);
    expect(consultAllowedDomains(['eve@gmail.com'], ['gmail.com'])).toEqual(['gmail.com']);
    expect(consultAllowedDomains([], [])).toEqual([]);
  });
});

describe('checkConsultColleagues', () => {
  const context = {
    allowedDomains: ['example.com', 'partner.test'],
    askerEmail: 'alice@example.com',
    customerEmail: 'jane@customer.test',
    participants: ['tom@customer.test', 'lee@example.com'],
    supportAddress: 'support@example.com',
    replyDomain: 'reply.example.com',
  };
  const ask = (...addresses: string[]) => addresses.map((address) => ({ address, name: '' }));

  it('allows colleagues at allowed domains, exactly those domains', () => {
    expect(checkConsultColleagues(ask('carol@example.com', 'pat@partner.test'), context)).toEqual({
      allowed: true,
      colleagues: ask('carol@example.com', 'pat@partner.test'),
    });
    expect(checkConsultColleagues(ask('carol@sub.example.com'), context)).toMatchObject({
      allowed: false,
      refused: ['carol@sub.example.com'],
    });
    expect(checkConsultColleagues(ask('carol@example.com.evil.test'), context)).toMatchObject({
      allowed: false,
    });
  });

  it('refuses the customer, their Cc, our own addresses and the asker, naming every refused address', () => {
    const result = checkConsultColleagues(
      ask(
        'carol@example.com',
        'jane@customer.test',
        'lee@example.com',
        'support@example.com',
        'x@reply.example.com',
        'alice@example.com',
        'mallory@evil.test',
      ),
      context,
    );
    expect(result).toMatchObject({
      allowed: false,
      refused: [
        'jane@customer.test',
        'lee@example.com',
        'support@example.com',
        'x@reply.example.com',
        'alice@example.com',
        'mallory@evil.test',
      ],
    });
    const problem = result.allowed ? '' : result.problem;
    expect(problem).toContain('jane@customer.test is in this conversation');
    expect(problem).toContain("support@example.com is this inbox's own address");
    expect(problem).toContain('alice@example.com is you');
    expect(problem).toContain('mallory@evil.test is not at a domain');
  });
});

describe('describeConsultAllowed', () => {
  it('says nothing was sent, how to ask and which domains are allowed', () => {
    const text = describeConsultAllowed('mallory@evil.test is not at a domain colleagues may be asked at', [
      'example.com',
      'partner.test',
    ]);
    expect(text).toContain('Nothing was sent to anyone: mallory@evil.test is not at a domain');
    expect(text).toContain('#ask carol@example.com');
    expect(text).toContain('Colleagues may be asked at @example.com, @partner.test.');
    expect(describeConsultAllowed('x', [])).toContain('consult.allowedDomains');
  });
});
