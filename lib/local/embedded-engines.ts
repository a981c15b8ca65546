import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableInput, tableSchema, timeToLiveInput } from '../adapters/dynamodb/table-schema.js';
import { withoutSdkLogging } from '../adapters/without-sdk-logging.js';
import { makeS3rverWritesAtomic, repairS3rverDirectory } from './s3rver-durability.js';

/** Default table name of the embedded engine. */
export const DEFAULT_LOCAL_TABLE_NAME = 'spoc';
/** Default raw-mail bucket of the embedded engine. */
export const DEFAULT_LOCAL_BUCKET = 'spoc-raw-mail';
/** Region every local client uses; the engines ignore it but the SDK signs with it. */
export const LOCAL_REGION = 'us-east-1';

const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Options of {@link startEmbeddedEngines}. */
export interface EmbeddedEnginesOptions {
  /**
   * Directory for persistent data (`dynamodb/` and `s3/` below it). Absent: DynamoDB is in memory and S3
   * uses a temporary directory removed on `close()`.
   */
  dataDir?: string;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** DynamoDB port; default 0 (ephemeral). */
  dynamodbPort?: number;
  /** S3 port; default 0 (ephemeral). */
  s3Port?: number;
  tableName?: string;
  bucket?: string;
}

/** Running embedded engines and SDK clients pointed at them. */
export interface EmbeddedEngines {
  dynamodb: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  s3: S3Client;
  tableName: string;
  bucket: string;
  endpoints: { dynamodb: string; s3: string };
  /** Destroys the clients and stops both servers; removes the temporary S3 directory if one was used. */
  close(): Promise<void>;
}

/** Endpoints the local SDK clients point at. */
export interface LocalEndpoints {
  dynamodb: string;
  s3: string;
}

/** SDK clients configured for local engines (dummy credentials, path-style S3, no streaming checksums). */
export interface LocalClients {
  dynamodb: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  s3: S3Client;
}

/** DynamoDB clients for a local engine (dummy credentials; the document client drops `undefined`). */
export function createLocalDynamoClients(endpoint: string): Pick<LocalClients, 'dynamodb' | 'doc'> {
  const dynamodb = withoutSdkLogging(
    new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
  );
  const doc = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  return { dynamodb, doc };
}

/**
 * An S3 client for a local engine. The checksum settings matter: with the SDK defaults, s3rver stores the
 * aws-chunked framing of a streamed upload inside the object.
 */
export function createLocalS3Client(endpoint: string): S3Client {
  return withoutSdkLogging(
    new S3Client({
      endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  );
}

function missingIndexes(present: ReadonlyArray<{ IndexName?: string | undefined }>): string[] {
  const names = new Set(present.map((index) => index.IndexName));
  return tableSchema.globalSecondaryIndexes
    .map((index) => index.indexName)
    .filter((name) => !names.has(name));
}

/** SDK clients for local engines at `endpoints`. */
export function createLocalClients(endpoints: LocalEndpoints): LocalClients {
  return { ...createLocalDynamoClients(endpoints.dynamodb), s3: createLocalS3Client(endpoints.s3) };
}

/**
 * Creates the table (from `table-schema.ts`) unless it exists and waits until it is active. With
 * `timeToLive`, also enables TTL on `expiresAt` (not for dynalite, which lacks the API).
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: { timeToLive?: boolean } = {},
): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
  }
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((gsi) => gsi.IndexStatus === 'ACTIVE');
    const missing = missingIndexes(Table?.GlobalSecondaryIndexes ?? []);
    // dynalite cannot add an index to a table: a data directory from before the index needs a new table.
    if (missing.length > 0) {
      throw new Error(
        `table ${tableName} predates the index ${missing.join(', ')}: export what you need with spoc export, then start with an empty data directory (SPOC_DATA_DIR)`,
      );
    }
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (options.timeToLive) {
    try {
      await client.send(new UpdateTimeToLiveCommand(timeToLiveInput(tableName)));
    } catch (error) {
      // Enabling TTL twice is rejected with "TimeToLive is already enabled".
      if (!(error instanceof Error && /already enabled/i.test(error.message))) throw error;
    }
  }
}

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

interface S3rverInstance {
  configureBuckets(): Promise<void>;
  callback(): RequestListener;
  logger?: { close(): void };
}

interface S3rverOptions {
  directory: string;
  silent: boolean;
  configureBuckets: Array<{ name: string; configs: Buffer[] }>;
}

// Neither engine ships type declarations; load them through require with the few members used here.
const require = createRequire(import.meta.url);

/**
 * Starts dynalite and s3rver in this process on loopback, creates the table and bucket if missing and
 * returns clients pointed at them. Used by `spoc dev` and by tests; starts in well under a second.
 */
export async function startEmbeddedEngines(options: EmbeddedEnginesOptions = {}): Promise<EmbeddedEngines> {
  const host = options.host ?? '127.0.0.1';
  const tableName = options.tableName ?? DEFAULT_LOCAL_TABLE_NAME;
  const bucket = options.bucket ?? DEFAULT_LOCAL_BUCKET;

  let s3Directory: string;
  let temporaryDirectory: string | undefined;
  const dynaliteOptions: DynaliteOptions = { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 };
  if (options.dataDir !== undefined) {
    s3Directory = join(options.dataDir, 's3');
    dynaliteOptions.path = join(options.dataDir, 'dynamodb');
    await mkdir(s3Directory, { recursive: true });
    await mkdir(dynaliteOptions.path, { recursive: true });
    await repairS3rverDirectory(s3Directory);
  } else {
    temporaryDirectory = await mkdtemp(join(tmpdir(), 'spoc-s3-'));
    s3Directory = temporaryDirectory;
  }

  const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;
  const S3rver = require('s3rver') as new (options: S3rverOptions) => S3rverInstance;

  const dynamoServer = dynalite(dynaliteOptions);
  // s3rver's own run() loses listen errors (EADDRINUSE hangs it), so it is served from a plain server.
  const s3rver = new S3rver({
    directory: s3Directory,
    silent: true,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  makeS3rverWritesAtomic(s3rver);
  const s3Server = createServer(s3rver.callback());
  let clients: LocalClients | undefined;
  const stopAll = () => stop([dynamoServer, s3Server], clients, temporaryDirectory, s3rver);
  try {
    await s3rver.configureBuckets();
    await Promise.all([
      listen(dynamoServer, options.dynamodbPort ?? 0, host),
      listen(s3Server, options.s3Port ?? 0, host),
    ]);
    const endpoints = {
      dynamodb: `http://${urlHost(host)}:${(dynamoServer.address() as AddressInfo).port}`,
      s3: `http://${urlHost(host)}:${(s3Server.address() as AddressInfo).port}`,
    };
    clients = createLocalClients(endpoints);
    await ensureTable(clients.dynamodb, tableName);

    let closed: Promise<void> | undefined;
    return {
      ...clients,
      tableName,
      bucket,
      endpoints,
      close: () => {
        closed ??= stopAll();
        return closed;
      },
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function stop(
  servers: Server[],
  clients: LocalClients | undefined,
  temporaryDirectory: string | undefined,
  s3rver: S3rverInstance,
): Promise<void> {
  clients?.doc.destroy();
  clients?.dynamodb.destroy();
  clients?.s3.destroy();
  await Promise.all(servers.map((server) => (server.listening ? closeServer(server) : Promise.resolve())));
  s3rver.logger?.close();
  if (temporaryDirectory) await rm(temporaryDirectory, { recursive: true, force: true });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Idle keep-alive sockets of clients the caller created would otherwise hold close() open.
    server.closeAllConnections();
  });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
