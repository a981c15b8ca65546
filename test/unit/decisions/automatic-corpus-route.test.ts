import { describe, expect, it } from 'vitest';
import type { ParsedMail } from '../../../lib/mail/mail-types.js';
import { parseMail } from '../../../lib/mail/parse-mail.js';
import { routeNotice } from '../../../lib/use-cases/route-notice.js';
import { corpusAvailable, corpusFile, corpusFiles } from '../../support/corpus.js';
import { CONFIG, NOTICE } from './fixtures.js';

/**
 * The routing decision for every bounce, complaint and auto-reply of the corpus, as it arrives at the
 * support address. The engine tests (loops-and-floods, corpus-through-smtp) send a share of each kind
 * through the handler and the SMTP entry, for what the store records and that nothing is sent; which
 * route each mail takes is decided here, without I/O, for all of them.
 */
describe.skipIf(!corpusAvailable())('routeNotice on the automatic corpus mail (pure)', () => {
  const files = corpusFiles('bounces-sisimai', (name) => name.endsWith('.eml'));
  const parsed = new Map<string, ParsedMail>();
  const parsedMail = async (file: string): Promise<ParsedMail> => {
    const known = parsed.get(file);
    if (known) return known;
    const mail = await parseMail(corpusFile(file));
    parsed.set(file, mail);
    return mail;
  };
  const notAutomatic = async (chosen: string[], envelopeFrom: string) => {
    const found: string[] = [];
    for (const file of chosen) {
      const route = routeNotice(
        { config: CONFIG },
        { ...NOTICE, recipients: [CONFIG.supportAddress], envelopeFrom },
        await parsedMail(file),
      );
      if (route.kind !== 'automatic') found.push(`${file}: ${JSON.stringify(route)}`);
    }
    return found;
  };

  it('routes every mail of bounces-sisimai with the null reverse path as automatic, before anything else', async () => {
    expect(files.length).toBeGreaterThan(600);
    expect(await notAutomatic(files, '')).toEqual([]);
  });

  it('routes every RFC 3834, ARF and RFC 3464 sample from a mailer daemon as automatic', async () => {
    const samples = files.filter((file) => /^bounces-sisimai\/(rfc3834|arf|rfc3464)-/.test(file));
    expect(samples.length).toBeGreaterThan(50);
    expect(await notAutomatic(samples, 'mailer-daemon@mx.test')).toEqual([]);
  });
});
