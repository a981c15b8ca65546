import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../lib/cli/run-cli.js';
import { runSpoc } from '../support/spoc-process.js';

interface ListedOwner {
  email: string;
  hours: { timeZone: string; days: string; from: string; to: string };
  ownHours: boolean;
  backupEmail?: string;
}

describe('spoc owner hours and spoc owner backup on the data directory', () => {
  let base: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'spoc-cli-hours-'));
    env = {
      SPOC_DATA_DIR: join(base, 'data'),
      SPOC_OUTBOX_DIR: join(base, 'outbox'),
      SPOC_SMTP_PORT: '0',
      SPOC_CONFIG: join(base, 'absent.json'),
    };
    for (const [email, name] of [
      ['alice@example.test', 'Alice Smith'],
      ['bob@example.test', 'Bob Jones'],
    ] as const) {
      expect((await spoc(['owner', 'add', email, '--name', name], env)).code).toBe(0);
    }
  }, 60_000);
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  /**
   * One `spoc` command, run in this process: the commands here are about what hours and backups do, and
   * a child process per command cost half a second each; `spoc` as a process is tested once below and in
   * spoc-cli.test.ts.
   */
  async function spoc(
    args: string[],
    commandEnv: NodeJS.ProcessEnv,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, {
      out: (text) => out.push(`${text}\n`),
      err: (text) => err.push(`${text}\n`),
      env: { ...process.env, ...commandEnv },
      cwd: base,
    });
    return { code, stdout: out.join(''), stderr: err.join('') };
  }

  const listed = async (extraEnv: NodeJS.ProcessEnv = {}) => {
    const result = await spoc(['owner', 'list', '--json'], { ...env, ...extraEnv });
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout) as ListedOwner[];
  };

  it('lists the default hours until an owner has their own, then theirs; a rename keeps them', async () => {
    const before = await listed();
    expect(before.find((o) => o.email === 'alice@example.test')).toMatchObject({
      hours: { timeZone: 'Europe/Berlin', days: 'mon-fri', from: '09:00', to: '17:30' },
      ownHours: false,
    });

    const set = await spoc(
      [
        'owner',
        'hours',
        'Alice Smith',
        '--tz',
        'America/New_York',
        '--days',
        'fri,mon-thu',
        '--from',
        '08:00',
        '--to',
        '16:00',
      ],
      env,
    );
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('Alice Smith works mon-fri 08:00-16:00 America/New_York');

    // Only the flags given change; the rest stays as it applies now.
    expect((await spoc(['owner', 'hours', 'alice@example.test', '--days', 'mon,wed,fri'], env)).code).toBe(0);
    expect(
      (await spoc(['owner', 'add', 'alice@example.test', '--name', 'Alice Smith-Jones'], env)).code,
    ).toBe(0);

    const table = await spoc(['owner', 'list'], env);
    expect(table.stdout).toMatch(/HOURS\s+BACKUP/);
    expect(table.stdout).toMatch(
      /alice@example\.test .*mon,wed,fri 08:00-16:00 America\/New_York(?! \(default\))/,
    );
    expect(table.stdout).toMatch(/bob@example\.test .*mon-fri 09:00-17:30 Europe\/Berlin \(default\)/);
    expect((await listed()).find((o) => o.email === 'alice@example.test')).toMatchObject({
      hours: { timeZone: 'America/New_York', days: 'mon,wed,fri', from: '08:00', to: '16:00' },
      ownHours: true,
    });

    const shown = await spoc(['owner', 'hours', 'alice@example.test'], env);
    expect(shown.stdout.trim()).toBe('Alice Smith-Jones: mon,wed,fri 08:00-16:00 America/New_York');

    const cleared = await spoc(['owner', 'hours', 'alice@example.test', '--clear'], env);
    expect(cleared.code).toBe(0);
    expect((await listed()).find((o) => o.email === 'alice@example.test')?.ownHours).toBe(false);
  }, 120_000);

  it('refuses bad hours with exit code 2, saying what is wrong, and changes nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--tz', 'Europe/Atlantis'], /"Europe\/Atlantis" is not a time zone/],
      [['--days', 'mon-fry'], /"mon-fry" is not a day or a range of days/],
      [['--from', '9am'], /"9am" is not a time of day/],
      [['--from', '17:30', '--to', '09:00'], /from 17:30 must be before to 09:00/],
      [['--from', '09:00', '--to', '09:00'], /must be before/],
    ];
    for (const [flags, message] of cases) {
      const result = await spoc(['owner', 'hours', 'bob@example.test', ...flags], env);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain('spoc owner hours <owner>');
    }
    // As a process too: the exit code and the message reach the shell.
    const unknown = await runSpoc(['owner', 'hours', 'nobody@example.test', '--days', 'mon-fri'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no owner "nobody@example.test"');
    expect((await listed()).find((o) => o.email === 'bob@example.test')?.ownHours).toBe(false);
  }, 120_000);

  it('names a backup, refuses the owner themselves and an unknown one, and lists the default backup', async () => {
    const set = await spoc(['owner', 'backup', 'alice@example.test', 'Bob Jones'], env);
    expect(set.stderr).toBe('');
    expect(set.stdout).toContain("Bob Jones <bob@example.test> is Alice Smith-Jones's backup");

    const self = await spoc(['owner', 'backup', 'bob@example.test', 'bob@example.test'], env);
    expect(self.code).toBe(2);
    expect(self.stderr).toContain('cannot be their own backup');
    const unknown = await spoc(['owner', 'backup', 'bob@example.test', 'zed@example.test'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no owner "zed@example.test"');
    // An inactive owner (here one the config lists as inactive) receives no new work, so cannot be a backup.
    const inactiveConfig = join(base, 'inactive.json');
    await writeFile(
      inactiveConfig,
      JSON.stringify({
        supportAddress: 'support@example.test',
        replyDomain: 'reply.example.test',
        owners: [{ email: 'dan@example.test', name: 'Dan Brown', active: false }],
      }),
    );
    expect((await spoc(['owner', 'sync'], { ...env, SPOC_CONFIG: inactiveConfig })).code).toBe(0);
    const inactive = await spoc(['owner', 'backup', 'bob@example.test', 'Dan Brown'], env);
    expect(inactive.code).toBe(2);
    expect(inactive.stderr).toContain('dan@example.test is inactive and cannot be a backup');
    const missing = await spoc(['owner', 'backup', 'bob@example.test'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing backup');

    const owners = await listed();
    expect(owners.find((o) => o.email === 'alice@example.test')?.backupEmail).toBe('bob@example.test');
    expect(owners.find((o) => o.email === 'bob@example.test')?.backupEmail).toBeUndefined();

    // A configured default backup applies to everyone without their own, except to themselves.
    const configPath = join(base, 'spoc.config.json');
    await writeFile(
      configPath,
      JSON.stringify({
        supportAddress: 'support@example.test',
        replyDomain: 'reply.example.test',
        hours: { timeZone: 'Asia/Kolkata', from: '09:30', to: '18:30' },
        escalation: { defaultBackup: 'alice@example.test' },
      }),
    );
    const configured = await spoc(['owner', 'list'], { ...env, SPOC_CONFIG: configPath });
    expect(configured.stdout).toMatch(
      /bob@example\.test .*mon-fri 09:30-18:30 Asia\/Kolkata \(default\)\s+alice@example\.test \(default\)/,
    );
    expect(configured.stdout).toMatch(/alice@example\.test .*\(default\)\s+bob@example\.test\s*$/m);

    const cleared = await spoc(['owner', 'backup', 'alice@example.test', '--clear'], env);
    expect(cleared.code).toBe(0);
    expect((await listed()).find((o) => o.email === 'alice@example.test')?.backupEmail).toBeUndefined();
  }, 120_000);
});
