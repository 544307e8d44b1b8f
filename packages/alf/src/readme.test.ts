import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it, vi } from 'vitest';

// Runs every ```ts example of the README against the sources, so that the examples stay runnable.
const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = fileURLToPath(new URL('../..', import.meta.url));
const scratch = fileURLToPath(new URL('../../../.test-results/alf-readme/', import.meta.url));
const readme = readFileSync(`${pkgDir}README.md`, 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README examples', () => {
  mkdirSync(scratch, { recursive: true });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs`, async () => {
      const src = code.replace(/from '@tsoptim\/([a-z-]+)'/g, (_, pkg: string) => `from '${packagesDir}${pkg}/src/index.ts'`);
      const file = `${scratch}example-${i + 1}.ts`;
      writeFileSync(file, src);
      const log = vi.spyOn(console, 'log');
      if (process.env.ALF_README_LOG === undefined) log.mockImplementation(() => {});
      try {
        await import(/* @vite-ignore */ file);
      } finally {
        log.mockRestore();
      }
    });
  });
});
