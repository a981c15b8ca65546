import type { AutomaticReason } from '../domain/outcome-reasons.js';
import type { ParsedMail } from './mail-types.js';

/** What kind of machine-generated mail a message is, if any. */
export type AutomaticKind = 'bounce' | 'complaint' | 'auto-reply' | 'bulk';

/** Verdict of {@link classifyAutomatic}; `reason` is recorded with the outcome. */
export type AutomaticVerdict =
  | { automatic: false }
  | { automatic: true; kind: AutomaticKind; reason: AutomaticReason };

const HUMAN: AutomaticVerdict = Object.freeze({ automatic: false });

function automatic(kind: AutomaticKind, reason: AutomaticReason): AutomaticVerdict {
  return { automatic: true, kind, reason };
}

/** Report types of `multipart/report` (RFC 6522) and what they mean for us. */
const REPORT_TYPES: Readonly<Record<string, readonly [AutomaticKind, AutomaticReason]>> = {
  'delivery-status': ['bounce', 'delivery-status-report'],
  // RFC 6533 internationalised DSN.
  'global-delivery-status': ['bounce', 'delivery-status-report'],
  'feedback-report': ['complaint', 'feedback-report'],
  'disposition-notification': ['auto-reply', 'disposition-notification'],
  'global-disposition-notification': ['auto-reply', 'disposition-notification'],
};

/** Report bodies that some MTAs send without a `multipart/report` wrapper (or nest one level down). */
const REPORT_PARTS: Readonly<Record<string, readonly [AutomaticKind, AutomaticReason]>> = {
  'message/delivery-status': ['bounce', 'delivery-status-report'],
  'message/global-delivery-status': ['bounce', 'delivery-status-report'],
  'message/feedback-report': ['complaint', 'feedback-report'],
  'message/disposition-notification': ['auto-reply', 'disposition-notification'],
};

/** Local parts that only MTAs send from (RFC 5321 §4.5.1, RFC 2142, and common MTA variants). */
const DAEMON_LOCAL_PART =
  /^(mailer[-_]?daemon|postmaster|post_master|mail[-_.]?delivery[-_.]?(system|subsystem))$/;

/**
 * Subjects MTAs give their non-delivery reports. Anchored at the start, so a human's "Re: …" about a
 * bounce does not match. Only consulted after the structural signals.
 */
export const BOUNCE_SUBJECT =
  /^(\[postmaster\] ?)?(undelivered mail returned to sender|undeliver(ed|able)( mail| message)?\s*(:|$)|returned mail\b|(mail )?delivery status notification\s*(\((failure|delay)\)|:|$)|mail delivery (failed|failure|subsystem)|(e-?mail )?delivery (failure|failed|has failed|notification: delivery has failed)|message delivery has failed|failure notice$|non[- ]?delivery (report|notification)|(message|mail) (could not be|not) delivered|mail system error|warning:? ?-*could not send (message|mail)|there was an error sending your mail|delayed mail\b|mail failed, returning to sender|postfix smtp server: errors from|メッセージを配信できません|メールエラー通知)/i;

/**
 * Lines only an MTA's non-delivery report carries: an SMTP transcript (`Sent <<< RCPT TO:`, `<<< 550`,
 * `RCPT TO:`) or an MTA naming itself (qmail, Postfix, OpenSMTPD). Checked at the start of lines of the body's head, after the
 * subject and sender signals, and never on a forwarded mail (a person passing a bounce on).
 */
