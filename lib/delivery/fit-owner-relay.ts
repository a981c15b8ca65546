import { composeMail } from '../mail/compose-mail.js';
import { formatBytes, SES_MAX_SEND_BYTES } from '../mail/mail-size.js';
import type { ComposeInput } from '../mail/mail-types.js';
import { rawMailLocationLines } from '../mail/raw-mail-location-text.js';
import type { DeliveryDeps } from './delivery-deps.js';

/**
 * Composes a relay to an owner, and when the composed mail is over what SES sends (re-encoding binary
 * or 8-bit parts as base64 grows a mail by a third), composes it again without the attachments and
 * with a note naming them and where the raw mail is, so the relay goes out instead of failing forever.
 */
export async function fitOwnerRelay(
  deps: Pick<DeliveryDeps, 'rawMail'> & Partial<Pick<DeliveryDeps, 'now'>>,
  relay: ComposeInput,
  rawKey: string,
  maxBytes = SES_MAX_SEND_BYTES,
): Promise<Buffer> {
  const raw = await composeMail(relay);
  if (raw.length <= maxBytes) return raw;
  const attachments = relay.attachments ?? [];
  const located = await deps.rawMail.locate(rawKey);
  const note = [
    `This mail with its attachments is ${formatBytes(raw.length)}, over the ${formatBytes(maxBytes)} that can be relayed.`,
    'The attachments were left out:',
    ...attachments.map(
      (a) => `  - ${a.filename || '(no name)'} (${a.contentType}, ${formatBytes(a.content.length)})`,
    ),
    ...rawMailLocationLines(located, rawKey, deps.now?.() ?? new Date()),
  ].join('\n');
  const { html: _html, ...withoutHtml } = relay;
  return composeMail({ ...withoutHtml, text: `${note}\n\n${relay.text}`, attachments: [] });
}
