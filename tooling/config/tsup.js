// Shared tsup preset: ESM with declarations. No source maps in the published packages: each map carries the
// package's whole source again (the map of optim alone was 400 KB), more than doubling what users install.
//
// One output module per source module (`bundle: false`), not one bundled `index.js`: with `sideEffects: false`
// an app's bundler then drops every module the app does not reach, as it does from source. A bundled file can
// only be shaken statement by statement, and keeps every module-level value built by a call or read from a
// property (`X_OPTIONS.defaults`): an Adam-only app shipped every other algorithm's option declarations that way.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { defineConfig } from 'tsup';

/** A relative value import or re-export (`import … from './x.js'`, `export * from`, `import('./x.js')`); not `import type`. */
const RELATIVE_IMPORT =
  /(?:^|[\s;])(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/**
 * The source modules a package publishes: those reachable from its public entries through relative imports
 * (static or dynamic), paths relative to `root`. Test helpers under `src/` that no entry reaches are left out.
 *
 * @param {readonly string[]} entries
 * @param {string} [root]
 * @returns {string[]}
 */
export function publishedModules(entries, root = process.cwd()) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
      visit(resolve(dirname(file), (m[1] ?? m[2]).replace(/\.js$/, '.ts')));
    }
  };
  for (const e of entries) visit(resolve(root, e));
  return [...seen].map((f) => relative(root, f).split('\\').join('/')).sort();
}

/**
 * A package's public entry points: the source file (`@tsoptim/source`) of each `exports` entry that is
 * published (has a `default` in `dist/`), as paths relative to `root`. Workspace-only exports (`./conformance-table`)
 * are not built.
 *
 * @param {string} [root]
 * @returns {string[]}
 */
export function publicEntries(root = process.cwd()) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return Object.values(manifest.exports ?? {})
    .map((e) => (e !== null && typeof e === 'object' && typeof e.default === 'string' ? e['@tsoptim/source'] : undefined))
    .filter((e) => typeof e === 'string')
    .map((e) => e.replace(/^\.\//, ''));
}

/**
 * @param {{ entry?: string[] }} [options] `entry`: more entry points than the package's `exports` (a command's
 *   module); each entry gets declarations, and every module the entries reach is published.
 */
export function libraryConfig(options = {}) {
  const entry = [...publicEntries(), ...(options.entry ?? [])];
  return defineConfig({
    entry: publishedModules(entry),
    bundle: false,
    format: ['esm'],
    dts: { entry },
    sourcemap: false,
    clean: true,
    target: 'es2022',
  });
}
