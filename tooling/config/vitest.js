// Shared vitest preset: resolve workspace packages from src/ (the @tsoptim/source export condition),
// so tests never need a prior build.
import { defineConfig } from 'vitest/config';

export const sourceConditions = ['@tsoptim/source'];

/** @param {import('vitest/config').UserConfig['test']} [test] */
export function packageTestConfig(test = {}) {
  return defineConfig({
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
      ...test,
    },
  });
}
