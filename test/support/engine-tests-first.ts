import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Test files of pure functions: milliseconds each, whatever their size. */
const PURE_TESTS = /(^|\/)test\/unit\//;

/**
 * Vitest's order, except on a run with no recorded durations (a fresh clone), where vitest runs the
 * largest files first: the corpus shards, three lines that each keep a worker busy for half a minute,
 * came last, and one worker ran them while the other idled. Here the files that start engines, servers
 * and processes go first, largest first, and the unit files fill in at the end.
 */
export class EngineTestsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const known = (file: TestSpecification) =>
      this.ctx.cache.getFileTestResults(
        `${file.project.name}:${relative(this.ctx.config.root, file.moduleId)}`,
      ) !== undefined;
    if (files.every(known)) return sorted;
    const pure = (file: TestSpecification) => PURE_TESTS.test(file.moduleId.replaceAll('\\', '/'));
    return [...sorted.filter((file) => !pure(file)), ...sorted.filter(pure)];
  }
}
