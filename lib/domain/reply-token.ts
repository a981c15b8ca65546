import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from './errors.js';

/** Hex characters of the HMAC kept in a token: 96 bits, plenty against guessing while keeping addresses short. */
const MAC_HEX_LENGTH = 24;
const CONVERSATION_PATTERN = /^[a-z0-9]{8,40}$/;
const KEY_ID_PATTERN = /^[a-z0-9]{1,8}$/;
const MAC_PATTERN = /^[a-f0-9]{1,64}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** One reply-token key. Tokens of a key with an id name it; the id '' is the key of unnamed tokens. */
export interface ReplyTokenKey {
  id: string;
  key: string;
}

/**
 * The keys a reply-token secret holds: the current one signs; the previous one, retired at
 * `retiredAt`, still verifies for the configured grace days so addresses handed out before a rotation
 * keep working.
 */
export interface ReplyTokenKeys {
  current: ReplyTokenKey;
  previous?: ReplyTokenKey & { retiredAt: string };
}

/** When a previous key still counts: the moment of the check and the grace after its retirement. */
export interface ReplyTokenWindow {
  now: Date;
  graceDays: number;
}

let lastParsed: { secret: string; keys: ReplyTokenKeys } | undefined;

/**
 * Reads a reply-token secret (Secrets Manager's value, or local mode's key file). A plain string is one
 * key without an id (tokens `reply+<conversation>.<hmac>`, the format before key ids); JSON
 * `{"current":{"id":"k2","key":"…"},"previous":{"id":"k1","key":"…","retiredAt":"<ISO time>"}}`
 * holds a rotation. Ids are 1–8 of `a-z0-9` ('' for unnamed tokens).
 */
export function parseReplyTokenKeys(secret: string): ReplyTokenKeys {
  if (lastParsed?.secret === secret) return lastParsed.keys;
  const trimmed = secret.trim();
  let keys: ReplyTokenKeys;
  if (!trimmed.startsWith('{')) {
    keys = { current: { id: '', key: checkedKey(trimmed, 'key') } };
  } else {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw new ConfigError('the reply-token secret starts with { but is not JSON', { cause: error });
    }
    const record = value as { current?: unknown; previous?: unknown };
    const current = checkedEntry(record.current, 'current');
    keys = { current };
    if (record.previous !== undefined && record.previous !== null) {
      const previous = checkedEntry(record.previous, 'previous');
      const retiredAt = (record.previous as { retiredAt?: unknown }).retiredAt;
      if (typeof retiredAt !== 'string' || Number.isNaN(Date.parse(retiredAt))) {
        throw new ConfigError("the reply-token secret's previous key needs retiredAt, an ISO time");
      }
      if (previous.id === current.id) {
        throw new ConfigError("the reply-token secret's previous key needs an id other than the current one");
      }
      keys.previous = { ...previous, retiredAt };
    }
  }
  lastParsed = { secret, keys };
  return keys;
}

function checkedKey(key: unknown, what: string): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new ConfigError(`the reply-token secret's ${what} must be a non-empty string`);
  }
  return key;
}

function checkedEntry(entry: unknown, what: string): ReplyTokenKey {
  if (typeof entry !== 'object' || entry === null) {
    throw new ConfigError(`the reply-token secret has no ${what} key`);
  }
  const { id, key } = entry as { id?: unknown; key?: unknown };
  const keyId = id ?? '';
  if (typeof keyId !== 'string' || (keyId !== '' && !KEY_ID_PATTERN.test(keyId))) {
    throw new ConfigError(`the reply-token secret's ${what} id must be 1-8 of a-z and 0-9, or ''`);
  }
  return { id: keyId, key: checkedKey(key, `${what} key`) };
}

function mac(conversationId: string, key: ReplyTokenKey): string {
  // Unnamed tokens keep their original input, so addresses handed out before key ids stay valid.
  const input =
    key.id === '' ? `reply-token:v1:${conversationId}` : `reply-token:v2:${key.id}:${conversationId}`;
  return createHmac('sha256', key.key).update(input).digest('hex').slice(0, MAC_HEX_LENGTH);
}

/**
 * The signed reply address of a conversation, signed with the secret's current key:
 * `reply+<conversation>.<key id>.<hmac>@<replyDomain>`, or `reply+<conversation>.<hmac>@…` for a key
 * without an id.
 */
export function replyAddressFor(conversationId: string, secret: string, replyDomain: string): string {
  const { current } = parseReplyTokenKeys(secret);
  const keyPart = current.id === '' ? '' : `${current.id}.`;
  return `reply+${conversationId}.${keyPart}${mac(conversationId, current)}@${replyDomain}`;
}

/** What a recipient address on the reply domain claims, before verification. */
export interface ClaimedReplyToken {
  conversationId: string;
  signature: string;
  /** The key the token names; absent for tokens without a key id. */
  keyId?: string;
}

/**
 * Reads the token out of an address on the reply domain. Returns `undefined` for any other address
 * (a different domain, or a local part that is not a token).
 */
export function readReplyAddress(address: string, replyDomain: string): ClaimedReplyToken | undefined {
  return readTokenAddress(address, replyDomain, 'reply+');
}

/**
 * Reads `<prefix><conversation>.[<key id>.]<signature>@<replyDomain>`, the one form of every signed
 * address (reply and consult tokens alike); `undefined` for any other address.
 */
export function readTokenAddress(
  address: string,
  replyDomain: string,
  prefix: string,
): ClaimedReplyToken | undefined {
  const normalized = address.trim().toLowerCase();
  const at = normalized.lastIndexOf('@');
  if (at < 0 || normalized.slice(at + 1) !== replyDomain.trim().toLowerCase()) return undefined;
  const local = normalized.slice(0, at);
  if (!local.startsWith(prefix)) return undefined;
  const parts = local.slice(prefix.length).split('.');
  const [conversationId, middle, last] = parts;
  if (parts.length < 2 || parts.length > 3 || !conversationId || !CONVERSATION_PATTERN.test(conversationId)) {
    return undefined;
  }
  const signature = parts.length === 3 ? last : middle;
  if (!signature || !MAC_PATTERN.test(signature)) return undefined;
  if (parts.length === 2) return { conversationId, signature };
  if (!middle || !KEY_ID_PATTERN.test(middle)) return undefined;
  return { conversationId, signature, keyId: middle };
}

/** True when the address is on the reply domain at all (signed or not). */
export function isOnReplyDomain(address: string, replyDomain: string): boolean {
  return address.trim().toLowerCase().endsWith(`@${replyDomain.toLowerCase()}`);
}

/**
 * Checks a claimed token's signature in constant time, with the key it names: the current key, or the
 * previous one while `window.now` is within `window.graceDays` of its retirement (without a window,
 * only the current key counts).
 */
export function verifyReplyToken(
  claim: ClaimedReplyToken,
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
  const expected = Buffer.from(mac(claim.conversationId, key), 'utf8');
  const given = Buffer.from(claim.signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Whether a key retired at `retiredAt` still verifies at `window.now`. */
export function previousKeyValid(retiredAt: string, window: ReplyTokenWindow): boolean {
  return window.now.getTime() <= Date.parse(retiredAt) + window.graceDays * DAY_MS;
}
