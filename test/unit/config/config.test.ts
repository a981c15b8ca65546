import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStackConfig } from '../../../cdk/load-stack-config.js';
import { closestKnownKey } from '../../../lib/config/closest-known-key.js';
import { functionConfigJson, readLambdaEnv } from '../../../lib/config/lambda-env.js';
import { DEV_DEFAULT_CONFIG, loadConfigFile, parseConfig } from '../../../lib/config/load-config.js';
import { ConfigError } from '../../../lib/domain/errors.js';
import { readLocalSettings } from '../../../lib/local/local-settings.js';
import { buildAwsCoreDeps } from '../../../lib/runtime/aws-inbound-deps.js';

describe('configuration', () => {
  it('accepts the dev defaults and the shipped example, normalising addresses', async () => {
    const dev = parseConfig(DEV_DEFAULT_CONFIG);
    expect(dev.owners).toHaveLength(2);
    expect(dev.limits.maxMessageBytes).toBe(40 * 1024 * 1024);
    const example = await loadConfigFile(
      new URL('../../../spoc.config.example.json', import.meta.url).pathname,
    );
    expect(example.assignment.domains['acme-corp.com']).toBe('alice@example.com');
    expect(
      parseConfig({ ...DEV_DEFAULT_CONFIG, supportAddress: ' Support@Example.TEST ' }).supportAddress,
    ).toBe('support@example.test');
  });

  it.each([
    [{ supportAddress: 'nope' }, 'supportAddress'],
    [{ replyDomain: 'not a domain' }, 'replyDomain'],
    [{ replyDomain: 'example.test' }, 'replyDomain'],
    [{ owners: [{ email: 'a@x.test', name: '' }] }, 'owners.0.name'],
    [
      {
        owners: [
          { email: 'a@x.test', name: 'A' },
          { email: 'A@x.test', name: 'B' },
        ],
      },
      'owners.1.email',
    ],
    [{ assignment: { domains: { 'acme.test': 'nobody' } } }, 'assignment.domains.acme.test'],
    [{ deploy: { rawMailRetentionDays: 0 } }, 'deploy.rawMailRetentionDays'],
    [{ deploy: { inboundMaxConcurrency: 1 } }, 'deploy.inboundMaxConcurrency'],
    [{ deploy: { inboundMaxConcurrency: 1001 } }, 'deploy.inboundMaxConcurrency'],
    [{ deploy: { inboundBatchSize: 0 } }, 'deploy.inboundBatchSize'],
    [{ deploy: { inboundBatchSize: 11 } }, 'deploy.inboundBatchSize'],
    [{ deploy: { rawMailArchiveAfterDays: -1 } }, 'deploy.rawMailArchiveAfterDays'],
  ])('names the bad field in %o', (change, field) => {
    expect(() => parseConfig({ ...DEV_DEFAULT_CONFIG, ...change })).toThrow(
      new RegExp(field.replaceAll('.', '\\.')),
    );
  });

  it('sets the inbound event source and the raw mail archive by default, and takes them from deploy', () => {
    const { deploy } = parseConfig(DEV_DEFAULT_CONFIG);
    expect(deploy).toMatchObject({
      inboundMaxConcurrency: 5,
      inboundBatchSize: 5,
      rawMailArchiveAfterDays: 30,
      rawMailArchiveMinBytes: 256 * 1024,
    });
    const wider = parseConfig({
      ...DEV_DEFAULT_CONFIG,
      deploy: { inboundMaxConcurrency: 40, inboundBatchSize: 10, rawMailArchiveAfterDays: 0 },
    }).deploy;
    expect(wider).toMatchObject({
      inboundMaxConcurrency: 40,
      inboundBatchSize: 10,
      rawMailArchiveAfterDays: 0,
    });
  });

  it('uses the fallback only when the file is absent; a broken file is an error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spoc-config-'));
    expect((await loadConfigFile(join(dir, 'absent.json'), DEV_DEFAULT_CONFIG)).supportAddress).toBe(
      'support@example.test',
    );
    await writeFile(join(dir, 'broken.json'), '{ "supportAddress": ');
    await expect(loadConfigFile(join(dir, 'broken.json'), DEV_DEFAULT_CONFIG)).rejects.toThrow(
      /not valid JSON/,
    );
    await expect(loadConfigFile(join(dir, 'absent.json'))).rejects.toBeInstanceOf(ConfigError);
  });

  it('reads local settings with defaults and names a bad variable', () => {
    const settings = readLocalSettings({}, '/srv/app');
    expect(settings).toEqual({
      dataDir: '/srv/app/.spoc/data',
      outboxDir: '/srv/app/.spoc/outbox',
      smtpPort: 2525,
      configPath: '/srv/app/spoc.config.json',
    });
    expect(readLocalSettings({ SPOC_SMTP_RELAY: 'smtp://127.0.0.1:1025' }, '/').smtpRelay).toBe(
      'smtp://127.0.0.1:1025',
    );
    expect(() => readLocalSettings({ SPOC_SMTP_PORT: '70000' }, '/')).toThrow(/SPOC_SMTP_PORT/);
    expect(() => readLocalSettings({ SPOC_SMTP_RELAY: 'http://x' }, '/')).toThrow(/SPOC_SMTP_RELAY/);
  });

  it('names every missing Lambda variable', () => {
    expect(() => readLambdaEnv({ AWS_REGION: 'eu-west-1', TABLE_NAME: 't' })).toThrow(
      /RAW_MAIL_BUCKET.*REPLY_TOKEN_SECRET_ID.*SPOC_CONFIG_JSON.*SES_CONFIGURATION_SET/,
    );
  });

  it.each([
    [{ firstContact: { enabeld: false } }, 'firstContact.enabeld', 'enabled'],
    [{ limits: { maxMailsPerSenderPerHr: 5 } }, 'limits.maxMailsPerSenderPerHr', 'maxMailsPerSenderPerHour'],
    [{ supportname: 'Help' }, 'supportname', 'supportName'],
    [{ owners: [{ email: 'a@x.test', name: 'A', activ: false }] }, 'owners.0.activ', 'active'],
    [{ assignment: { domain: {} } }, 'assignment.domain', 'domains'],
    [{ deploy: { alarmMail: 'ops@x.test' } }, 'deploy.alarmMail', 'alarmEmail'],
  ])('refuses the misspelt key in %o, naming it and the closest known one', (change, field, closest) => {
    expect(() => parseConfig({ ...DEV_DEFAULT_CONFIG, ...change })).toThrow(
      `${field}: unknown key "${field.split('.').at(-1)}" (did you mean "${closest}"?)`,
    );
  });

  it('lists the known keys when no known key is close to an unknown one', () => {
    expect(() => parseConfig({ ...DEV_DEFAULT_CONFIG, colour: 'blue' })).toThrow(
      /colour: unknown key "colour" \(known keys here: "supportAddress", "supportName", "replyDomain"/,
    );
    expect(closestKnownKey('zzzzzz', ['enabled', 'text'])).toBeUndefined();
  });

  it('is strict at synth and in Lambda too, which read the config through the same parser', async () => {
    const inline = { ...DEV_DEFAULT_CONFIG, firstContact: { enabeld: false } };
    await expect(
      loadStackConfig({ tryGetContext: (key) => (key === 'spocConfig' ? inline : undefined) }),
    ).rejects.toThrow(/cdk context "spocConfig"[\s\S]*firstContact\.enabeld: unknown key/);
    // The stack hands Lambda the parsed config, which parses again unchanged; anything else is refused.
    const lambdaEnv = (config: unknown) => ({
      AWS_REGION: 'eu-west-1',
      TABLE_NAME: 'spoc',
      RAW_MAIL_BUCKET: 'raw',
      REPLY_TOKEN_SECRET_ID: 'secret',
      SES_CONFIGURATION_SET: 'set',
      SPOC_CONFIG_JSON: JSON.stringify(config),
    });
    const parsed = parseConfig(DEV_DEFAULT_CONFIG);
    expect(buildAwsCoreDeps(lambdaEnv(parsed)).config).toEqual(parsed);
    expect(() => buildAwsCoreDeps(lambdaEnv(inline))).toThrow(
      /SPOC_CONFIG_JSON:\n {2}firstContact\.enabeld: unknown key/,
    );
  });

  it('refuses a domain rule that could never apply, naming the rule', () => {
    const withRule =
      (domains: Record<string, string>, owners: unknown = DEV_DEFAULT_CONFIG.owners) =>
      () =>
        parseConfig({ ...DEV_DEFAULT_CONFIG, owners, assignment: { domains } });
    expect(withRule({ 'acme.test': 'carol@example.test' })).toThrow(
      /assignment\.domains\.acme\.test: names carol@example\.test, who is not an active owner/,
    );
    expect(
      withRule({ 'acme.test': 'alice@example.test' }, [
        { email: 'alice@example.test', name: 'A', active: false },
      ]),
    ).toThrow(/assignment\.domains\.acme\.test/);
    expect(withRule({ 'gmail.com': 'alice@example.test' })).toThrow(
      /assignment\.domains\.gmail\.com: .*free-mail/,
    );
    expect(withRule({ 'acme.test': 'Alice@Example.test' })().assignment.domains).toEqual({
      'acme.test': 'alice@example.test',
    });
  });

  it('hands the functions a config without owners that still parses with its domain rules', () => {
    const config = parseConfig({
      ...DEV_DEFAULT_CONFIG,
      assignment: { domains: { 'acme.test': 'alice@example.test' } },
    });
    const json = JSON.parse(functionConfigJson(config));
    expect(json.owners).toBeUndefined();
    expect(parseConfig(json).assignment.domains).toEqual({ 'acme.test': 'alice@example.test' });
  });
});
