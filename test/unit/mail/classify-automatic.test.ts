import { describe, expect, it } from 'vitest';
import {
  BOUNCE_REPORT_LINE,
  BOUNCE_SUBJECT,
  BOUNCE_TRANSCRIPT_LINE,
  classifyAutomatic,
} from '../../../lib/mail/classify-automatic.js';
import type { ParsedMail } from '../../../lib/mail/mail-types.js';
import { parseMail } from '../../../lib/mail/parse-mail.js';
import { corpusAvailable, corpusFile, corpusFiles } from '../../support/corpus.js';
import { recheckStatus } from '../../support/recheck-status.js';

/**
 * sisimai files that are genuinely not machine-generated, so the classifier must (and does) let them
 * through as human mail.
 */
const HUMAN_IN_BOUNCE_FOLDER: Record<string, string> = {
  'bounces-sisimai/lhost-sendmail-14.eml':
    'a person forwarding a bounce ("Fwd: Returned mail: …", Apple Mail, personal From, no automatic header)',
};

/**
 * Bounces that only their MTA sender (postmaster, MAILER-DAEMON, no-reply) or null envelope gives away:
 * their subject is a word a customer writes too ("Delivery Status", "Failed delivery", "Mail") and their
 * body names no transcript. They are recognised by that sender in real life.
 */
const SENDER_ONLY_BOUNCES: Record<string, string> = {
  // Answers ("Re:Test message") whose one text part the parser reads as empty.
  'bounces-sisimai/lhost-apachejames-01.eml': '"Re:Test message", empty body',
  'bounces-sisimai/lhost-mcafee-01.eml': '"Delivery Status"',
  'bounces-sisimai/lhost-mcafee-02.eml': '"Delivery Status"',
  'bounces-sisimai/lhost-mcafee-03.eml': '"Delivery Status"',
  'bounces-sisimai/lhost-verizon-02.eml': '"Re:Nyaan", empty body',
};

/** Mails in the "plain" folders that a machine sent, and the verdict they must get. */
const AUTOMATIC_IN_HUMAN_FOLDERS: Record<string, string> = {
  // A RubyForge tracker notification: a person's text relayed by the tracker from noreply@rubyforge.org.
  'mime-mikel-mail/plain_emails/raw_email_trailing_dot.eml': 'bulk/no-reply-sender',
};

async function classifyFiles(files: string[]) {
  const verdicts = [];
  for (const file of files) {
    verdicts.push({ file, verdict: classifyAutomatic(await parseMail(corpusFile(file))) });
  }
  return verdicts;
}

describe.skipIf(!corpusAvailable())('classifyAutomatic on the corpus', () => {
  const sisimai = corpusFiles('bounces-sisimai', (name) =>
    /^(rfc3834|arf|lhost|rhost|rfc3464)-.*\.eml$/.test(name),
  );

  it('classifies every sisimai bounce, complaint and auto-reply as automatic', async () => {
    expect(sisimai.length).toBe(629);
    const verdicts = await classifyFiles(sisimai);
    const human = verdicts.filter(({ verdict }) => !verdict.automatic).map(({ file }) => file);
    expect(human).toEqual(Object.keys(HUMAN_IN_BOUNCE_FOLDER));
  });

  it('recognises every sisimai bounce by its subject or body alone, from any sender and envelope', async () => {
    // A relay or gateway may rewrite From and the envelope (InterScan's "Mail could not be delivered"
    // came with a list's bounce address): the report itself must still say what it is.
    const bounces = sisimai.filter((file) => /\/(lhost|rhost|rfc3464)-/.test(file));
    const human: string[] = [];
    for (const file of bounces) {
      const parsed = await parseMail(corpusFile(file));
      const neutral = { ...parsed, from: { address: 'notify@relay.test', name: 'Notify' } };
      if (!classifyAutomatic(neutral, 'list-bounces@lists.test').automatic) human.push(file);
    }
    expect(human).toEqual(Object.keys({ ...HUMAN_IN_BOUNCE_FOLDER, ...SENDER_ONLY_BOUNCES }).sort());
  });

  it('gives the kind the file name promises for RFC 3834, ARF and RFC 3464 samples', async () => {
    const kinds = (prefix: string) =>
      classifyFiles(sisimai.filter((file) => file.startsWith(`bounces-sisimai/${prefix}-`))).then(
        (verdicts) => verdicts.map(({ file, verdict }) => [file, verdict.automatic ? verdict.kind : 'human']),
      );
    for (const [file, kind] of await kinds('rfc3834')) expect([file, kind]).toEqual([file, 'auto-reply']);
    for (const [file, kind] of await kinds('rfc3464')) expect([file, kind]).toEqual([file, 'bounce']);
    const arf = await kinds('arf');
    // arf-26 is an Apple Mail "unsubscribe" mail flagged `Auto-Submitted: auto-replied`, not a feedback report.
    const nonComplaint = arf.filter(([, kind]) => kind !== 'complaint').map(([file]) => file);
    expect(nonComplaint).toEqual(['bounces-sisimai/arf-26.eml']);
  });

  it('classifies the other corpora’s bounces and complaints', async () => {
    const files = [
      ...corpusFiles('mime-flanker/bounce'),
      ...corpusFiles('mime-flanker/complaints'),
      'mime-flanker/disposition-notification.eml',
      'mime-mailparser/delivery-status.eml',
      'mime-postal/arf.eml',
      'mime-postal/bounce.eml',
      ...corpusFiles('mime-mikel-mail/multipart_report_emails'),
    ];
    const verdicts = await classifyFiles(files);
    expect(verdicts.filter(({ verdict }) => !verdict.automatic).map(({ file }) => file)).toEqual([]);
  });

  it('never classifies human replies and plain human mail as automatic', async () => {
    const files = [
      ...corpusFiles('replies-talon/standard_replies', (name) => name.endsWith('.eml')),
      'replies-talon/reply-quotations-share-block.eml',
      ...corpusFiles('mime-mikel-mail/plain_emails', (name) => name.endsWith('.eml')),
      ...corpusFiles('mime-mikel-mail/rfc2822', (name) => name.endsWith('.eml')),
      ...corpusFiles('mime-mikel-mail/multi_charset', (name) => name.endsWith('.eml')),
    ];
    expect(files.length).toBeGreaterThan(40);
    const verdicts = await classifyFiles(files);
    const automatic = Object.fromEntries(
      verdicts.flatMap(({ file, verdict }) =>
        verdict.automatic ? [[file, `${verdict.kind}/${verdict.reason}`]] : [],
      ),
    );
    expect(automatic).toEqual(AUTOMATIC_IN_HUMAN_FOLDERS);
  });
});

