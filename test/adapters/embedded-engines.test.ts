import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTableInput,
  DUE_INDEX_NAME,
  GSI1_NAME,
  TTL_ATTRIBUTE,
} from '../../lib/adapters/dynamodb/table-schema.js';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';

describe('startEmbeddedEngines', () => {
  const started: EmbeddedEngines[] = [];
  const directories: string[] = [];

  afterEach(async () => {
    for (const engines of started.splice(0)) await engines.close();
    for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
  });

  async function start(options: Parameters<typeof startEmbeddedEngines>[0] = {}) {
    const engines = await startEmbeddedEngines(options);
    started.push(engines);
    return engines;
  }

  it('runs two independent in-memory instances on ephemeral loopback ports', async () => {
    const a = await start();
    const b = await start({ tableName: 'other-table', bucket: 'other-bucket' });
    const endpoints = [a.endpoints.dynamodb, a.endpoints.s3, b.endpoints.dynamodb, b.endpoints.s3];
    expect(new Set(endpoints).size).toBe(4);
    for (const endpoint of endpoints) expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(b.tableName).toBe('other-table');
    expect(b.bucket).toBe('other-bucket');

    await a.doc.send(new PutCommand({ TableName: a.tableName, Item: { pk: 'only-in-a', sk: 'x' } }));
    await b.doc.send(new PutCommand({ TableName: b.tableName, Item: { pk: 'only-in-b', sk: 'x' } }));
    const missing = await b.doc.send(
      new GetCommand({ TableName: b.tableName, Key: { pk: 'only-in-a', sk: 'x' } }),
    );
    expect(missing.Item).toBeUndefined();
  });

  it('creates the table exactly as the schema describes it', async () => {
    const engines = await start();
    const { Table } = await engines.dynamodb.send(new DescribeTableCommand({ TableName: engines.tableName }));
    const expected = createTableInput(engines.tableName);
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual(expected.KeySchema);
    // The general index and the promises' sparse due index, each with the keys the schema gives.
    expect(Table?.GlobalSecondaryIndexes?.map((gsi) => gsi.IndexName)).toEqual([GSI1_NAME, DUE_INDEX_NAME]);
    for (const [i, gsi] of (Table?.GlobalSecondaryIndexes ?? []).entries()) {
      expect(gsi.KeySchema).toEqual(expected.GlobalSecondaryIndexes?.[i]?.KeySchema);
      expect(gsi.Projection?.ProjectionType).toBe(
        expected.GlobalSecondaryIndexes?.[i]?.Projection?.ProjectionType,
      );
    }
    expect(Table?.BillingModeSummary?.BillingMode ?? 'PAY_PER_REQUEST').toBe('PAY_PER_REQUEST');
    expect(TTL_ATTRIBUTE).toBe('expiresAt');
  });

  it('keeps data in the data directory across restarts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'spoc-engines-test-'));
    directories.push(dataDir);

    const first = await startEmbeddedEngines({ dataDir });
    await first.doc.send(new PutCommand({ TableName: first.tableName, Item: { pk: 'kept', sk: 'x', n: 7 } }));
    const raw = Buffer.from('Subject: kept\r\n\r\nbody\r\n');
    await first.s3.send(new PutObjectCommand({ Bucket: first.bucket, Key: 'inbound/kept', Body: raw }));
    await first.close();
    await first.close();
    expect(existsSync(join(dataDir, 'dynamodb'))).toBe(true);
    expect(existsSync(join(dataDir, 's3'))).toBe(true);

    const second = await start({ dataDir });
    const item = await second.doc.send(
      new GetCommand({ TableName: second.tableName, Key: { pk: 'kept', sk: 'x' }, ConsistentRead: true }),
    );
    expect(item.Item).toEqual({ pk: 'kept', sk: 'x', n: 7 });
    const object = await second.s3.send(new GetObjectCommand({ Bucket: second.bucket, Key: 'inbound/kept' }));
    expect(Buffer.from((await object.Body?.transformToByteArray()) ?? []).equals(raw)).toBe(true);
  });

  it('refuses to start on a port already in use, leaving nothing running', async () => {
    const engines = await start();
    const taken = Number(new URL(engines.endpoints.s3).port);
    await expect(startEmbeddedEngines({ s3Port: taken })).rejects.toThrow(/EADDRINUSE/);
  });
});
