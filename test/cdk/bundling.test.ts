import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, INBOUND_NODE_MODULES } from '../../cdk/function-bundling.js';
import { installedPackageClosure } from '../../cdk/installed-package-closure.js';
import { PROJECT_ROOT } from '../../cdk/load-stack-config.js';
import { parseConfig } from '../../lib/config/load-config.js';
import { buildStack, logicalIdOf, TEST_CONFIG } from './support/stack-fixture.js';

const run = promisify(execFile);

/** Far below Lambda's 50 MB zip limit; a bundle this large means something unintended got pulled in. */
const MAX_BUNDLE_BYTES = 10 * 1024 * 1024;

interface Bundle {
  name: string;
  dir: string;
  code: string;
}

describe('function bundles (real esbuild run)', () => {
  const bundles: Bundle[] = [];

  beforeAll(() => {
    const { app, stack } = buildStack({ bundle: true });
    const assembly = app.synth();
    const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template);
    const functions = template.findResources('AWS::Lambda::Function');
    const named = {
      inbound: stack.inbound.handler.function,
      'delivery-events': stack.deliveryEvents.handler.function,
      'rule-set-activation': stack.ingest.activation?.handler.function,
    };
    for (const [name, fn] of Object.entries(named)) {
      const key = functions[logicalIdOf(fn as never)]?.Properties.Code.S3Key as string;
      const dir = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
      bundles.push({ name, dir, code: readFileSync(join(dir, 'index.mjs'), 'utf8') });
    }
  }, 300_000);

  it('emits one minified ESM file with a source map per function', () => {
    expect(bundles.map((b) => b.name)).toEqual(['inbound', 'delivery-events', 'rule-set-activation']);
    for (const bundle of bundles) {
      expect(existsSync(join(bundle.dir, 'index.mjs.map')), bundle.name).toBe(true);
      expect(bundle.code.startsWith(ESM_REQUIRE_BANNER), bundle.name).toBe(true);
      expect(statSync(join(bundle.dir, 'index.mjs')).size, bundle.name).toBeLessThan(MAX_BUNDLE_BYTES);
    }
  });

  /** Installed beside the inbound bundle rather than compiled into it (see cdk/function-bundling.ts). */
  const besideBundle: Record<string, readonly string[]> = { inbound: INBOUND_NODE_MODULES };

  it('ships the packages kept out of the inbound bundle beside it', () => {
    const inbound = bundles.find((b) => b.name === 'inbound');
    for (const name of besideBundle.inbound ?? []) {
      expect(existsSync(join(inbound?.dir ?? '', 'node_modules', name, 'package.json')), name).toBe(true);
    }
  });

  it('copies them from the project’s node_modules with their dependencies: no npm install ran', () => {
    const inbound = bundles.find((b) => b.name === 'inbound');
    const dir = inbound?.dir ?? '';
    // An `npm install` in the asset leaves its lock files behind (and needs the network).
    expect(existsSync(join(dir, 'package-lock.json'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules', '.package-lock.json'))).toBe(false);
    for (const path of installedPackageClosure(INBOUND_NODE_MODULES, PROJECT_ROOT)) {
      expect(existsSync(join(dir, path, 'package.json')), path).toBe(true);
    }
  });

  it('loads jsdom and planer beside the inbound bundle, as an owner’s HTML answer does', async () => {
    const inbound = bundles.find((b) => b.name === 'inbound');
    const url = pathToFileURL(join(inbound?.dir ?? '', 'index.mjs')).href;
    const script = [
      "import { createRequire } from 'node:module';",
      "import { pathToFileURL } from 'node:url';",
      `const from = createRequire(${JSON.stringify(url)});`,
      "const { JSDOM } = await import(pathToFileURL(from.resolve('jsdom')).href);",
      "const planer = await import(pathToFileURL(from.resolve('planer')).href);",
      "const dom = new JSDOM('<p>Hello</p>');",
      "console.log(dom.window.document.querySelector('p').textContent, typeof planer.extractFromHtml);",
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    expect(stdout.trim()).toBe('Hello function');
  }, 60_000);

  it('holds one copy of libmime, though mailparser imports it as ESM and its splitter requires it', () => {
    const inbound = bundles.find((b) => b.name === 'inbound');
    // keepNames leaves each copy of the class one `"Libmime"` name literal.
    expect(inbound?.code.match(/"Libmime"/g)).toHaveLength(1);
  });

  it('bundles every other dependency, the AWS SDK included: only Node built-ins stay imports', () => {
    const staticImport =
      /(?:^|[;}])\s*import\s*(?:[\w$]+\s*,?\s*)?(?:\{[^}]*\}|\*\s*as\s*[\w$]+)?\s*(?:from\s*)?["']([^"']+)["']/g;
    for (const bundle of bundles) {
      const specifiers = [...bundle.code.matchAll(staticImport)].map((match) => match[1] ?? '');
      expect(specifiers.length, bundle.name).toBeGreaterThan(0);
      expect(
        specifiers.filter((s) => !isBuiltin(s) && !(besideBundle[bundle.name] ?? []).includes(s)),
        bundle.name,
      ).toEqual([]);
    }
    // The SES client is inside the activation bundle, not taken from the runtime.
    const activation = bundles.find((b) => b.name === 'rule-set-activation');
    expect(activation?.code.includes('SetActiveReceiptRuleSet')).toBe(true);
  });

  it('loads under Node as Lambda loads it, and exports the handler', async () => {
    const env = {
      ...process.env,
      AWS_REGION: 'eu-west-1',
      TABLE_NAME: 'table',
      RAW_MAIL_BUCKET: 'bucket',
      REPLY_TOKEN_SECRET_ID: 'secret',
      SES_CONFIGURATION_SET: 'configuration-set',
      SPOC_CONFIG_JSON: JSON.stringify(parseConfig(TEST_CONFIG)),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    };
    for (const bundle of bundles) {
      const url = pathToFileURL(join(bundle.dir, 'index.mjs')).href;
      const script = `const m = await import(${JSON.stringify(url)}); console.log(typeof m.handler);`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env });
      expect(stdout.trim(), bundle.name).toBe('function');
    }
  }, 120_000);
});
