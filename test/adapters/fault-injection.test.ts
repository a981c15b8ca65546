import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLocalDynamoClients,
  type EmbeddedEngines,
  startEmbeddedEngines,
} from '../../lib/local/embedded-engines.js';
import { injectFaults } from '../../lib/local/fault-injection.js';

describe('fault injection middleware (against dynalite)', () => {
  let engines: EmbeddedEngines;
  beforeAll(async () => {
    engines = await startEmbeddedEngines();
  });
  afterAll(async () => {
    await engines.close();
  });

  const key = { pk: { S: 'FAULT#1' }, sk: { S: 'X' } };

  it('fails every attempt at rate 1: the SDK retries, then the caller sees the injected error', async () => {
    const { dynamodb } = createLocalDynamoClients(engines.endpoints.dynamodb);
    const stats = injectFaults(dynamodb, { rate: 1, kinds: ['throttling'] });
    const error = await dynamodb.send(new GetItemCommand({ TableName: engines.tableName, Key: key })).then(
      () => undefined,
      (e: unknown) => e as { name: string; $metadata: { attempts: number } },
    );
    expect(error?.name).toBe('ThrottlingException');
    // Every attempt the SDK made was one the middleware saw and failed.
    expect(error?.$metadata.attempts).toBeGreaterThan(1);
    expect(stats).toEqual({
      attempts: error?.$metadata.attempts,
      injected: { throttling: error?.$metadata.attempts, 'server-error': 0, timeout: 0 },
    });
    dynamodb.destroy();
  });

  it('injects a timeout after the request was applied: the write happened, the caller got an error', async () => {
    const { dynamodb } = createLocalDynamoClients(engines.endpoints.dynamodb);
    injectFaults(dynamodb, { rate: 1, kinds: ['timeout'], commands: (name) => name === 'PutItemCommand' });
    await expect(
      dynamodb.send(
        new PutItemCommand({ TableName: engines.tableName, Item: { ...key, v: { S: 'written' } } }),
      ),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    const read = await dynamodb.send(new GetItemCommand({ TableName: engines.tableName, Key: key }));
    expect(read.Item?.v?.S).toBe('written');
    dynamodb.destroy();
  });

  it('passes everything at rate 0', async () => {
    const { dynamodb } = createLocalDynamoClients(engines.endpoints.dynamodb);
    const stats = injectFaults(dynamodb, { rate: 0 });
    await dynamodb.send(new GetItemCommand({ TableName: engines.tableName, Key: key }));
    expect(stats).toMatchObject({ attempts: 1, injected: { throttling: 0, 'server-error': 0, timeout: 0 } });
    dynamodb.destroy();
  });
});
