import addressparser from 'nodemailer/lib/addressparser';
import * as z from '../validation/zod-mini.js';
import { isOwnAddress } from './customer-trust.js';
import { isFreeMailDomain } from './free-mail-domains.js';
import { domainOf, normalizeAddress } from './mail-address.js';

/** A colleague named in `#ask`: lower-cased address and the name written beside it ('' when none). */
export interface Colleague {
  address: string;
  name: string;
}

/** Colleagues one `#ask` may name: each receives a mail of the whole conversation. */
export const MAX_COLLEAGUES_PER_ASK = 5;

const emailSchema = z.email();

/**
 * Reads the addresses after `#ask` with nodemailer's address parser: `carol@example.com`,
 * `Carol Diaz <carol@example.com>, dave@example.com`, `carol@… dave@…` (bare addresses may be separated
 * by spaces alone), and the `<mailto:…>` a client adds when it turns a typed address into a link.
 * Addresses are lower-cased and each is named once.
 */
export function readColleagues(argument: string): { colleagues: Colleague[] } | { problem: string } {
  const unlinked = argument.replace(/mailto:/gi, '');
  // Without a quoted name or an angle bracket, spaces separate bare addresses too.
  const text = unlinked.includes('<') || unlinked.includes('"') ? unlinked : unlinked.split(/\s+/).join(', ');
  const colleagues: Colleague[] = [];
  for (const { address, name } of addressparser(text, { flatten: true })) {
    const normalised = normalizeAddress(address ?? '');
    const written = (name ?? '').trim();
    if (!emailSchema.safeParse(normalised).success) {
      return { problem: `"${written || normalised}" is not an email address` };
    }
    if (written.includes('@') && written.toLowerCase() !== normalised) {
      return { problem: `put a comma between the addresses in "${written} <${normalised}>"` };
    }
    if (colleagues.some((colleague) => colleague.address === normalised)) continue;
    colleagues.push({ address: normalised, name: written.includes('@') ? '' : written });
  }
  if (colleagues.length === 0) return { problem: '#ask needs the address of the colleague to ask' };
  if (colleagues.length > MAX_COLLEAGUES_PER_ASK) {
    return { problem: `#ask names at most ${MAX_COLLEAGUES_PER_ASK} colleagues at once` };
  }
  return { colleagues };
}

/**
 * The domains colleagues may be asked at: the domains of the owners' own addresses and the listed ones
 * (`consult.allowedDomains`), lower-cased, sorted, each once. A free-mail domain (gmail.com, …) is a
 * domain of strangers, so an owner writing from one does not open it to questions; listing it does.
 */
export function consultAllowedDomains(ownerEmails: readonly string[], listed: readonly string[]): string[] {
  const domains = new Set(listed.map((domain) => domain.trim().toLowerCase()).filter(Boolean));
  for (const email of ownerEmails) {
    const domain = domainOf(email);
    if (domain !== '' && !isFreeMailDomain(domain)) domains.add(domain);
  }
  return [...domains].sort();
}

/** Who an `#ask` may not name beside the allowed domains: the people of the conversation and ourselves. */
export interface ConsultCheckContext {
  allowedDomains: readonly string[];
  /** The owner (or backup) asking. */
  askerEmail: string;
  customerEmail: string;
  /** The conversation's Cc. */
  participants?: readonly string[];
  supportAddress: string;
  replyDomain: string;
}

/** Whether every colleague of an `#ask` may be asked; when not, every refused address and why. */
export type ConsultColleaguesCheck =
  | { allowed: true; colleagues: Colleague[] }
  | { allowed: false; problem: string; refused: string[] };

/**
 * Checks the colleagues of an `#ask`: each must be at an allowed domain (exactly that domain), and none
 * may be the customer, someone on the conversation's Cc (a question goes behind the scenes), this
 * inbox's own addresses (support, reply domain) or the asker. Nobody is asked unless all may be.
 */
export function checkConsultColleagues(
  colleagues: readonly Colleague[],
  context: ConsultCheckContext,
): ConsultColleaguesCheck {
  const allowed = new Set(context.allowedDomains.map((domain) => domain.trim().toLowerCase()));
  const inConversation = new Set(
    [context.customerEmail, ...(context.participants ?? [])].map((address) => normalizeAddress(address)),
  );
  const problems: string[] = [];
  const refused: string[] = [];
  for (const { address } of colleagues) {
    let problem: string | undefined;
    if (isOwnAddress(address, context.supportAddress, context.replyDomain)) {
      problem = `${address} is this inbox's own address`;
    } else if (address === normalizeAddress(context.askerEmail)) {
      problem = `${address} is you`;
    } else if (inConversation.has(address)) {
      problem = `${address} is in this conversation: a question goes to colleagues, behind the scenes`;
    } else if (!allowed.has(domainOf(address))) {
      problem = `${address} is not at a domain colleagues may be asked at`;
    }
    if (problem) {
      problems.push(problem);
      refused.push(address);
    }
  }
  if (problems.length === 0) return { allowed: true, colleagues: [...colleagues] };
  return { allowed: false, problem: problems.join('; '), refused };
}

/**
 * What an owner whose `#ask` was malformed or named someone who may not be asked is told: the problem,
 * nothing was sent, how to write the command, and the domains colleagues may be at.
 */
export function describeConsultAllowed(problem: string, allowedDomains: readonly string[]): string {
  const where =
    allowedDomains.length === 0
      ? 'No domain is open to questions yet: list one in consult.allowedDomains of the configuration.'
      : `Colleagues may be asked at ${allowedDomains.map((domain) => `@${domain}`).join(', ')}.`;
  return [
    `Nothing was sent to anyone: ${problem}.`,
    '',
    'To ask colleagues behind the scenes, put on the first line of your reply:',
    `  #ask carol@${allowedDomains[0] ?? 'example.com'} [more addresses, separated by commas]`,
    'and your question below it. Each colleague receives your question and the conversation so far;',
    'their answer reaches you only, never the customer.',
    '',
    where,
    '',
  ].join('\n');
}
