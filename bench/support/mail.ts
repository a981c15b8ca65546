import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { parseMail } from '../../lib/mail/parse-mail.js';
import { ownerReply } from '../../test/support/client-replies.js';
import { corpusDir } from '../../test/support/corpus.js';

export function compose(options: Mail.Options): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

export function newMessageId(domain: string): string {
  return `<${randomBytes(8).toString('hex')}@${domain}>`;
}

/** A first mail of a customer. */
export function customerMail(
  customer: string,
  options: { messageId?: string; references?: string[]; tag?: string } = {},
) {
  const messageId = options.messageId ?? newMessageId('customer.test');
  // A tag in the text finds the mail again in its relay.
  const tag = options.tag ? `\nReference: ${options.tag}\n` : '';
  return compose({
    from: { name: 'Jane Doe', address: customer },
    to: 'support@example.test',
    subject: options.references ? 'Re: My order has not arrived' : 'My order has not arrived',
    messageId,
    ...(options.references
      ? { inReplyTo: options.references.at(-1), references: options.references.join(' ') }
      : {}),
    text: `Hello,\n\nI ordered a blue kettle two weeks ago (order 4711) and it has not arrived yet.\nCould you check where it is?\n\nThanks,\nJane\n${tag}`,
    html: `<p>Hello,</p><p>I ordered a blue kettle two weeks ago (order 4711) and it has not arrived yet. Could you check where it is?</p><p>Thanks,<br>Jane</p>${options.tag ? `<p>Reference: ${options.tag}</p>` : ''}`,
  });
}

/** The owner's answer to a relay, as Gmail would write it. */
export async function ownerAnswer(relayRaw: Buffer, owner: { address: string; name: string }) {
  const relay = await parseMail(relayRaw, { maxHeaderBytes: 16 * 1024 * 1024 });
  const options = ownerReply(
    'gmail',
    relay,
    owner,
    'Hi Jane,\n\nIt left our warehouse today; tracking follows.\n\nAlice',
  );
  const envelope = options.envelope as { from: string; to: string[] };
  return { raw: await compose(options), envelope };
}

const NOT_MAIL =
  /(^|\/)(LICENSE[^/]*|MIT-LICENSE|NOTICE|README\.md|EXPECTED\.md|\.gitattributes)$|\.(json|txt|html|md)$|_expected\.email$|_reply_text$|_signature$/;

/** Every mail message of the shared corpus (as the corpus e2e test selects them), sorted. */
export async function corpusMails(): Promise<Array<{ path: string; raw: Buffer }>> {
  const root = corpusDir();
  const walk = async (dir: string): Promise<string[]> => {
    const out: string[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (['ses-events', 'replies-trimmer', 'signature'].includes(entry.name)) continue;
        out.push(...(await walk(path)));
      } else if (!NOT_MAIL.test(path)) out.push(path);
    }
    return out;
  };
  const relay = join(root, 'ses-events', 'fx-private-relay');
  const files = (await walk(root))
    .concat((await readdir(relay)).filter((f) => f.endsWith('_incoming.email')).map((f) => join(relay, f)))
    .sort();
  return Promise.all(
    files.map(async (path) => ({ path: path.slice(root.length + 1), raw: await readFile(path) })),
  );
}
