import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INBOUND_NODE_MODULES } from '../../cdk/function-bundling.js';
import { installedPackageClosure, PackageNotInstalledError } from '../../cdk/installed-package-closure.js';
import { PROJECT_ROOT } from '../../cdk/load-stack-config.js';

/** Writes `node_modules/<path>/package.json` under `root` for each entry. */
function install(root: string, packages: Record<string, object>): void {
  for (const [path, manifest] of Object.entries(packages)) {
    const dir = join(root, 'node_modules', ...path.split('/'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: path, ...manifest }));
  }
}

describe('installedPackageClosure', () => {
  it('follows dependencies, optional ones and peers the way Node resolves them', () => {
    const root = mkdtempSync(join(tmpdir(), 'spoc-closure-'));
    install(root, {
      app: { dependencies: { a: '1', '@scope/b': '1' }, optionalDependencies: { gone: '1' } },
      a: {
        dependencies: { c: '2' },
        peerDependencies: { p: '1', canvas: '1' },
        peerDependenciesMeta: { canvas: { optional: true } },
      },
      // a's own c (v2) is nested; the hoisted c (v1) is someone else's and stays out.
      'a/node_modules/c': { dependencies: { d: '1' } },
      c: {},
      d: {},
      p: {},
      '@scope/b': { dependencies: { d: '1' } },
      unrelated: {},
    });
    expect(installedPackageClosure(['app'], root)).toEqual([
      'node_modules/@scope/b',
      'node_modules/a',
      'node_modules/app',
      'node_modules/d',
      'node_modules/p',
    ]);
  });

  it('refuses to leave out a required package that is not installed', () => {
    const root = mkdtempSync(join(tmpdir(), 'spoc-closure-'));
    install(root, { a: { dependencies: { missing: '1' } } });
    expect(() => installedPackageClosure(['a'], root)).toThrow(PackageNotInstalledError);
    expect(() => installedPackageClosure(['a'], root)).toThrow(
      /missing \(needed from node_modules\/a\).*npm ci/,
    );
  });

  it('finds the inbound function’s packages installed in this project', () => {
    const dirs = installedPackageClosure(INBOUND_NODE_MODULES, PROJECT_ROOT);
    for (const name of INBOUND_NODE_MODULES) expect(dirs).toContain(`node_modules/${name}`);
    // jsdom brings its parser and URL packages; nothing of the dev tooling comes along.
    expect(dirs).toEqual(expect.arrayContaining(['node_modules/parse5', 'node_modules/whatwg-url']));
    expect(dirs).not.toContain('node_modules/aws-cdk-lib');
    expect(dirs).not.toContain('node_modules/vitest');
  });
});
