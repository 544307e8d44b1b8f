import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it, vi } from 'vitest';

// Runs every ```ts example of the README against the sources, so that the examples stay runnable. The files
// are written inside this package, so that tfjs resolves from its node_modules.
const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = fileURLToPath(new URL('../..', import.meta.url));
const scratch = `${pkgDir}.test-results/readme/`;
const readme = readFileSync(`${pkgDir}README.md`, 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README examples', () => {
  mkdirSync(scratch, { recursive: true });
  afterAll(() => rmSync(`${pkgDir}.test-results`, { recursive: true, force: true }));
  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs`, async () => {
      const src = code.replace(/from '@tsoptim\/([a-z-]+)'/g, (_, pkg: string) => `from '${packagesDir}${pkg}/src/index.ts'`);
      const file = `${scratch}example-${i + 1}.ts`;
      writeFileSync(file, src);
      const log = vi.spyOn(console, 'log');
      if (process.env.TFJS_README_LOG === undefined) log.mockImplementation(() => {});
      try {
        await import(/* @vite-ignore */ file);
      } finally {
        log.mockRestore();
      }
    }, 60_000);
  });
});
