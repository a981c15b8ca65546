import { readFile } from 'node:fs/promises';
import { ConfigError } from '../domain/errors.js';
import type * as z from '../validation/zod-mini.js';
import { closestKnownKey } from './closest-known-key.js';
import { type SpocConfig, spocConfigSchema } from './config-schema.js';

/** Settings that let `spoc dev` run with no config file at all. */
export const DEV_DEFAULT_CONFIG = {
  supportAddress: 'support@example.test',
  replyDomain: 'reply.example.test',
  owners: [
    { email: 'alice@example.test', name: 'Alice Smith' },
    { email: 'bob@example.test', name: 'Bob Jones' },
  ],
} as const;

interface SchemaDef {
  type: string;
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
  innerType?: { _zod: { def: SchemaDef } };
  in?: { _zod: { def: SchemaDef } };
  element?: { _zod: { def: SchemaDef } };
  valueType?: { _zod: { def: SchemaDef } };
}

/** The keys the schema knows for the object at `path` (read from the schema itself, the one list of keys). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let def = (spocConfigSchema as unknown as { _zod: { def: SchemaDef } })._zod.def;
  const unwrap = () => {
    for (;;) {
      const inner = def.innerType ?? def.in;
      if (!inner || def.type === 'object') return;
      def = inner._zod.def;
    }
  };
  unwrap();
  for (const segment of path) {
    const next =
      def.type === 'object'
        ? def.shape?.[String(segment)]
        : def.type === 'array'
          ? def.element
          : def.type === 'record'
            ? def.valueType
            : undefined;
    if (!next) return [];
    def = next._zod.def;
    unwrap();
  }
  return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

function describeIssues(error: z.core.$ZodError, source: string): string {
  const lines = error.issues.flatMap((issue) => {
    const at = (path: readonly PropertyKey[]) => (path.length > 0 ? path.map(String).join('.') : '(root)');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(issue.path);
      return issue.keys.map((key) => {
        const closest = closestKnownKey(key, known);
        const hint = closest
          ? `did you mean "${closest}"?`
          : `known keys here: ${known.map((k) => `"${k}"`).join(', ')}`;
        return `  ${at([...issue.path, key])}: unknown key "${key}" (${hint})`;
      });
    }
    return [`  ${at(issue.path)}: ${issue.message}`];
  });
  return `invalid configuration in ${source}:\n${lines.join('\n')}`;
}

/** Validates an already-read config value; throws `ConfigError` naming each bad field. */
export function parseConfig(value: unknown, source = 'config'): SpocConfig {
  const result = spocConfigSchema.safeParse(value);
  if (!result.success) throw new ConfigError(describeIssues(result.error, source), { cause: result.error });
  return result.data;
}

/**
 * Reads and validates a JSON config file. When the file is absent and `fallback` is given, the fallback
 * is validated instead (dev defaults); a present but broken file is always an error.
 */
export async function loadConfigFile(path: string, fallback?: unknown): Promise<SpocConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && fallback !== undefined) {
      return parseConfig(fallback, 'built-in dev defaults');
    }
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseConfig(json, path);
}
