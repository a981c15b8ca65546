import { describe, expect, it } from 'vitest';
import { COMMAND_HELP, parseOwnerCommand } from '../../../lib/domain/owner-commands.js';

describe('parseOwnerCommand', () => {
  it('finds no command in an ordinary answer, nor in one opening with an order number', () => {
    expect(parseOwnerCommand('Hi Jane,\n\nIt shipped today.')).toEqual({ kind: 'none' });
    expect(parseOwnerCommand('#1234 shipped today')).toEqual({ kind: 'none' });
    expect(parseOwnerCommand('# Heading')).toEqual({ kind: 'none' });
    expect(parseOwnerCommand('')).toEqual({ kind: 'none' });
    // Only the first non-empty line counts.
    expect(parseOwnerCommand('Hello\n#close')).toEqual({ kind: 'none' });
  });

  it('reads #note with text on its line and below, after leading blank lines', () => {
    expect(parseOwnerCommand('\n\n  #note VIP customer\nPrefers phone calls.\r\n')).toEqual({
      kind: 'command',
      command: { kind: 'note' },
      rest: 'VIP customer\nPrefers phone calls.',
    });
  });

  it('reads #close with and without text below, and refuses arguments on its line', () => {
    expect(parseOwnerCommand('#close')).toEqual({ kind: 'command', command: { kind: 'close' }, rest: '' });
    expect(parseOwnerCommand('#CLOSE\nThanks, all done.')).toEqual({
      kind: 'command',
      command: { kind: 'close' },
      rest: 'Thanks, all done.',
    });
    expect(parseOwnerCommand('#close now please')).toMatchObject({ kind: 'invalid' });
  });

  it('reads #handoff with an address or a full name', () => {
    expect(parseOwnerCommand('#handoff bob@example.test\nHe knows the product.')).toEqual({
      kind: 'command',
      command: { kind: 'handoff', target: 'bob@example.test' },
      rest: 'He knows the product.',
    });
    expect(parseOwnerCommand('#handoff Bob Jones')).toMatchObject({
      command: { kind: 'handoff', target: 'Bob Jones' },
    });
    expect(parseOwnerCommand('#handoff')).toMatchObject({ kind: 'invalid', line: '#handoff' });
  });

  it('reads #away with a date and a backup, and refuses a malformed one', () => {
    expect(parseOwnerCommand('#away 2026-12-24 bob@example.test')).toEqual({
      kind: 'command',
      command: { kind: 'away', until: '2026-12-24', backup: 'bob@example.test' },
      rest: '',
    });
    expect(parseOwnerCommand('#away 24.12.2026 bob@example.test')).toMatchObject({ kind: 'invalid' });
    expect(parseOwnerCommand('#away 2026-12-24')).toMatchObject({ kind: 'invalid' });
  });

  it('calls an unknown command invalid and names it', () => {
    expect(parseOwnerCommand('#snooze 3d')).toEqual({
      kind: 'invalid',
      line: '#snooze 3d',
      problem: 'unknown command #snooze',
    });
    expect(COMMAND_HELP.join('\n')).toMatch(/#note[\s\S]*#handoff[\s\S]*#away[\s\S]*#close/);
  });
});

describe('#uncc', () => {
  it('takes one address, lower-cased, and keeps the text below for the customer', () => {
    expect(parseOwnerCommand('#uncc Carol@Customer.test\nThanks!')).toEqual({
      kind: 'command',
      command: { kind: 'uncc', address: 'carol@customer.test' },
      rest: 'Thanks!',
    });
    expect(parseOwnerCommand('#uncc')).toMatchObject({ kind: 'invalid' });
    expect(parseOwnerCommand('#uncc carol and dave')).toMatchObject({ kind: 'invalid' });
    expect(COMMAND_HELP.join('\n')).toContain('#uncc <address>');
  });
});