function mail(headers: Record<string, string>, overrides: Partial<ParsedMail> = {}): ParsedMail {
  return {
    references: [],
    from: { address: 'jane@customer.test', name: 'Jane' },
    replyTo: [],
    to: [{ address: 'support@example.test', name: '' }],
    cc: [],
    subject: 'Question about my order',
    text: 'Hello',
    attachments: [],
    headers: new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), [value]])),
    contentType: 'text/plain',
    sizeBytes: 100,
    ...overrides,
  };
}

describe('classifyAutomatic rules', () => {
  it('lets a plain human message through', () => {
    expect(classifyAutomatic(mail({}), 'jane@customer.test')).toEqual({ automatic: false });
    expect(classifyAutomatic(mail({ 'Auto-Submitted': 'no', Precedence: 'normal' }))).toEqual({
      automatic: false,
    });
    expect(classifyAutomatic(mail({ 'X-Auto-Response-Suppress': 'DR, RN' }))).toEqual({ automatic: false });
    // Humans write about bounces and vacations, in replies and in their own words.
    for (const subject of [
      'Re: Undelivered Mail Returned to Sender',
      'Out of office next week?',
      'Re: Automatic reply: x',
    ]) {
      expect(classifyAutomatic(mail({}, { subject }))).toEqual({ automatic: false });
    }
  });

  it('reads report types', () => {
    const report = (reportType: string | undefined) =>
      classifyAutomatic(mail({}, { contentType: 'multipart/report', ...(reportType ? { reportType } : {}) }));
    expect(report('delivery-status')).toEqual({
      automatic: true,
      kind: 'bounce',
      reason: 'delivery-status-report',
    });
    expect(report('feedback-report')).toEqual({
      automatic: true,
      kind: 'complaint',
      reason: 'feedback-report',
    });
    expect(report('disposition-notification')).toMatchObject({
      kind: 'auto-reply',
      reason: 'disposition-notification',
    });
    expect(report(undefined)).toMatchObject({ kind: 'bounce', reason: 'report' });
  });

  it('reads RFC 3834 and vendor headers', () => {
    expect(classifyAutomatic(mail({ 'Auto-Submitted': 'auto-replied (vacation)' }))).toMatchObject({
      kind: 'auto-reply',
      reason: 'auto-submitted',
    });
    expect(classifyAutomatic(mail({ 'Auto-Submitted': 'Auto-Generated' }))).toMatchObject({
      reason: 'auto-submitted',
    });
    expect(classifyAutomatic(mail({ 'X-Autoreply': 'yes' }))).toMatchObject({ kind: 'auto-reply' });
    expect(classifyAutomatic(mail({ 'X-Autorespond': 'x' }))).toMatchObject({ kind: 'auto-reply' });
    for (const value of ['bulk', 'junk', 'list']) {
      expect(classifyAutomatic(mail({ Precedence: ` ${value.toUpperCase()} ` }))).toEqual({
        automatic: true,
        kind: 'bulk',
        reason: `precedence-${value}`,
      });
    }
    for (const value of ['All', 'OOF', 'AutoReply', 'DR, OOF']) {
      expect(classifyAutomatic(mail({ 'X-Auto-Response-Suppress': value }))).toMatchObject({
        reason: 'auto-response-suppress',
      });
    }
    expect(classifyAutomatic(mail({ 'List-Id': '<news.example.test>' }))).toMatchObject({
      kind: 'bulk',
      reason: 'list',
    });
    expect(classifyAutomatic(mail({ 'List-Unsubscribe': '<mailto:u@x.test>' }))).toMatchObject({
      reason: 'list',
    });
  });

  it('treats a null return path as a bounce, unless the subject says auto-reply', () => {
    for (const envelope of ['', '<>']) {
      expect(classifyAutomatic(mail({}), envelope)).toMatchObject({
        kind: 'bounce',
        reason: 'null-return-path',
      });
    }
    expect(classifyAutomatic(mail({ 'Return-Path': '<>' }))).toMatchObject({ reason: 'null-return-path' });
    // The envelope, when known, wins over a stale header.
    expect(classifyAutomatic(mail({ 'Return-Path': '<>' }), 'jane@customer.test')).toEqual({
      automatic: false,
    });
    expect(classifyAutomatic(mail({}, { subject: 'Automatic reply: Question' }), '<>')).toMatchObject({
      kind: 'auto-reply',
    });
  });

  it('recognises MTA senders and bounce subjects', () => {
    const daemon = { address: 'MAILER-DAEMON@mx.example.test'.toLowerCase(), name: 'Mail Delivery System' };
    expect(classifyAutomatic(mail({}, { from: daemon }))).toMatchObject({
      kind: 'bounce',
      reason: 'mailer-daemon',
    });
    expect(
      classifyAutomatic(mail({}, { from: { address: 'postmaster@example.test', name: '' } })),
    ).toMatchObject({
      reason: 'mailer-daemon',
    });
    expect(classifyAutomatic(mail({}), 'MAILER-DAEMON@mx.example.test')).toMatchObject({
      reason: 'mailer-daemon',
    });
    for (const subject of [
      'Undelivered Mail Returned to Sender',
      'Delivery Status Notification (Failure)',
      'Returned mail: see transcript for details',
      'Undeliverable: Question',
      'Mail delivery failed: returning message to sender',
    ]) {
      expect(classifyAutomatic(mail({}, { subject }))).toMatchObject({
        kind: 'bounce',
        reason: 'bounce-subject',
      });
    }
    for (const subject of ['Automatic reply: Question', 'Out of Office: Question', 'Auto-Reply: Question']) {
      expect(classifyAutomatic(mail({}, { subject }))).toMatchObject({
        kind: 'auto-reply',
        reason: 'auto-reply-subject',
      });
    }
  });

  it('recognises non-standard bounces by subject and body, whoever sent them', () => {
    const relay = { from: { address: 'notify@relay.test', name: 'InterScan Notification' } };
    expect(classifyAutomatic(mail({}, { ...relay, subject: 'Mail could not be delivered' }))).toMatchObject({
      kind: 'bounce',
      reason: 'bounce-subject',
    });
    const transcript = 'Sent <<< RCPT TO:<kijitora@example.co.jp>\nReceived >>> 550 5.1.1 user unknown';
    expect(
      classifyAutomatic(mail({}, { ...relay, subject: 'Nyaan', text: `...\n\n${transcript}` })),
    ).toMatchObject({
      kind: 'bounce',
      reason: 'bounce-body',
    });
    // A person forwarding the same report, or quoting a report sentence without the returned message,
    // and an order's delivery, stay human.
    expect(classifyAutomatic(mail({}, { subject: 'Fwd: Nyaan', text: transcript }))).toEqual({
      automatic: false,
    });
    expect(
      classifyAutomatic(mail({}, { text: 'It said:\ndid not reach the following recipient(s): bob' })),
    ).toEqual({ automatic: false });
    for (const subject of ['Delivery status of my order', 'Failed delivery', 'Delivery status']) {
      expect(classifyAutomatic(mail({}, { subject }))).toEqual({ automatic: false });
    }
  });

  it('uses no pattern that backtracks on hostile subjects and bodies', async () => {
    for (const pattern of [BOUNCE_SUBJECT, BOUNCE_TRANSCRIPT_LINE, BOUNCE_REPORT_LINE]) {
      expect((await recheckStatus(pattern)).status).toBe('safe');
    }
  });
});
