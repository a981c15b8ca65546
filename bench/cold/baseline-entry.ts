import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';

// The cold-start baseline: the SDK clients the inbound function builds, and the same two first calls
// (the reply-token secret and the inbound claim), with none of the product's code.
const region = process.env.AWS_REGION;
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region }), {
  marshallOptions: { removeUndefinedValues: true },
});
const secrets = new SecretsManagerClient({ region });
export const clients = [doc, secrets, new S3Client({ region }), new SESv2Client({ region })];

export async function run(): Promise<void> {
  await secrets.send(new GetSecretValueCommand({ SecretId: process.env.REPLY_TOKEN_SECRET_ID }));
  await doc.send(
    new UpdateCommand({
      TableName: process.env.TABLE_NAME,
      Key: { pk: 'INBOUND#bench', sk: 'INBOUND' },
      UpdateExpression: 'ADD #a :one',
      ExpressionAttributeNames: { '#a': 'attempts' },
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'ALL_NEW',
    }),
  );
}
