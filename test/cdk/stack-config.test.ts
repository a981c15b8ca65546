import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_CONTEXT_KEY,
  CONFIG_FILE_CONTEXT_KEY,
  type ContextSource,
  loadStackConfig,
  PROJECT_ROOT,
} from '../../cdk/load-stack-config.js';
import { readStackContext } from '../../cdk/spoc-app.js';
import { ConfigError } from '../../lib/domain/errors.js';
import { cdkJsonContext, TEST_CONFIG } from './support/stack-fixture.js';

const run = promisify(execFile);
/** A full app run in a child process: tsx start-up, aws-cdk-lib import, synth. */
const SUBPROCESS_TIMEOUT_MS = 180_000;

function context(values: Record<string, unknown>): ContextSource {
  return { tryGetContext: (key) => values[key] };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'spoc-cdk-config-'));
}

describe('loadStackConfig', () => {
  it('prefers the spocConfig context, as a JSON string or an object', async () => {
    const root = tempDir();
    writeFileSync(
      join(root, 'spoc.config.json'),
      JSON.stringify({ ...TEST_CONFIG, supportName: 'From file' }),
    );
    const fromString = await loadStackConfig(
      context({
        [CONFIG_CONTEXT_KEY]: JSON.stringify(TEST_CONFIG),
        [CONFIG_FILE_CONTEXT_KEY]: 'ignored.json',
      }),
      { projectRoot: root },
    );
    expect(fromString.supportName).toBe('Example Support');
    const fromObject = await loadStackConfig(context({ [CONFIG_CONTEXT_KEY]: TEST_CONFIG }), {
      projectRoot: root,
    });
    expect(fromObject.supportAddress).toBe('help@support.example.org');
  });

  it('then reads the file named by spocConfigFile, relative to the working directory', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'prod.json'), JSON.stringify({ ...TEST_CONFIG, supportName: 'Prod' }));
    const config = await loadStackConfig(context({ [CONFIG_FILE_CONTEXT_KEY]: 'prod.json' }), {
      projectRoot: tempDir(),
      cwd,
    });
    expect(config.supportName).toBe('Prod');
  });

  it('then reads spoc.config.json in the project root, applying defaults', async () => {
    const root = tempDir();
    const { deploy: _deploy, ...withoutDeploy } = TEST_CONFIG;
    writeFileSync(join(root, 'spoc.config.json'), JSON.stringify(withoutDeploy));
    const config = await loadStackConfig(context({}), { projectRoot: root });
    expect(config.deploy).toEqual({
      rawMailRetentionDays: 365,
      requireTls: true,
      deletionProtection: true,
      inboundMemoryMb: 1536,
    });
  });

  it('says to copy the example when there is no config at all', async () => {
    const result = loadStackConfig(context({}), { projectRoot: tempDir() });
    await expect(result).rejects.toBeInstanceOf(ConfigError);
    await expect(result).rejects.toThrow(/copy spoc\.config\.example\.json to spoc\.config\.json/);
  });

  it('names each bad field and where it came from', async () => {
    const bad = { ...TEST_CONFIG, replyDomain: 'not a domain', deploy: { rawMailRetentionDays: 0 } };
    const result = loadStackConfig(context({ [CONFIG_CONTEXT_KEY]: bad }));
    await expect(result).rejects.toThrow(/cdk context "spocConfig"/);
    await expect(result).rejects.toThrow(/replyDomain: must be a domain name/);
    await expect(result).rejects.toThrow(/deploy\.rawMailRetentionDays/);
  });

  it('rejects context that is not JSON, naming the key', async () => {
    await expect(loadStackConfig(context({ [CONFIG_CONTEXT_KEY]: '{nope' }))).rejects.toThrow(
      /cdk context "spocConfig" is not valid JSON/,
    );
  });

  it('accepts the shipped example', async () => {
    const config = await loadStackConfig(context({ [CONFIG_FILE_CONTEXT_KEY]: 'spoc.config.example.json' }), {
      cwd: PROJECT_ROOT,
    });
    expect(config.supportAddress).toBe('support@example.com');
  });
});

describe('readStackContext', () => {
  it('defaults to the SpocInbox stack, managed identities, no hosted zone', () => {
    expect(readStackContext(context({}))).toEqual({
      stackName: 'SpocInbox',
      hostedZone: undefined,
      manageSesIdentities: true,
      sandboxRecipients: [],
    });
  });

  it('reads the stack name, the hosted zone and manageSesIdentities (string or boolean)', () => {
    expect(
      readStackContext(
        context({
          stackName: 'SpocInboxStaging',
          hostedZoneId: 'Z123',
          hostedZoneName: 'example.org',
          manageSesIdentities: 'false',
          sesSandboxRecipients: ' Alice@Example.org, tester@mail.example.net ',
        }),
      ),
    ).toEqual({
      stackName: 'SpocInboxStaging',
      hostedZone: { hostedZoneId: 'Z123', zoneName: 'example.org' },
      manageSesIdentities: false,
      sandboxRecipients: ['alice@example.org', 'tester@mail.example.net'],
    });
    expect(readStackContext(context({ manageSesIdentities: false })).manageSesIdentities).toBe(false);
  });

  it('wants the hosted zone id and name together', () => {
    expect(() => readStackContext(context({ hostedZoneId: 'Z123' }))).toThrow(/given together/);
  });

  it('rejects a sandbox recipient that is not an address, naming it', () => {
    expect(() => readStackContext(context({ sesSandboxRecipients: 'alice@example.org,bob' }))).toThrow(
      /sesSandboxRecipients.*bob/,
    );
  });
});

describe('cdk/app.ts (as the CDK CLI runs it)', () => {
  const runApp = (values: Record<string, unknown>) => {
    const outdir = tempDir();
    const promise = run(resolve(PROJECT_ROOT, 'node_modules/.bin/tsx'), ['cdk/app.ts'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...values }),
      },
    });
    return { outdir, promise };
  };

  it(
    'fails with a message naming the bad field',
    async () => {
      const bad = { ...TEST_CONFIG, supportAddress: 'not-an-address' };
      const { promise } = runApp({ [CONFIG_CONTEXT_KEY]: JSON.stringify(bad) });
      const failure = await promise.then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toMatch(
        /spoc-inbox: invalid configuration in cdk context "spocConfig":\n\s+supportAddress:/,
      );
      expect(failure?.stderr).not.toMatch(/\bat \S+\.ts:\d+/);
    },
    SUBPROCESS_TIMEOUT_MS,
  );

  it(
    'synthesizes the stack from a config file',
    async () => {
      const { outdir, promise } = runApp({ [CONFIG_FILE_CONTEXT_KEY]: 'spoc.config.example.json' });
      await promise;
      const templatePath = join(outdir, 'SpocInbox.template.json');
      expect(existsSync(templatePath)).toBe(true);
      const template = JSON.parse(readFileSync(templatePath, 'utf8')) as {
        Resources: Record<string, { Type: string }>;
      };
      expect(Object.values(template.Resources).some((r) => r.Type === 'AWS::SES::ReceiptRule')).toBe(true);
    },
    SUBPROCESS_TIMEOUT_MS,
  );
});
