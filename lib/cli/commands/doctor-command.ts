import { readFile } from 'node:fs/promises';
import { loadConfigFile } from '../../config/load-config.js';
import { readLocalSettings } from '../../local/local-settings.js';
import {
  type DoctorCheck,
  type DoctorTargets,
  type MxResolver,
  runDoctorChecks,
} from '../../runtime/aws-doctor.js';
import { AwsOpsComposition } from '../../runtime/aws-ops-composition.js';
import { type CliIo, UsageError } from '../cli-io.js';

/** Flags of `spoc doctor`. */
export interface DoctorFlags {
  region?: string;
  outputs?: string;
  'configuration-set'?: string;
  json?: boolean;
}

/**
 * Reads the stack's outputs as `cdk deploy --outputs-file <file>` writes them (`{ "<stack>": { … } }`).
 */
export async function readStackOutputs(path: string): Promise<Record<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the stack outputs in ${path}: ${(error as Error).message}`);
  }
  const stacks = Object.values((parsed ?? {}) as Record<string, unknown>);
  const outputs = stacks.find((s) => typeof s === 'object' && s !== null && 'TableName' in s);
  if (!outputs)
    throw new UsageError(`${path} holds no spoc stack outputs (no TableName): see docs/deploy.md`);
  return outputs as Record<string, string>;
}

const MARK: Record<DoctorCheck['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/**
 * `spoc doctor [--outputs <file>] [--region R] [--json]`: the preflight and health check. One line per
 * check with what to do for each that is not right; exit code 1 when any check fails.
 *
 * @returns Whether every check passed (warnings and skips do not fail).
 */
export async function doctorCommand(io: CliIo, flags: DoctorFlags, resolver?: MxResolver): Promise<boolean> {
  const settings = readLocalSettings(io.env, io.cwd);
  const config = await loadConfigFile(settings.configPath);
  const outputs = flags.outputs ? await readStackOutputs(flags.outputs) : {};
  const region = flags.region ?? outputs.Region ?? io.env.AWS_REGION;
  const targets: DoctorTargets = {
    ...(outputs.ReceiptRuleSetName ? { ruleSetName: outputs.ReceiptRuleSetName } : {}),
    ...((flags['configuration-set'] ?? outputs.ConfigurationSetName)
      ? { configurationSetName: flags['configuration-set'] ?? outputs.ConfigurationSetName }
      : {}),
    deadLetterQueueUrls: [outputs.InboundDeadLetterQueueUrl, outputs.DeliveryEventsDeadLetterQueueUrl].filter(
      (url): url is string => Boolean(url),
    ),
    ...(outputs.InboundFunctionName ? { inboundFunctionName: outputs.InboundFunctionName } : {}),
  };
  const aws = new AwsOpsComposition({ tableName: outputs.TableName ?? '', ...(region ? { region } : {}) });
  try {
    const checks = await runDoctorChecks(
      aws,
      config,
      targets,
      resolver ?? (await import('node:dns/promises')),
    );
    const ok = checks.every((check) => check.status !== 'fail');
    if (flags.json) {
      io.out(JSON.stringify({ ok, checks }, null, 2));
      return ok;
    }
    const width = Math.max(...checks.map((c) => c.name.length));
    for (const check of checks) {
      io.out(`${MARK[check.status]}  ${check.name.padEnd(width)}  ${check.detail}`);
      if (check.fix && check.status !== 'ok') io.out(`      ${' '.repeat(width)}  → ${check.fix}`);
    }
    const failed = checks.filter((c) => c.status === 'fail').length;
    io.out(failed === 0 ? 'all checks passed' : `${failed} check(s) failed`);
    return ok;
  } finally {
    aws.close();
  }
}
