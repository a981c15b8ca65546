import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** The parts of a package.json this module reads. */
interface PackageManifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** A package the closure needs is not installed; `npm ci` has not run, or the lock file changed. */
export class PackageNotInstalledError extends Error {
  override readonly name = 'PackageNotInstalledError';
}

function readManifest(packageDir: string): PackageManifest {
  return JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as PackageManifest;
}

/** Where Node would find `name` when required from `fromDir`: the nearest `node_modules/<name>` upwards. */
function resolvePackageDir(name: string, fromDir: string, root: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root) return undefined;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Whether `name` may be missing: an optional dependency, or a peer marked optional. */
function isOptional(manifest: PackageManifest, name: string): boolean {
  return (
    manifest.optionalDependencies?.[name] !== undefined ||
    (manifest.peerDependencies?.[name] !== undefined &&
      manifest.peerDependenciesMeta?.[name]?.optional === true)
  );
}

/**
 * The installed packages `names` need at run time, as found in `projectRoot`'s `node_modules`: each
 * package and, transitively, its dependencies, optional dependencies and peers, resolved the way Node
 * resolves them (nearest `node_modules` upwards). Returns the directories to copy, relative to
 * `projectRoot` and sorted; a package nested inside another listed one travels with it and is left out.
 * What `npm ci` installed from the lock file is what gets shipped, with no network and no second install.
 */
export function installedPackageClosure(names: readonly string[], projectRoot: string): string[] {
  const found = new Set<string>();
  const pending: Array<{ name: string; from: string; optional: boolean }> = names.map((name) => ({
    name,
    from: projectRoot,
    optional: false,
  }));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const dir = resolvePackageDir(next.name, next.from, projectRoot);
    if (dir === undefined) {
      if (next.optional) continue;
      throw new PackageNotInstalledError(
        `${next.name} (needed from ${relative(projectRoot, next.from) || 'the project'}) is not installed ` +
          `in ${projectRoot}/node_modules: run npm ci`,
      );
    }
    if (found.has(dir)) continue;
    found.add(dir);
    const manifest = readManifest(dir);
    const needed = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    for (const name of needed) pending.push({ name, from: dir, optional: isOptional(manifest, name) });
  }
  const dirs = [...found].sort();
  return dirs
    .filter((dir) => !dirs.some((outer) => outer !== dir && dir.startsWith(`${outer}${sep}`)))
    .map((dir) => relative(projectRoot, dir));
}
