/**
 * Bundles an app the way a user's bundler sees the published packages: each package is first built to one
 * ESM file (as tsup builds `dist/index.js`, other `@tsoptim/*` packages external), laid out under a
 * temporary `node_modules`; then the app is bundled and minified against those files with esbuild.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Sizes of a bundle in bytes. */
export interface BundleSize {
  readonly minified: number;
  readonly gzip: number;
  /** Bytes in the minified output per package (`@tsoptim/core`…). */
  readonly byPackage: Record<string, number>;
}

/** A temporary folder holding each named package built to one file, as published. */
export async function publishedLayout(packages: readonly string[]): Promise<{ dir: string; dispose(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'tsoptim-bundle-'));
  for (const name of packages) {
    const src = join(ROOT, 'packages', name);
    const manifest = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')) as { sideEffects?: boolean };
    const out = join(dir, 'node_modules', '@tsoptim', name);
    mkdirSync(out, { recursive: true });
    await build({
      entryPoints: [join(src, 'src', 'index.ts')],
      outfile: join(out, 'index.js'),
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      external: ['@tsoptim/*', 'node:*'],
      logLevel: 'error',
    });
    const pkg = { name: `@tsoptim/${name}`, type: 'module', sideEffects: manifest.sideEffects, exports: { '.': './index.js' } };
    writeFileSync(join(out, 'package.json'), JSON.stringify(pkg));
  }
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bundles `source` (an app's entry module) in `dir`, minified for a browser; returns its sizes. */
export async function bundleSize(dir: string, source: string): Promise<BundleSize> {
  const r = await build({
    stdin: { contents: source, resolveDir: dir, loader: 'ts' },
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
  const code = r.outputFiles[0]!.contents;
  const byPackage: Record<string, number> = {};
  for (const [path, input] of Object.entries(Object.values(r.metafile.outputs)[0]!.inputs)) {
    const m = /@tsoptim\/([\w-]+)/.exec(path);
    const key = m ? `@tsoptim/${m[1]}` : path;
    byPackage[key] = (byPackage[key] ?? 0) + input.bytesInOutput;
  }
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length, byPackage };
}
