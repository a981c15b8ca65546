import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LIB = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lib');

/**
 * The folders of `lib/`, lowest first: a file may import from its own folder or from a lower one, never
 * from a higher one. Folders on one level do not import each other's internals upward either way.
 */
const LAYERS: Record<string, number> = {
  validation: 0,
  domain: 1,
  config: 2,
  mail: 2,
  events: 2,
  ports: 2,
  adapters: 3,
  delivery: 4,
  'use-cases': 5,
  handlers: 6,
  runtime: 7,
  local: 7,
  cli: 8,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports of a file (static, type-only and dynamic), as paths of `.ts` files. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
    const target = match[1];
    if (target) found.push(normalize(join(dirname(file), target)).replace(/\.js$/, '.ts'));
  }
  return found;
}

const files = sourceFiles(LIB);
const graph = new Map(
  files.map((file) => [file, importsOf(file).filter((target) => target.startsWith(LIB))]),
);
const layerOf = (file: string) => relative(LIB, file).split('/')[0] ?? '';

describe('lib/ imports', () => {
  it('run downward: no folder imports from a higher one', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => (LAYERS[layerOf(target)] ?? 0) > (LAYERS[layerOf(file)] ?? 0))
        .map((target) => `${relative(LIB, file)} -> ${relative(LIB, target)}`),
    );
    expect(Object.keys(LAYERS).sort()).toEqual(
      [...new Set(files.map(layerOf))].filter((layer) => !layer.endsWith('.ts')).sort(),
    );
    expect(upward).toEqual([]);
  });

  it('form no circle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const circles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) {
        if (!graph.has(target)) continue;
        if (state.get(target) === 'open') {
          circles.push(
            [...path.slice(path.indexOf(target)), target].map((f) => relative(LIB, f)).join(' -> '),
          );
        } else if (!state.has(target)) {
          visit(target, [...path, target]);
        }
      }
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file, [file]);
    expect(circles).toEqual([]);
  });
});
