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
import { DEFAULT_STACK_NAME, RETIRED_CONTEXT_FLAGS, refuseRetiredContextFlags } from '../../cdk/spoc-app.js';
import { parseConfig } from '../../lib/config/load-config.js';
import { ConfigError } from '../../lib/domain/errors.js';
import { buildStack, cdkJsonContext, TEST_CONFIG, templateOf, withDeploy } from './support/stack-fixture.js';

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
      inboundMaxConcurrency: 5,
      inboundBatchSize: 5,
      rawMailArchiveAfterDays: 30,
      rawMailArchiveMinBytes: 262_144,
      stackName: 'SpocInbox',
      manageSesIdentities: true,
      sesSandboxRecipients: [],
      noInboundMailAlarmHours: 24,
      sesDailySendingQuota: 50_000,
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

describe('deployment settings', () => {
  it('all come from deploy.* of the config file, with defaults', () => {
    const { stack } = buildStack();
    expect(stack.stackName).toBe(DEFAULT_STACK_NAME);
    const { stack: staging, template } = templateOf({
      config: withDeploy({
        stackName: 'SpocInboxStaging',
        hostedZone: { id: 'Z0123456789EXAMPLE', name: 'example.org' },
        manageSesIdentities: false,
        sesSandboxRecipients: ['Tester@Mail.example.net'],
      }),
    });
    expect(staging.stackName).toBe('SpocInboxStaging');
    template.resourceCountIs('AWS::SES::EmailIdentity', 0);
    // Identities are not managed here, so only the two MX records are written to the zone.
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
    expect(JSON.stringify(template.toJSON())).toContain('identity/tester@mail.example.net');
  });

  it('are validated by the config schema, naming the field', () => {
    const bad = withDeploy({ stackName: 'no spaces', hostedZone: { id: 'nope', name: 'example.org' } });
    expect(() => parseConfig(bad, 'test config')).toThrow(
      /deploy\.stackName: must be a CloudFormation stack name/,
    );
    expect(() => parseConfig(bad, 'test config')).toThrow(
      /deploy\.hostedZone\.id: must be a Route 53 hosted zone id/,
    );
  });

  it('refuses every retired -c flag, naming it and its config key', () => {
    for (const [flag, key] of Object.entries(RETIRED_CONTEXT_FLAGS)) {
      expect(() => refuseRetiredContextFlags(context({ [flag]: 'x' })), flag).toThrow(
        new RegExp(`-c ${flag}: set "${key.replace(/\./g, '\\.')}" in the config file`),
      );
      // The stack is never built from a command line that carries one, even one agreeing with the file.
      expect(() => buildStack({ context: { [flag]: 'SpocInbox' } }), flag).toThrow(ConfigError);
    }
    expect(() => refuseRetiredContextFlags(context({ spocConfigFile: 'prod.json' }))).not.toThrow();
  });

  it('give the same template on every synth of one config, whatever else the command line holds', () => {
    const config = withDeploy({ hostedZone: { id: 'Z0123456789EXAMPLE', name: 'example.org' } });
    const first = templateOf({ config }).template.toJSON();
    const second = templateOf({
      config,
      context: { unrelated: 'value', [CONFIG_FILE_CONTEXT_KEY]: 'elsewhere.json' },
    }).template.toJSON();
    expect(second).toEqual(first);
  });
});

describe('cdk/app.ts (as the CDK CLI runs it)', () => {
  /**
   * Without CloudFormation's rules (`cdk synth --no-validation`): 10 s of CPU per run, and the same
   * synth checks them in test/cdk/nag.test.ts, the shipped example's config included.
   */
  const runApp = (values: Record<string, unknown>) => {
    const outdir = tempDir();
    const promise = run(resolve(PROJECT_ROOT, 'node_modules/.bin/tsx'), ['cdk/app.ts'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        CDK_VALIDATION: 'false',
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
    'synthesizes the stack from a config file, the same template from the same config inline',
    async () => {
      const fromFile = runApp({ [CONFIG_FILE_CONTEXT_KEY]: 'spoc.config.example.json' });
      const example = readFileSync(resolve(PROJECT_ROOT, 'spoc.config.example.json'), 'utf8');
      const inline = runApp({ [CONFIG_CONTEXT_KEY]: example, unrelated: 'value' });
      await Promise.all([fromFile.promise, inline.promise]);
      const templatePath = join(fromFile.outdir, 'SpocInbox.template.json');
      expect(existsSync(templatePath)).toBe(true);
      const template = JSON.parse(readFileSync(templatePath, 'utf8')) as {
        Resources: Record<string, { Type: string }>;
      };
      expect(Object.values(template.Resources).some((r) => r.Type === 'AWS::SES::ReceiptRule')).toBe(true);
      expect(readFileSync(join(inline.outdir, 'SpocInbox.template.json'), 'utf8')).toBe(
        readFileSync(templatePath, 'utf8'),
      );
    },
    SUBPROCESS_TIMEOUT_MS,
  );

  it(
    'refuses a retired -c flag, naming its config key, without a stack trace',
    async () => {
      const { promise } = runApp({
        [CONFIG_FILE_CONTEXT_KEY]: 'spoc.config.example.json',
        hostedZoneId: 'Z0123456789EXAMPLE',
      });
      const failure = await promise.then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toMatch(/-c hostedZoneId: set "deploy\.hostedZone\.id" in the config file/);
      expect(failure?.stderr).not.toMatch(/\bat \S+\.ts:\d+/);
    },
    SUBPROCESS_TIMEOUT_MS,
  );
});
