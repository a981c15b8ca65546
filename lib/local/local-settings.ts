import { resolve } from 'node:path';
import { ConfigError } from '../domain/errors.js';
import * as z from '../validation/zod-mini.js';

const settingsSchema = z.object({
  SPOC_DATA_DIR: z._default(z.string().check(z.minLength(1)), '.spoc/data'),
  SPOC_OUTBOX_DIR: z._default(z.string().check(z.minLength(1)), '.spoc/outbox'),
  SPOC_SMTP_PORT: z._default(
    z.coerce
      .number({ message: 'must be a port number' })
      .check(
        z.int('must be a whole number'),
        z.minimum(0, 'must be 0-65535'),
        z.maximum(65535, 'must be 0-65535'),
      ),
    2525,
  ),
  SPOC_CONFIG: z._default(z.string().check(z.minLength(1)), 'spoc.config.json'),
  SPOC_LOCAL_VERDICTS: z.optional(z.enum(['header'], 'must be "header" (or unset)')),
  SPOC_SMTP_RELAY: z.optional(
    z.string().check(z.regex(/^smtps?:\/\/[^\s/]+(:\d+)?\/?$/, 'must look like smtp://host:port')),
  ),
});

/** Where local mode keeps its data and listens, from the `SPOC_*` variables (see the README). */
export interface LocalSettings {
  dataDir: string;
  outboxDir: string;
  smtpPort: number;
  configPath: string;
  smtpRelay?: string;
  /** `SPOC_LOCAL_VERDICTS=header`: verdicts come from each mail's `X-Spoc-Local-Verdicts` field. */
  verdictsFromHeader?: boolean;
}

/** Reads and validates local-mode settings; a bad value fails with the variable's name. */
export function readLocalSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LocalSettings {
  const present = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => name.startsWith('SPOC_') && value !== ''),
  );
  const result = settingsSchema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`, { cause: result.error });
  }
  const s = result.data;
  return {
    dataDir: resolve(cwd, s.SPOC_DATA_DIR),
    outboxDir: resolve(cwd, s.SPOC_OUTBOX_DIR),
    smtpPort: s.SPOC_SMTP_PORT,
    configPath: resolve(cwd, s.SPOC_CONFIG),
    ...(s.SPOC_SMTP_RELAY ? { smtpRelay: s.SPOC_SMTP_RELAY } : {}),
    ...(s.SPOC_LOCAL_VERDICTS === 'header' ? { verdictsFromHeader: true } : {}),
  };
}
