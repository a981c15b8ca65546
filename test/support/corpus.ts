import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The shared e-mail test corpus: `SPOC_CORPUS_DIR`, else `../shared/corpus` next to the repository. */
export function corpusDir(): string {
  return process.env.SPOC_CORPUS_DIR ?? resolve(repoRoot, '../shared/corpus');
}

/** Whether the corpus is present; tests that need it are skipped (with a message) when it is not. */
export function corpusAvailable(): boolean {
  const available = existsSync(join(corpusDir(), 'README.md'));
  if (!available)
    console.log(`e-mail corpus not found at ${corpusDir()}; set SPOC_CORPUS_DIR to run corpus tests`);
  return available;
}

/** Raw bytes of a corpus file, by path relative to the corpus root. */
export function corpusFile(path: string): Buffer {
  return readFileSync(join(corpusDir(), path));
}

/**
 * Corpus-relative paths of the files under `folder` whose names satisfy `accept`, sorted; `[]` when the
 * folder does not exist.
 */
export function corpusFiles(folder: string, accept: (name: string) => boolean = () => true): string[] {
  const root = join(corpusDir(), folder);
  if (!existsSync(root)) return [];
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (accept(name)) found.push(relative(corpusDir(), path));
    }
  };
  walk(root);
  return found.sort();
}

/**
 * A share of the sorted corpus `files` for an engine test whose decisions a pure test checks for every
 * file: every `nth` file, and the first file of each kind (the name up to its first `-`, as sisimai's
 * `arf-`, `rfc3834-`, `lhost-`), so each kind still takes the engine path.
 */
export function shareOfEachKind(files: readonly string[], nth: number): string[] {
  const kindOf = (file: string) => (file.split('/').pop() ?? file).split('-')[0];
  return files.filter((file, i) => i % nth === 0 || kindOf(file) !== kindOf(files[i - 1] ?? ''));
}
