import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  createLocalDynamoClients,
  DEFAULT_LOCAL_TABLE_NAME,
  ensureTable,
  type LocalClients,
} from './embedded-engines.js';

/** The embedded table alone, for commands that read and write only the table. */
export interface EmbeddedTable extends Pick<LocalClients, 'dynamodb' | 'doc'> {
  tableName: string;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

/**
 * Starts dynalite alone on the table files `startEmbeddedEngines` keeps under `engineDir` (its
 * `dataDir`): a command such as `spoc owner list` needs no S3 engine, and loading and starting one is
 * a good part of its run time.
 */
export async function startEmbeddedTable(engineDir: string): Promise<EmbeddedTable> {
  const path = join(engineDir, 'dynamodb');
  await mkdir(path, { recursive: true });
  const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const clients = createLocalDynamoClients(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const close = async () => {
    clients.doc.destroy();
    clients.dynamodb.destroy();
    await new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  };
  try {
    await ensureTable(clients.dynamodb, DEFAULT_LOCAL_TABLE_NAME);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { ...clients, tableName: DEFAULT_LOCAL_TABLE_NAME, close };
}
