import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseOwnerCommand } from '../../../lib/domain/owner-commands.js';
import { recoverReceipt } from '../../../lib/domain/recover-receipt.js';
import { threadTopic } from '../../../lib/domain/thread-index.js';
import { classifyAutomatic } from '../../../lib/mail/classify-automatic.js';
import { prependToHtmlBody } from '../../../lib/mail/context-block.js';
import { parseMail } from '../../../lib/mail/parse-mail.js';
import { extractReplyText } from '../../../lib/mail/reply-text.js';
import { recheckStatus } from '../../support/recheck-status.js';

const LIB = fileURLToPath(new URL('../../../lib', import.meta.url));

interface FoundPattern {
  where: string;
  source: string;
  flags: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * Every regular expression literal in lib/, found by the TypeScript parser (so a pattern in a new file
 * or a new function is checked without anyone listing it), and every place that builds one at run time.
 */
function collectPatterns(): { patterns: FoundPattern[]; constructed: string[] } {
  const patterns: FoundPattern[] = [];
  const constructed: string[] = [];
  for (const file of sourceFiles(LIB)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node) =>
      `${relative(LIB, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = node.getText();
        const end = text.lastIndexOf('/');
        patterns.push({ where: where(node), source: text.slice(1, end), flags: text.slice(end + 1) });
      } else if (
        (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
        node.expression.getText() === 'RegExp'
      ) {
        constructed.push(where(node));
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { patterns, constructed };
}

describe('regular expressions in lib/', () => {
  const { patterns, constructed } = collectPatterns();

  it('are all literals, so each one is checked below', () => {
    // A pattern built at run time cannot be checked here; write it out (one literal per variant).
    expect(constructed).toEqual([]);
    expect(patterns.length).toBeGreaterThan(50);
  });

  it('never backtrack super-linearly (recheck finds each one safe)', async () => {
    const unsafe: string[] = [];
    for (const pattern of patterns) {
      const result = await recheckStatus(pattern);
      if (result.status !== 'safe') {
        const attack = result.status === 'vulnerable' ? ` attack ${result.attack.pattern}` : '';
        unsafe.push(`${pattern.where} /${pattern.source}/${pattern.flags}: ${result.status}${attack}`);
      }
    }
    expect(unsafe).toEqual([]);
  }, 300_000);
});

/**
 * The inputs that stopped inbound processing, each at least the size the report measured and large
 * enough that a quadratic pattern would outlive the test's timeout (60 s) by far. No timing is asserted:
 * a regression hangs the test instead.
 */
describe('hostile lines complete', () => {
  const mime = (body: string) =>
    Buffer.from(
      [
        'From: Mallory <mallory@example.net>',
        'To: support@example.com',
        'Subject: lines',
        'Message-ID: <redos@example.net>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain',
        '',
        body,
        '--b1--',
        '',
      ].join('\r\n'),
    );

  it('a line of `--`, 256 KiB of spaces and a letter is parsed as one text part', async () => {
    const line = `--${' '.repeat(256 * 1024)}a`;
    const mail = await parseMail(mime(`hello\r\n${line}`));
    expect(mail.text).toContain(line);
    expect(mail.attachments).toEqual([]);
  });

  it('a line of `--`, tabs and a letter does not change the part count', async () => {
    const mail = await parseMail(mime(`hello\r\n--${'\t'.repeat(128 * 1024)}b1x`), { maxParts: 2 });
    expect(mail.text.startsWith('hello')).toBe(true);
  });

  it('240,000 spaces (the report: 40,000) leave the answer above them', () => {
    expect(extractReplyText(`Thanks!\n${' '.repeat(240_000)}x\n`)).toBe(`Thanks!\n${' '.repeat(240_000)}x`);
    expect(extractReplyText(`Thanks!\n${' '.repeat(240_000)}\n`)).toBe('Thanks!');
  });

  it('100,000 dashes (the report: 40,000) above a quoted original are not a separator', () => {
    const dashes = '-'.repeat(100_000);
    const text = `Thanks!\n${dashes}x\n\n-----Original Message-----\nFrom: a@example.com\nsecret\n`;
    expect(extractReplyText(text)).toBe(`Thanks!\n${dashes}x`);
    expect(extractReplyText(`Thanks!\n${dashes}\n`)).toBe(`Thanks!\n${dashes}`);
  });

  it('100,000 spaces inside an Original Message line still cut the original', () => {
    const text = `Thanks!\n\n--${' '.repeat(100_000)}Original Message --\nsecret\n`;
    expect(extractReplyText(text)).toBe('Thanks!');
  });

  it("lines that email-reply-parser's own patterns backtrack on complete", () => {
    // A line of `>` after a letter, a line of words after "On ": quadratic in the line's length there.
    expect(extractReplyText(`Thanks!\nx${'>'.repeat(100_000)}\n`)).toBe(`Thanks!\nx${'>'.repeat(100_000)}`);
    expect(extractReplyText(`Thanks!\nOn ${'a '.repeat(100_000)}\n`)).toBe(
      `Thanks!\nOn ${'a '.repeat(100_000)}`.trim(),
    );
    // Lines starting like a multi-line attribution: each costs the rest of the text there.
    expect(extractReplyText(`Thanks!\n${'Op a\n'.repeat(50_000)}`).startsWith('Thanks!\nOp a\n')).toBe(true);
    expect(extractReplyText(`Thanks!\n${'abc. a\n'.repeat(40_000)}`).startsWith('Thanks!\nabc. a\n')).toBe(
      true,
    );
  });

  it('a long word without an address above an attribution is read once', () => {
    const word = 'x'.repeat(200_000);
    expect(extractReplyText(`${word}.y\nOn Monday someone wrote:\n> old\n`)).toContain(word);
  });

  it('other header and body inputs of 100,000 characters', () => {
    const long = '\u0000'.repeat(100_000);
    const receipt = recoverReceipt({
      headers: new Map([['to', [`${long}@`, 'support@example.com']]]),
      supportAddress: 'support@example.com',
      replyDomain: 'reply.example.com',
      trustUnmarked: true,
    });
    expect(receipt.recipients).toEqual(['support@example.com']);
    expect(threadTopic(`SV${'\t'.repeat(100_000)}`)).toBe(`SV${'\t'.repeat(100_000)}`.trim());
    expect(threadTopic(`${'Re: '.repeat(50_000)}order`)).toBe('order');
    const html = '<BODY<0'.repeat(30_000);
    expect(prependToHtmlBody(html, '<div>x</div>') === `<div>x</div>\n${html}`).toBe(true);
    expect(parseOwnerCommand(`#A\t${'\t'.repeat(100_000)}\u2028x`).kind).toBe('invalid');
  });

  it('a return path of 100,000 unclosed comments or closing brackets', async () => {
    const mail = await parseMail(
      Buffer.from(
        `Return-Path: ${'('.repeat(100_000)}\r\nFrom: a@example.net\r\nTo: support@example.com\r\nSubject: x\r\n\r\nhi\r\n`,
      ),
    );
    expect(classifyAutomatic(mail, '('.repeat(100_000)).automatic).toBe(false);
    expect(classifyAutomatic(mail, `${'>'.repeat(100_000)}\n>`).automatic).toBe(false);
  });
});
