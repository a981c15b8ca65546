import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SpocConfig } from '../lib/config/config-schema.js';
import { loadConfigFile, parseConfig } from '../lib/config/load-config.js';
import { ConfigError } from '../lib/domain/errors.js';

/** The repository root: where `cdk.json`, `spoc.config.json` and `spoc.config.example.json` live. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** cdk context key holding the whole configuration, as a JSON string or an object. */
export const CONFIG_CONTEXT_KEY = 'spocConfig';
/** cdk context key naming a JSON config file (relative paths resolve against the working directory). */
export const CONFIG_FILE_CONTEXT_KEY = 'spocConfigFile';
/** The file read when neither context key is set. */
export const DEFAULT_CONFIG_FILE = 'spoc.config.json';

/** The part of a construct node this module reads; `app.node` satisfies it. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

export interface LoadStackConfigOptions {
  /** Where `spoc.config.json` is looked for. */
  projectRoot?: string;
  /** Base of a relative `spocConfigFile`. */
  cwd?: string;
}

/**
 * Resolves the product configuration for the CDK app, first match wins:
 * context `spocConfig` (JSON string or object) > the file named by context `spocConfigFile` >
 * `spoc.config.json` in the project root. Throws `ConfigError` naming the source and each bad field.
 */
export async function loadStackConfig(
  context: ContextSource,
  options: LoadStackConfigOptions = {},
): Promise<SpocConfig> {
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const cwd = options.cwd ?? process.cwd();

  const inline = context.tryGetContext(CONFIG_CONTEXT_KEY);
  if (inline !== undefined) {
    return parseConfig(parseInlineConfig(inline), `cdk context "${CONFIG_CONTEXT_KEY}"`);
  }

  const file = context.tryGetContext(CONFIG_FILE_CONTEXT_KEY);
  if (file !== undefined) {
    if (typeof file !== 'string' || file.trim() === '') {
      throw new ConfigError(`cdk context "${CONFIG_FILE_CONTEXT_KEY}" must be a file path`);
    }
    return loadConfigFile(resolve(cwd, file));
  }

  const defaultPath = resolve(projectRoot, DEFAULT_CONFIG_FILE);
  if (!existsSync(defaultPath)) {
    throw new ConfigError(
      `no configuration found: copy spoc.config.example.json to ${DEFAULT_CONFIG_FILE} in ${projectRoot} and ` +
        `edit it, or pass -c ${CONFIG_FILE_CONTEXT_KEY}=<path> (or -c ${CONFIG_CONTEXT_KEY}='<json>')`,
    );
  }
  return loadConfigFile(defaultPath);
}

function parseInlineConfig(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new ConfigError(
      `cdk context "${CONFIG_CONTEXT_KEY}" is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