export const BOUNCE_TRANSCRIPT_LINE =
  /^[ \t/]*((sent|received) (<<<|>>>) |<<< [245]\d\d[ -]|>>> (rcpt|mail|data)\b|rcpt to:|this is the qmail-send program|i'm not going to try again; this message has been in the queue too long|this is the mail system at host|this is the mailer-daemon, please do not reply|transcript of session follows)/im;

/**
 * Sentences of non-delivery reports that return the message as an attachment (Exchange, KDDI and
 * friends): counted only with a returned message attached, so a person quoting one stays human.
 */
export const BOUNCE_REPORT_LINE =
  /^[ \t]*(did not reach the following recipient|could not be delivered to:|the following addresses had (permanent fatal |fatal |delivery )?errors|unable to deliver message to)/im;

/** The head of a body the line signals look at: reports state themselves at the top. */
const BOUNCE_BODY_HEAD = 4096;

/** Forwarded mail: a person passing something on, whatever it quotes. */
const FORWARD_SUBJECT = /^(fwd?|wg|tr|rv)\s*:/i;

/** Hotmail's (JMRP) complaints arrive as plain multipart/mixed mail with this subject. */
const COMPLAINT_SUBJECT = /^complaint about message from\b/i;

/** Senders that state nobody reads replies; whatever they send is machine-generated. */
const NO_REPLY_LOCAL_PART = /^(no[-_.]?reply|do[-_.]?not[-_.]?reply)([-+_.].*)?$/;

/**
 * Mailing-list headers: RFC 2369 `List-*`, RFC 2919 `List-Id`, ezmlm's `Mailing-List` and fml's
 * `X-MLServer`.
 */
const LIST_HEADER = /^(list-(id|unsubscribe|subscribe|post|help|owner|archive)|mailing-list|x-mlserver)$/;

/**
 * Subjects auto-responders prefix (Outlook, Exchange, Gmail vacation, common webmail). The trailing
 * colon is required so that a human subject such as "Out of office next week?" stays human.
 */
const AUTO_REPLY_SUBJECT =
  /^(automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|out of (the )?office( auto ?reply)?|abwesenheitsnotiz|réponse automatique|risposta automatica|respuesta automática)\s*:/i;

/**
 * Decides whether a parsed mail was sent by a machine, so it never gets an automatic answer and never
 * loops. The strongest signal wins: report MIME types, then MTA senders and bounce subjects, then
 * RFC 3834 / vendor auto-reply headers, then a null return path, then bulk and list headers, and last
 * the auto-reply subject prefixes.
 *
 * @param mail The parsed mail.
 * @param envelopeFrom The SMTP `MAIL FROM` (SES `mail.source`), when known; `''` or `'<>'` is the null
 *   return path of a bounce.
 */
export function classifyAutomatic(mail: ParsedMail, envelopeFrom?: string): AutomaticVerdict {
  const header = (name: string): string | undefined => mail.headers.get(name)?.[0];

  if (mail.contentType === 'multipart/report') {
    const known = mail.reportType ? REPORT_TYPES[mail.reportType] : undefined;
    // A multipart/report is machine-generated by definition (RFC 6522), even with an unknown type.
    return known ? automatic(...known) : automatic('bounce', 'report');
  }
  const reportPart = REPORT_PARTS[mail.contentType] ?? findReportPart(mail);
  if (reportPart) return automatic(...reportPart);

  const returnPath = envelopeFrom ?? header('return-path');
  const senders = [mail.from?.address, returnPath].map(localPart);
  if (senders.some((local) => local !== undefined && DAEMON_LOCAL_PART.test(local))) {
    return automatic('bounce', 'mailer-daemon');
  }
  const subject = mail.subject.trim();
  if (BOUNCE_SUBJECT.test(subject)) return automatic('bounce', 'bounce-subject');
  if (COMPLAINT_SUBJECT.test(subject)) return automatic('complaint', 'complaint-subject');
  if (!FORWARD_SUBJECT.test(subject) && reportsNonDelivery(mail)) return automatic('bounce', 'bounce-body');

  const autoSubmitted = firstToken(header('auto-submitted'));
  if (autoSubmitted && autoSubmitted !== 'no') return automatic('auto-reply', 'auto-submitted');
  if (mail.headers.has('x-autoreply') || mail.headers.has('x-autorespond')) {
    return automatic('auto-reply', 'x-autoreply');
  }
  if (isNullPath(returnPath)) {
    // RFC 3834 §3.3 asks auto-responders for a null return path too, so the subject tells them apart.
    return AUTO_REPLY_SUBJECT.test(subject)
      ? automatic('auto-reply', 'auto-reply-subject')
      : automatic('bounce', 'null-return-path');
  }

  const precedence = firstToken(header('precedence'));
  if (precedence === 'bulk' || precedence === 'junk' || precedence === 'list') {
    return automatic('bulk', `precedence-${precedence}`);
  }
  // Exchange marks its own automatic mail (OOF, recalls, system notices) so others do not answer it.
  const suppress = (header('x-auto-response-suppress') ?? '').toLowerCase().split(/[\s,]+/);
  if (suppress.some((value) => value === 'all' || value === 'oof' || value === 'autoreply')) {
    return automatic('bulk', 'auto-response-suppress');
  }
  for (const name of mail.headers.keys()) if (LIST_HEADER.test(name)) return automatic('bulk', 'list');
  // SES/SNS e-mail subscriptions (bounce and complaint notifications among them).
  if (mail.headers.has('x-amz-sns-message-id')) return automatic('bulk', 'sns-notification');
  const fromLocal = localPart(mail.from?.address);
  if (fromLocal !== undefined && NO_REPLY_LOCAL_PART.test(fromLocal))
    return automatic('bulk', 'no-reply-sender');

  if (AUTO_REPLY_SUBJECT.test(subject)) return automatic('auto-reply', 'auto-reply-subject');
  return HUMAN;
}

/** An SMTP transcript in the body's head, or a report sentence with the returned message attached. */
function reportsNonDelivery(mail: ParsedMail): boolean {
  const head = mail.text.slice(0, BOUNCE_BODY_HEAD);
  if (BOUNCE_TRANSCRIPT_LINE.test(head)) return true;
  const returned = mail.attachments.some(
    (part) => part.contentType === 'message/rfc822' || part.contentType === 'text/rfc822-headers',
  );
  return returned && BOUNCE_REPORT_LINE.test(head);
}

function findReportPart(mail: ParsedMail): readonly [AutomaticKind, AutomaticReason] | undefined {
  for (const attachment of mail.attachments) {
    const known = REPORT_PARTS[attachment.contentType];
    if (known) return known;
  }
  return undefined;
}

/** The first token of a structured header value, lower-cased (`auto-replied; owner=x` → `auto-replied`). */
function firstToken(value: string | undefined): string | undefined {
  return (
    value
      ?.trim()
      .toLowerCase()
      .split(/[\s;(]/, 1)[0] || undefined
  );
}

/** `''`, `<>` or `< >` (with optional comments around it) is the null reverse path. */
function isNullPath(value: string | undefined): boolean {
  if (value === undefined) return false;
  return /^<?\s*>?$/.test(withoutComments(value).trim());
}

/** `value` without `(…)` comments; indexOf instead of `/\([^)]*\)/g`, which rescans from every `(`. */
function withoutComments(value: string): string {
  let kept = '';
  let from = 0;
  for (;;) {
    const open = value.indexOf('(', from);
    const close = open < 0 ? -1 : value.indexOf(')', open);
    if (close < 0) return kept + value.slice(from);
    kept += value.slice(from, open);
    from = close + 1;
  }
}

function localPart(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const address = value.replace(/^.*</, '').replace(/>.*$/s, '').trim().toLowerCase();
  const at = address.lastIndexOf('@');
  const local = at >= 0 ? address.slice(0, at) : address;
  return local || undefined;
}
