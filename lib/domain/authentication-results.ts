/** One result of an `Authentication-Results` field: `dkim=pass header.i=@example.com`. */
export interface AuthenticationResult {
  /** Lower-cased method: `spf`, `dkim`, `dmarc`, … */
  method: string;
  /** Lower-cased result: `pass`, `fail`, `none`, … */
  result: string;
  /** Lower-cased property name (`header.i`, `smtp.mailfrom`, `envelope-from`) → value as written. */
  properties: ReadonlyMap<string, string>;
}

/** An `Authentication-Results` field value (RFC 8601), read. */
export interface AuthenticationResults {
  /** Lower-cased: who ran the checks (`amazonses.com` for SES). */
  authservId: string;
  results: AuthenticationResult[];
}

/** Authentication methods (IANA registry); anything else after a `;` is a property of the result before. */
const METHODS = new Set([
  'arc',
  'auth',
  'bimi',
  'dkim',
  'dkim-adsp',
  'dmarc',
  'dnswl',
  'domainkeys',
  'iprev',
  'rrvs',
  'sender-id',
  'smime',
  'spf',
  'vbr',
]);

/** Longer values are not SES's (a handful of results); reading stops there, so the work stays small. */
const MAX_VALUE_CHARS = 16 * 1024;

/**
 * Reads an `Authentication-Results` value: `authserv-id; method=result prop=value …; …`. Comments in
 * parentheses (nested, with `\` escapes) are dropped, quoted strings are kept whole, and `;` inside
 * either does not split. One pass over the characters, no regular expression: the value comes from the
 * mail, and a malformed value yields fewer results, never an error.
 */
export function parseAuthenticationResults(value: string): AuthenticationResults {
  const segments = splitSegments(withoutComments(value.slice(0, MAX_VALUE_CHARS)));
  const authservId = (tokens(segments[0] ?? '')[0]?.key ?? '').toLowerCase();
  const results: Array<{ method: string; result: string; properties: Map<string, string> }> = [];
  for (const segment of segments.slice(1)) {
    const [methodspec, ...rest] = tokens(segment);
    if (methodspec?.value === undefined) continue;
    // `method/version=result`: the version is of no interest.
    const method = methodspec.key.split('/')[0]?.toLowerCase() ?? '';
    const previous = results.at(-1);
    if (!METHODS.has(method)) {
      // SES ends properties with `;` too (`spf=pass client-ip=…; envelope-from=…; helo=…;`).
      for (const token of [methodspec, ...rest]) {
        if (previous && token.value !== undefined)
          previous.properties.set(token.key.toLowerCase(), token.value);
      }
      continue;
    }
    const properties = new Map<string, string>();
    for (const token of rest) {
      if (token.value !== undefined) properties.set(token.key.toLowerCase(), token.value);
    }
    results.push({ method, result: methodspec.value.toLowerCase(), properties });
  }
  return { authservId, results };
}

/** The value with every (nested) comment replaced by a space; quoted strings are left as they are. */
function withoutComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let index = 0; index < value.length; index += 1) {
    const char = value.charAt(index);
    if (char === '\\') {
      if (depth === 0) out += value.slice(index, index + 2);
      index += 1;
    } else if (quoted) {
      out += char;
      if (char === '"') quoted = false;
    } else if (char === '(') {
      depth += 1;
    } else if (char === ')' && depth > 0) {
      depth -= 1;
      if (depth === 0) out += ' ';
    } else if (depth === 0) {
      out += char;
      if (char === '"') quoted = true;
    }
  }
  return out;
}

/** Splits at `;` outside quoted strings. */
function splitSegments(value: string): string[] {
  const segments: string[] = [];
  let current = '';
  let quoted = false;
  for (let index = 0; index < value.length; index += 1) {
    const char = value.charAt(index);
    if (char === '\\') {
      current += value.slice(index, index + 2);
      index += 1;
    } else if (char === '"') {
      quoted = !quoted;
      current += char;
    } else if (char === ';' && !quoted) {
      segments.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  segments.push(current);
  return segments;
}

function isSpace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\r' || char === '\n';
}

/** `key` or `key=value` tokens, separated by whitespace; a quoted value is unquoted. */
function tokens(segment: string): Array<{ key: string; value?: string }> {
  const found: Array<{ key: string; value?: string }> = [];
  let index = 0;
  while (index < segment.length) {
    while (index < segment.length && isSpace(segment.charAt(index))) index += 1;
    if (index >= segment.length) break;
    let key = '';
    while (index < segment.length && !isSpace(segment.charAt(index)) && segment.charAt(index) !== '=') {
      key += segment.charAt(index);
      index += 1;
    }
    // `method = result` is allowed: whitespace around `=`.
    let after = index;
    while (after < segment.length && isSpace(segment.charAt(after))) after += 1;
    if (segment.charAt(after) !== '=') {
      found.push({ key });
      continue;
    }
    index = after + 1;
    while (index < segment.length && isSpace(segment.charAt(index))) index += 1;
    let value = '';
    if (segment.charAt(index) === '"') {
      index += 1;
      while (index < segment.length && segment.charAt(index) !== '"') {
        if (segment.charAt(index) === '\\') index += 1;
        value += segment.charAt(index);
        index += 1;
      }
      index += 1;
    } else {
      while (index < segment.length && !isSpace(segment.charAt(index))) {
        value += segment.charAt(index);
        index += 1;
      }
    }
    found.push({ key, value });
  }
  return found;
}
