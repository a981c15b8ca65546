import { describe, expect, it } from 'vitest';
import { COMMAND_HELP, parseOwnerCommand, readWaitDay } from '../../../lib/domain/owner-commands.js';

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

  it('reads a known command name in any case followed by anything but a letter: a note never reaches a customer', () => {
    for (const text of [
      '#note: secret',
      '#Note. secret',
      '#note\u00a0secret',
      '#NOTE\tsecret',
      '#note-secret',
      '\u200b#note secret',
      '#no\u200bte secret',
      '\uff03note secret',
    ]) {
      expect(parseOwnerCommand(`${text}\nmore`), text).toEqual({
        kind: 'command',
        command: { kind: 'note' },
        rest: 'secret\nmore',
      });
    }
    expect(parseOwnerCommand('#Close.\nBye')).toEqual({
      kind: 'command',
      command: { kind: 'close' },
      rest: 'Bye',
    });
    expect(parseOwnerCommand('#handoff: bob@example.test')).toMatchObject({
      command: { kind: 'handoff', target: 'bob@example.test' },
    });
    expect(parseOwnerCommand('#Away\u00a02026-12-24\u00a0bob@example.test')).toMatchObject({
      command: { kind: 'away', until: '2026-12-24', backup: 'bob@example.test' },
    });
  });

  it('calls a line that looks like a command but names none invalid, so nothing reaches the customer', () => {
    expect(parseOwnerCommand('#notes for later')).toMatchObject({
      kind: 'invalid',
      problem: 'unknown command #notes',
    });
    expect(parseOwnerCommand('#Notiz: geheim')).toMatchObject({ kind: 'invalid' });
    expect(parseOwnerCommand('#closed')).toMatchObject({
      kind: 'invalid',
      problem: 'unknown command #closed',
    });
    // Text stays text: a number, a heading, a number sign alone.
    expect(parseOwnerCommand('#1 priority for us')).toEqual({ kind: 'none' });
    expect(parseOwnerCommand('#\u00a0heading')).toEqual({ kind: 'none' });
    expect(parseOwnerCommand('#')).toEqual({ kind: 'none' });
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

describe('#wait', () => {
  const today = '2026-12-04';

  it('reads a day after today, in any case and after the usual separators', () => {
    expect(readWaitDay('2026-12-24', today)).toEqual({ until: '2026-12-24' });
    expect(readWaitDay('2026-12-05', today)).toEqual({ until: '2026-12-05' });
    expect(readWaitDay('2027-12-04', today)).toEqual({ until: '2027-12-04' });
    expect(parseOwnerCommand('#WAIT: 2026-12-24', today)).toMatchObject({ kind: 'command' });
  });

  it('refuses a day that has passed, today, a day over a year away, and anything not a date', () => {
    expect(readWaitDay('2026-12-03', today)).toEqual({
      problem: '2026-12-03 is not after today (2026-12-04): name a day to come, like #wait 2026-12-24',
    });
    expect(readWaitDay('2026-12-04', today)).toMatchObject({
      problem: expect.stringContaining('not after today'),
    });
    expect(readWaitDay('2027-12-05', today)).toEqual({
      problem: '2027-12-05 is more than a year away: name a day within a year',
    });
    for (const bad of ['2026-02-30', '24.12.2026', '2026-12-24T10:00', 'tomorrow', '2026-1-5']) {
      expect(readWaitDay(bad, today), bad).toMatchObject({
        problem: expect.stringContaining('is not a date'),
      });
    }
    expect(readWaitDay('', today)).toEqual({
      problem: '#wait needs the day to wait until: #wait 2026-12-24',
    });
    expect(readWaitDay('2026-12-24 bob', today)).toMatchObject({
      problem: expect.stringContaining('#wait needs'),
    });
    // Without the owner's day only the form can be checked.
    expect(readWaitDay('2020-01-01')).toEqual({ until: '2020-01-01' });
  });

  it('answers a wrong #wait with the problem, so nothing reaches the customer', () => {
    expect(parseOwnerCommand('#wait 2026-11-30\nThe supplier answers next week.', today)).toEqual({
      kind: 'invalid',
      command: 'wait',
      line: '#wait 2026-11-30',
      problem: '2026-11-30 is not after today (2026-12-04): name a day to come, like #wait 2026-12-24',
    });
    expect(parseOwnerCommand('#wait', today)).toMatchObject({ kind: 'invalid', line: '#wait' });
    expect(parseOwnerCommand('#waiting for the supplier', today)).toMatchObject({
      kind: 'invalid',
      problem: 'unknown command #waiting',
    });
  });

  it('is a wait until the day, with the text below it', () => {
    expect(parseOwnerCommand('#wait 2026-12-24\nThe supplier answers next week.', today)).toEqual({
      kind: 'command',
      command: { kind: 'wait', until: '2026-12-24' },
      rest: 'The supplier answers next week.',
    });
    expect(COMMAND_HELP.join('\n')).toContain('#wait <YYYY-MM-DD>');
  });
});
