import { readFile } from 'node:fs/promises';
import { ConfigError } from '../domain/errors.js';
import type * as z from '../validation/zod-mini.js';
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

function describeIssues(error: z.core.$ZodError, source: string): string {
  const lines = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `  ${field}: ${issue.message}`;
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
