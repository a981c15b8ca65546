/** Edits (insert, delete, substitute one character) that turn `a` into `b`, case-insensitively. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (s[i - 1] === t[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[t.length] ?? 0;
}

/**
 * The known key an unknown one most likely meant: the nearest by edit distance (ignoring case, so
 * `supportname` finds `supportName`), if it is near enough to be a typo — at most a third of the longer
 * name's length, and never fewer than two edits.
 */
export function closestKnownKey(unknown: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(unknown, key);
    if (!best || distance < best.distance) best = { key, distance };
  }
  if (!best) return undefined;
  const allowed = Math.max(2, Math.floor(Math.max(unknown.length, best.key.length) / 3));
  return best.distance <= allowed ? best.key : undefined;
}
