import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, it, vi } from 'vitest';

/** Options of {@link describeReadmeExamples}. */
export interface ReadmeExamplesOptions {
  /**
   * Folder the examples are written to (removed afterwards). Inside the package when an example imports one of
   * the package's own dependencies (they resolve from its node_modules).
   */
  readonly scratch: string;
  /** Set this environment variable to see what the examples print. */
  readonly logVariable: string;
  /** Per example, in ms. */
  readonly timeout?: number;
}

/**
 * Runs every ```ts example of a package's README against the workspace sources (`@tsoptim/<pkg>` imports point
 * at `packages/<pkg>/src/index.ts`), so that the examples stay runnable as written.
 *
 * @param pkgDir - the package folder (with a trailing slash or not).
 */
export function describeReadmeExamples(pkgDir: string, options: ReadmeExamplesOptions): void {
  const packagesDir = join(pkgDir, '..');
  const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  describe('README examples', () => {
    mkdirSync(options.scratch, { recursive: true });
    afterAll(() => rmSync(options.scratch, { recursive: true, force: true }));
    blocks.forEach((code, i) => {
      it(
        `example ${i + 1} runs`,
        async () => {
          const src = code.replace(
            /from '@tsoptim\/([a-z-]+)'/g,
            (_, pkg: string) => `from '${join(packagesDir, pkg, 'src', 'index.ts')}'`,
          );
          const file = join(options.scratch, `example-${i + 1}.ts`);
          writeFileSync(file, src);
          const log = vi.spyOn(console, 'log');
          if (process.env[options.logVariable] === undefined) log.mockImplementation(() => {});
          try {
            await import(/* @vite-ignore */ file);
          } finally {
            log.mockRestore();
          }
        },
        options.timeout,
      );
    });
  });
}
