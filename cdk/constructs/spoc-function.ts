import { dirname, resolve } from 'node:path';
import { type Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  type ICommandHooks,
  LogLevel,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLE_ALIASES, FUNCTION_BUNDLING } from '../function-bundling.js';
import { installedPackageClosure } from '../installed-package-closure.js';
import { PROJECT_ROOT } from '../load-stack-config.js';

/** The runtime every function uses; esbuild targets the same Node version (`FUNCTION_BUNDLING`). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** Lambda refuses a function whose environment (keys and values) exceeds 4 KB. */
const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** Size assumed for a value that is only known at deploy time (an ARN, a generated name). */
const UNRESOLVED_VALUE_BYTES = 160;

export interface SpocFunctionProps {
  /** Entry file, relative to the project root (`lambdas/inbound.ts`). */
  entry: string;
  description: string;
  /** Powertools service name: the `service` key of every log line. */
  serviceName: string;
  memorySize: number;
  timeout: Duration;
  /** Function-specific environment; Powertools and source-map settings are added here. */
  environment: Record<string, string>;
  logRetention?: logs.RetentionDays;
  /** Concurrent executions reserved for (and capping) the function. */
  reservedConcurrentExecutions?: number;
  /**
   * Packages shipped beside the bundle instead of inside it: ones loaded only on rare paths (a lazy
   * `import()`), or of which a cold start reads only a part (`INBOUND_NODE_MODULES` says which and why).
   * They and their dependencies are copied from the project's `node_modules` (what `npm ci` installed
   * from the lock file): bundling installs nothing and needs no network.
   */
  nodeModules?: string[];
}

/**
 * One Lambda function as every function of the stack is built: NodejsFunction bundled locally by esbuild
 * (no Docker) to a minified ESM file with a source map, nodejs22.x on arm64, its own log group and its
 * own role holding nothing but the right to write that log group. Callers grant the rest.
 */
export class SpocFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SpocFunctionProps) {
    super(scope, id);

    const environment: Record<string, string> = {
      ...props.environment,
      POWERTOOLS_SERVICE_NAME: props.serviceName,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    };
    assertEnvironmentFits(this, environment);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.serviceName}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: resolve(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: resolve(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      role: this.role,
      logGroup: this.logGroup,
      environment,
      bundling: {
        ...FUNCTION_BUNDLING,
        mainFields: [...FUNCTION_BUNDLING.mainFields],
        format: OutputFormat.ESM,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        // Bundle the SDK v3 clients too: the versions tested here are the versions deployed, and a
        // tree-shaken client loads faster than the runtime's full copy.
        externalModules: [...(props.nodeModules ?? [])],
        // Not NodejsFunction's `nodeModules`, which runs `npm install` in the asset on every synth.
        ...(props.nodeModules ? { commandHooks: copyInstalledPackages(props.nodeModules) } : {}),
        esbuildArgs: { '--alias': Object.entries(BUNDLE_ALIASES).map(([from, to]) => `${from}=${to}`) },
        logLevel: LogLevel.WARNING,
      },
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is the runtime the bundles are built and tested for (esbuild target node22); moving to ' +
        'a newer Node major is a deliberate upgrade, not a drift to follow automatically.',
    });
  }
}

/** Bundling hooks that copy `names` and their dependency closure from the project's `node_modules`. */
function copyInstalledPackages(names: readonly string[]): ICommandHooks {
  const dirs = installedPackageClosure(names, PROJECT_ROOT);
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) =>
      dirs.map((dir) => {
        const target = `${outputDir}/${dir}`;
        return `mkdir -p "${dirname(target)}" && cp -R "${inputDir}/${dir}" "${target}"`;
      }),
  };
}

function assertEnvironmentFits(scope: Construct, environment: Record<string, string>): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(environment)) {
    const valueBytes = Token.isUnresolved(value) ? UNRESOLVED_VALUE_BYTES : Buffer.byteLength(value, 'utf8');
    bytes += Buffer.byteLength(key, 'utf8') + valueBytes;
  }
  if (bytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    const configBytes = Buffer.byteLength(environment.SPOC_CONFIG_JSON ?? '', 'utf8');
    throw new Error(
      `${scope.node.path}: the Lambda environment would be about ${bytes} bytes, over ` +
        `Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}-byte limit (SPOC_CONFIG_JSON alone is ${configBytes} bytes). ` +
        'Shorten the "assignment.domains" map or the "firstContact.text" of the config.',
    );
  }
}
