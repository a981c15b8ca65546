import { createHmac, timingSafeEqual } from 'node:crypto';

/** Hex characters of the HMAC kept in a token: 96 bits, plenty against guessing while keeping addresses short. */
const MAC_HEX_LENGTH = 24;
const TOKEN_PATTERN = /^reply\+([a-z0-9]{8,40})\.([a-f0-9]+)$/;

function mac(conversationId: string, secret: string): string {
  return createHmac('sha256', secret)
    .update(`reply-token:v1:${conversationId}`)
    .digest('hex')
    .slice(0, MAC_HEX_LENGTH);
}

/** The signed reply address of a conversation: `reply+<conversation>.<hmac>@<replyDomain>`. */
export function replyAddressFor(conversationId: string, secret: string, replyDomain: string): string {
  return `reply+${conversationId}.${mac(conversationId, secret)}@${replyDomain}`;
}

/** What a recipient address on the reply domain claims, before verification. */
export interface ClaimedReplyToken {
  conversationId: string;
  signature: string;
}

/**
 * Reads the token out of an address on the reply domain. Returns `undefined` for any other address
 * (a different domain, or a local part that is not a token).
 */
export function readReplyAddress(address: string, replyDomain: string): ClaimedReplyToken | undefined {
  const normalized = address.trim().toLowerCase();
  const at = normalized.lastIndexOf('@');
  if (at < 0 || normalized.slice(at + 1) !== replyDomain.toLowerCase()) return undefined;
  const match = TOKEN_PATTERN.exec(normalized.slice(0, at));
  if (!match?.[1] || !match[2]) return undefined;
  return { conversationId: match[1], signature: match[2] };
}

/** True when the address is on the reply domain at all (signed or not). */
export function isOnReplyDomain(address: string, replyDomain: string): boolean {
  return address.trim().toLowerCase().endsWith(`@${replyDomain.toLowerCase()}`);
}

/** Checks a claimed token's signature in constant time. */
export function verifyReplyToken(claim: ClaimedReplyToken, secret: string): boolean {
  const expected = Buffer.from(mac(claim.conversationId, secret), 'utf8');
  const given = Buffer.from(claim.signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
