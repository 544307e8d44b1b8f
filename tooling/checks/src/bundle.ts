/**
 * Bundles an app the way a user's bundler sees the published packages: each package is first built as tsup
 * builds `dist/` (the shared preset, `tooling/config/tsup.js`: ESM, one output module per source module its
 * entry reaches, `bundle: false`), laid out under a temporary `node_modules` with the package's `sideEffects`;
 * then the app is bundled and minified against those files with esbuild, with code splitting, as a browser
 * app's bundler (Vite, esbuild) does: a module the packages load by `import()` becomes a chunk of its own,
 * fetched only when that code runs.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { publicEntries, publishedModules } from '@tsoptim/config/tsup';
import { build } from 'esbuild';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Sizes of a bundle in bytes: the chunks counted (see {@link bundleSize}), each gzipped on its own. */
export interface BundleSize {
  readonly minified: number;
  readonly gzip: number;
  /** Chunks counted: the entry, plus the chunks it imports statically (or, with `'all'`, every chunk). */
  readonly chunks: number;
  /** Bytes in the minified output per package (`@tsoptim/core`…). */
  readonly byPackage: Record<string, number>;
}

/** A temporary folder holding each named package built as published. */
export async function publishedLayout(packages: readonly string[]): Promise<{ dir: string; dispose(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'tsoptim-bundle-'));
  for (const name of packages) {
    const src = join(ROOT, 'packages', name);
    const manifest = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')) as {
      sideEffects?: boolean;
      exports: Record<string, { default?: string } | string | null>;
    };
    const out = join(dir, 'node_modules', '@tsoptim', name);
    mkdirSync(out, { recursive: true });
    // As the preset builds (`publishedModules` of the public entries, `bundle: false`, ESM, es2022): tsup passes
    // these to esbuild.
    await build({
      entryPoints: publishedModules(publicEntries(src), src).map((m) => join(src, m)),
      outbase: join(src, 'src'),
      outdir: out,
      bundle: false,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      logLevel: 'error',
    });
    // The published exports map, pointed at the built files (`./dist/x.js` → `./x.js`).
    const exports: Record<string, string> = {};
    for (const [key, e] of Object.entries(manifest.exports)) {
      const file = e !== null && typeof e === 'object' ? e.default : undefined;
      if (file?.startsWith('./dist/')) exports[key] = `./${file.slice('./dist/'.length)}`;
    }
    const pkg = { name: `@tsoptim/${name}`, type: 'module', sideEffects: manifest.sideEffects, exports };
    writeFileSync(join(out, 'package.json'), JSON.stringify(pkg));
  }
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Bundles `source` (an app's entry module) in `dir`, minified for a browser, with code splitting; returns the
 * sizes of what the app loads when it runs without reaching a dynamic `import()`: the entry chunk and the
 * chunks it imports statically (`count: 'loaded'`, default), or of every chunk (`'all'`).
 */
export async function bundleSize(dir: string, source: string, count: 'loaded' | 'all' = 'loaded'): Promise<BundleSize> {
  const r = await build({
    stdin: { contents: source, resolveDir: dir, loader: 'ts' },
    absWorkingDir: dir,
    outdir: join(dir, 'out'),
    splitting: true,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['node:*'],
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const outputs = r.metafile.outputs;
  const entry = Object.keys(outputs).find((o) => outputs[o]!.entryPoint !== undefined)!;
  const counted = new Set<string>(count === 'all' ? Object.keys(outputs) : [entry]);
  for (const o of counted) {
    for (const i of outputs[o]!.imports) if (i.kind === 'import-statement' && i.path in outputs) counted.add(i.path);
  }
  let minified = 0;
  let gzip = 0;
  const byPackage: Record<string, number> = {};
  for (const file of r.outputFiles) {
    const o = [...counted].find((c) => join(dir, c) === file.path);
    if (o === undefined) continue;
    minified += file.contents.length;
    gzip += gzipSync(file.contents, { level: 9 }).length;
    for (const [path, input] of Object.entries(outputs[o]!.inputs)) {
      const m = /@tsoptim\/([\w-]+)/.exec(path);
      const key = m ? `@tsoptim/${m[1]}` : path;
      byPackage[key] = (byPackage[key] ?? 0) + input.bytesInOutput;
    }
  }
  return { minified, gzip, chunks: counted.size, byPackage };
}
