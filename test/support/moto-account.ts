import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ensureTable } from '../../lib/local/embedded-engines.js';
import { type MotoServer, startMotoServer, startRecordingProxy } from './moto-server.js';

/** moto_server set up as a deployed stack's account would be, and the proxy recording SES v2 requests. */
export interface MotoAccount {
  moto: MotoServer;
  proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  /** Stops the proxy and moto; the caller restores the environment it saved. */
  stop(): Promise<void>;
}

/**
 * Starts moto_server and the recording proxy, points this process's AWS SDK at them (SES v2 through the
 * proxy, so the configuration set of each send can be read), and creates what the stack would have made:
 * the table, the reply-token key's secret and the sending identities of `example.test`.
 */
export async function startMotoAccount(options: {
  region: string;
  table: string;
  secret: { id: string; value: string };
  /** More environment for the functions (Powertools settings). */
  env?: Record<string, string>;
}): Promise<MotoAccount> {
  const moto = await startMotoServer();
  // moto keeps only the mail of a v2 SendEmail; the proxy keeps the request, configuration set and all.
  const proxy = await startRecordingProxy(moto.endpoint);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ENDPOINT_URL_SESV2: proxy.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: options.region,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...options.env,
  });
  const dynamodb = new DynamoDBClient({});
  const secrets = new SecretsManagerClient({});
  const ses = new SESv2Client({ endpoint: moto.endpoint });
  try {
    await Promise.all([
      ensureTable(dynamodb, options.table),
      secrets.send(new CreateSecretCommand({ Name: options.secret.id, SecretString: options.secret.value })),
      ...['example.test', 'reply.example.test'].map((identity) =>
        ses.send(new CreateEmailIdentityCommand({ EmailIdentity: identity })),
      ),
    ]);
  } finally {
    for (const client of [dynamodb, secrets, ses]) client.destroy();
  }
  return {
    moto,
    proxy,
    stop: async () => {
      await proxy.stop();
      await moto.stop();
    },
  };
}
