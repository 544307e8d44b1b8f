// Shared tsup preset: ESM with declarations, one entry per package (src/index.ts). No source maps in the
// published packages: each map carries the package's whole source again (the map of optim alone was 400 KB),
// more than doubling what users install.
import { defineConfig } from 'tsup';

/** @param {import('tsup').Options} [overrides] */
export function libraryConfig(overrides = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: true,
    sourcemap: false,
    clean: true,
    target: 'es2022',
    treeshake: true,
    ...overrides,
  });
}
