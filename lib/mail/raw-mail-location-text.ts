import type { RawMailLocation } from '../ports/raw-mail-store.js';

/** The inbound id of a raw-mail key (`inbound/<id>`), as `spoc raw` takes it. */
export function inboundIdOfKey(rawKey: string): string {
  return rawKey.startsWith('inbound/') ? rawKey.slice('inbound/'.length) : rawKey;
}

/**
 * The lines of a notice that say where the complete raw mail is and for how long that link works, and
 * the command that fetches it at any time after (`spoc raw`, which signs a new link on demand).
 */
export function rawMailLocationLines(located: RawMailLocation, rawKey: string, now: Date): string[] {
  const command = `spoc raw ${inboundIdOfKey(rawKey)}`;
  const lines = [`The complete mail as received: ${located.location}`];
  if (located.expiresAt) {
    const hours = Math.max(0, (located.expiresAt.getTime() - now.getTime()) / 3_600_000);
    const span = hours >= 48 ? `${Math.floor(hours / 24)} days` : `${Math.max(1, Math.floor(hours))} hours`;
    lines.push(
      `This link works until ${located.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC (about ${span}); at any time, fetch the mail with: ${command}`,
    );
  } else if (located.shortLived) {
    lines.push(
      `This link works for a few hours at most (it is signed with temporary credentials); at any time, fetch the mail with: ${command}`,
    );
  } else {
    lines.push(`Or fetch it with: ${command}`);
  }
  return lines;
}
