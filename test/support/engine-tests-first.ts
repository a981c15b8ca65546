import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Test files of pure functions: milliseconds each, whatever their size. */
const PURE_TESTS = /(^|\/)test\/unit\//;

/**
 * Unit files that also run a check over the whole mail corpus or ask the ReDoS checker's process about
 * every pattern: seconds each, like an engine test.
 */
const SLOW_HELPERS = ['/support/corpus.js', '/support/recheck-status.js'];

/**
 * Vitest's order, except on a run with no recorded durations (a fresh clone), where vitest runs the
 * largest files first: the corpus shards, three lines that each keep a worker busy for half a minute,
 * came last, and one worker ran them while the other idled. Here the files that start engines, servers
 * and processes go first, largest first, and the unit files fill in at the end. A unit file that reads
 * the corpus or runs recheck goes with the first group: last in the run, the two slowest (10 s each)
 * kept one worker busy while the other had nothing left to do.
 */
export class EngineTestsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const known = (file: TestSpecification) =>
      this.ctx.cache.getFileTestResults(
        `${file.project.name}:${relative(this.ctx.config.root, file.moduleId)}`,
      ) !== undefined;
    if (files.every(known)) return sorted;
    const quick = (file: TestSpecification) => {
      if (!PURE_TESTS.test(file.moduleId.replaceAll('\\', '/'))) return false;
      const source = readFileSync(file.moduleId, 'utf8');
      return !SLOW_HELPERS.some((helper) => source.includes(helper));
    };
    return [...sorted.filter((file) => !quick(file)), ...sorted.filter(quick)];
  }
}
