// One vitest run over every workspace project: `pnpm test` at the root runs all of them.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tooling/testkit', 'tooling/checks'],
  },
});
