import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  parseReplyTokenKeys,
  previousKeyValid,
  type ReplyTokenKey,
  type ReplyTokenWindow,
  readTokenAddress,
} from './reply-token.js';

/** Hex characters of the HMAC kept in a consult token: as many as a reply token keeps (96 bits). */
const MAC_HEX_LENGTH = 24;

/** The local-part prefix of consult addresses; reply addresses use `reply+`. */
export const CONSULT_PREFIX = 'consult+';

/**
 * The MAC of a consult token. Its input starts with `consult-token:` where a reply token's starts with
 * `reply-token:`, so no signature of one kind is ever a signature of the other, and it holds the
 * colleague's address, so a token handed to one colleague verifies for nobody else.
 */
function mac(conversationId: string, colleague: string, key: ReplyTokenKey): string {
  const input = `consult-token:v1:${key.id}:${conversationId}:${normalisedColleague(colleague)}`;
  return createHmac('sha256', key.key).update(input).digest('hex').slice(0, MAC_HEX_LENGTH);
}

function normalisedColleague(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * The consult address of one colleague in one conversation, signed with the reply-token secret's current
 * key: `consult+<conversation>.<key id>.<hmac>@<replyDomain>`, or `consult+<conversation>.<hmac>@…` for a
 * key without an id. Mail to it leads to the conversation's owner only, never to the customer.
 */
export function consultAddressFor(
  conversationId: string,
  colleague: string,
  secret: string,
  replyDomain: string,
): string {
  const { current } = parseReplyTokenKeys(secret);
  const keyPart = current.id === '' ? '' : `${current.id}.`;
  return `${CONSULT_PREFIX}${conversationId}.${keyPart}${mac(conversationId, colleague, current)}@${replyDomain}`;
}

/** What a consult address claims, before verification. */
export interface ClaimedConsultToken {
  conversationId: string;
  signature: string;
  /** The key the token names; absent for tokens of a key without an id. */
  keyId?: string;
}

/**
 * Reads the token out of a consult address on the reply domain. Returns `undefined` for any other
 * address: another domain, a reply address, a local part that is not a token.
 */
export function readConsultAddress(address: string, replyDomain: string): ClaimedConsultToken | undefined {
  return readTokenAddress(address, replyDomain, CONSULT_PREFIX);
}

/**
 * Whether a claimed consult token was handed to `colleague`: its signature checked in constant time with
 * the key it names (the previous key only within `window`, as for reply tokens).
 */
export function verifyConsultToken(
  claim: ClaimedConsultToken,
  colleague: string,
  secret: string,
  window?: ReplyTokenWindow,
): boolean {
  const keys = parseReplyTokenKeys(secret);
  const keyId = claim.keyId ?? '';
  let key: ReplyTokenKey | undefined;
  if (keys.current.id === keyId) key = keys.current;
  else if (keys.previous?.id === keyId && window && previousKeyValid(keys.previous.retiredAt, window)) {
    key = keys.previous;
  }
  if (!key) return false;
  const expected = Buffer.from(mac(claim.conversationId, colleague, key), 'utf8');
  const given = Buffer.from(claim.signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Which of the colleagues asked in a conversation a claimed token was handed to, or `undefined` when it
 * was handed to none of them (forged, or of another conversation).
 */
export function boundColleague(
  claim: ClaimedConsultToken,
  colleagues: readonly string[],
  secret: string,
  window?: ReplyTokenWindow,
): string | undefined {
  return colleagues
    .map(normalisedColleague)
    .find((colleague) => verifyConsultToken(claim, colleague, secret, window));
}
