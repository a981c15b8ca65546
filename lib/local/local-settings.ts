import { resolve } from 'node:path';
import * as z from 'zod';
import { ConfigError } from '../domain/errors.js';

const settingsSchema = z.object({
  SPOC_DATA_DIR: z.string().min(1).default('.spoc/data'),
  SPOC_OUTBOX_DIR: z.string().min(1).default('.spoc/outbox'),
  SPOC_SMTP_PORT: z.coerce
    .number({ message: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be 0-65535')
    .max(65535, 'must be 0-65535')
    .default(2525),
  SPOC_CONFIG: z.string().min(1).default('spoc.config.json'),
  SPOC_SMTP_RELAY: z
    .string()
    .regex(/^smtps?:\/\/[^\s/]+(:\d+)?\/?$/, 'must look like smtp://host:port')
    .optional(),
});

/** Where local mode keeps its data and listens, from the `SPOC_*` variables (see the README). */
export interface LocalSettings {
  dataDir: string;
  outboxDir: string;
  smtpPort: number;
  configPath: string;
  smtpRelay?: string;
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
  };
}
