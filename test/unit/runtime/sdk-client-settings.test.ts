import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createLocalClients } from '../../../lib/local/embedded-engines.js';
import { AwsOpsComposition } from '../../../lib/runtime/aws-ops-composition.js';

/** The names of the middleware on a client's stack (`identify()` lists them as `name - step`). */
function middlewareNames(client: { middlewareStack: { identify(): string[] } }): string[] {
  return client.middlewareStack.identify().map((entry) => entry.split(' - ')[0] ?? entry);
}

function composition(): AwsOpsComposition {
  return new AwsOpsComposition({
    region: 'us-east-1',
    tableName: 'spoc',
    rawMailBucket: 'spoc-raw-mail',
    replyTokenSecretId: 'spoc-reply-token',
    configurationSetName: 'spoc',
  });
}

describe('SDK clients as the composition roots create them', () => {
  it('the SDK still names its per-call logging middleware as the clients take it off', () => {
    // Were it renamed, taking it off by name would silently do nothing.
    const plain = new DynamoDBClient({ region: 'us-east-1' });
    expect(middlewareNames(plain)).toContain('loggerMiddleware');
    plain.destroy();
  });

  it('run no logging middleware on any client, the document client included', () => {
    const aws = composition();
    const clients = {
      dynamodb: aws.dynamodb,
      sesv2: aws.sesv2,
      s3: aws.s3,
      secrets: aws.secrets,
      ses: aws.ses,
      sqs: aws.sqs,
      cloudwatch: aws.cloudwatch,
    };
    const withLogger = Object.entries(clients)
      .filter(([, client]) => middlewareNames(client).includes('loggerMiddleware'))
      .map(([name]) => name);
    expect(withLogger).toEqual([]);
    aws.close();

    // Local mode and the benchmarks run on these; the document client shares the DynamoDB client's stack.
    const local = createLocalClients({ dynamodb: 'http://127.0.0.1:1', s3: 'http://127.0.0.1:2' });
    for (const client of [local.dynamodb, local.doc, local.s3]) {
      expect(middlewareNames(client)).not.toContain('loggerMiddleware');
    }
    local.doc.destroy();
    local.dynamodb.destroy();
    local.s3.destroy();
  });

  it('checksum S3 calls only where S3 requires it: raw mail read is not CRC32-checked byte by byte', async () => {
    const aws = composition();
    expect(await aws.s3.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await aws.s3.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    aws.close();
  });
});
