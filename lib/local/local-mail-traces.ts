import type { RawMailStore } from '../ports/raw-mail-store.js';

const INBOUND_PREFIX = 'inbound/';

/**
 * What local mode's SMTP entry keeps beside each raw mail `inbound/<id>` (see `LocalInboundQueue`): the
 * envelope `envelope/<id>.json`, which names the sender, and the resend marker `received/<hash>`, whose
 * content is the id. Returns the keys of those that exist for the given raw mail keys, so that forgetting
 * a customer removes them with the mail. In AWS the bucket holds no such objects and this finds none.
 */
export async function localMailTraces(rawMail: RawMailStore, rawKeys: readonly string[]): Promise<string[]> {
  const ids = new Set(
    rawKeys.filter((key) => key.startsWith(INBOUND_PREFIX)).map((key) => key.slice(INBOUND_PREFIX.length)),
  );
  if (ids.size === 0) return [];
  const envelopes = new Set(await rawMail.listKeys('envelope/'));
  const traces = [...ids].map((id) => `envelope/${id}.json`).filter((key) => envelopes.has(key));
  // A marker's key is a hash of the mail, so the only way to its id is to read it.
  for (const key of await rawMail.listKeys('received/')) {
    const id = (await rawMail.getRaw(key)).toString('utf8');
    if (ids.has(id)) traces.push(key);
  }
  return traces;
}
