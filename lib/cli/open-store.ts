import { join } from 'node:path';
import { DynamoDbSupportStore } from '../adapters/dynamodb/dynamodb-support-store.js';
import { createLocalClients, DEFAULT_LOCAL_TABLE_NAME } from '../local/embedded-engines.js';
import { startEmbeddedTable } from '../local/embedded-table.js';
import type { SupportStore } from '../ports/support-store.js';
import { AwsComposition } from '../runtime/aws-composition.js';
import { awsWhere } from './open-aws.js';
import { runningDevServer } from './running-dev-server.js';

/** A store opened for one CLI command, and how to let go of it. */
export interface OpenedStore {
  store: SupportStore;
  /** Where the data is, for messages to the user. */
  where: string;
  close(): Promise<void>;
}

/**
 * Opens the store a CLI command works on: the deployed table when `--table` is given, else the local
 * data directory — through the running `spoc dev` when there is one (its engines hold the files), or by
 * starting the embedded engine on the directory for the length of the command.
 */
export async function openStore(options: {
  table?: string;
  region?: string;
  dataDir: string;
}): Promise<OpenedStore> {
  if (options.table) {
    const aws = new AwsComposition({
      tableName: options.table,
      ...(options.region ? { region: options.region } : {}),
    });
    return { store: aws.store, where: awsWhere(aws), close: async () => aws.close() };
  }
  const running = runningDevServer(options.dataDir);
  if (running) {
    const clients = createLocalClients(running.endpoints);
    return {
      store: new DynamoDbSupportStore({ client: clients.doc, tableName: DEFAULT_LOCAL_TABLE_NAME }),
      where: `the running spoc dev (${options.dataDir})`,
      close: async () => {
        clients.dynamodb.destroy();
        clients.s3.destroy();
      },
    };
  }
  const table = await startEmbeddedTable(join(options.dataDir, 'engines'));
  return {
    store: new DynamoDbSupportStore({ client: table.doc, tableName: table.tableName }),
    where: options.dataDir,
    close: () => table.close(),
  };
}
