/**
 * No code from data: builds every published package the way its tsup config does (same entries, ESM,
 * dependencies external), in memory, and checks that the built JavaScript contains no `eval(` and no
 * `new Function` outside the kernel compilers (core's `cpu/compile-js.ts` and `cpu/cpu-backend.ts`, which
 * compile kernel expression trees — never strings from a config — to JavaScript loops).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// esbuild is what tsup builds with; reach it through tsup (a dependency of @tsoptim/config).
const fromConfig = createRequire(join(root, 'tooling/config/package.json'));
/** The part of esbuild's API used here. */
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ outputFiles: { path: string; text: string }[] }>;
}
const esbuild = createRequire(fromConfig.resolve('tsup'))('esbuild') as Esbuild;

/** Source files allowed to generate code: the kernel compilers. */
const ALLOWED = new Set(['packages/core/src/cpu/compile-js.ts', 'packages/core/src/cpu/cpu-backend.ts']);
const FORBIDDEN = [
  // a call of the global eval (not a method named eval, such as nn's Module.eval(): `.eval(` or `eval() {`)
  /(?<![.\w$])eval\s*\((?![^()]*\)\s*\{)/,
  /\b(?:globalThis|window|self|global)\s*\.\s*eval\b/,
  /\(\s*0\s*,\s*eval\s*\)/,
  /\bnew\s+Function\b/,
  /(?<![.\w$])Function\s*\(/,
];

interface PackageJson {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function entries(dir: string): string[] {
  const config = readFileSync(join(dir, 'tsup.config.ts'), 'utf8');
  const m = /entry:\s*\[([^\]]*)\]/.exec(config);
  if (m === null) return ['src/index.ts'];
  return [...m[1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!);
}

const packages = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name))
  .filter((dir) => {
    try {
      return !(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson).private;
    } catch {
      return false;
    }
  });

/** Splits an unminified esbuild bundle into the code of each source module (esbuild marks each with `// path`). */
function modules(text: string): { file: string; code: string }[] {
  const out: { file: string; code: string }[] = [];
  let file = '(bundle)';
  let code: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\/\/ (\S+\.[cm]?[jt]sx?)$/.exec(line);
    if (m !== null) {
      out.push({ file, code: code.join('\n') });
      file = m[1]!;
      code = [];
    } else {
      code.push(line);
    }
  }
  out.push({ file, code: code.join('\n') });
  return out;
}

describe('built packages run no code from data', () => {
  it('the patterns catch the ways to run a string and not the eval() method', () => {
    const hit = (code: string) => FORBIDDEN.some((re) => re.test(code));
    for (const bad of [
      'eval("1")',
      'x = eval (s)',
      'new Function("a", s)',
      'Function("return this")()',
      '(0, eval)(s)',
      'globalThis.eval(s)',
    ]) {
      expect(hit(bad), bad).toBe(true);
    }
    for (const ok of ['model.eval();', '  eval() {', 'isFunction(x)', 'typeof f === "function"']) expect(hit(ok), ok).toBe(false);
  });

  it('finds the published packages', () => {
    expect(packages.length).toBeGreaterThanOrEqual(8);
  });

  it.each(packages.map((dir) => [dir.slice(root.length + 1), dir]))(
    '%s: no eval( / new Function outside the kernel compilers',
    async (_name, dir) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
      const external = [
        ...Object.keys(pkg.dependencies ?? {}),
        ...Object.keys(pkg.peerDependencies ?? {}),
        ...Object.keys(pkg.optionalDependencies ?? {}),
        'node:*',
      ];
      const result = await esbuild.build({
        absWorkingDir: dir,
        entryPoints: entries(dir),
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'node',
        target: 'es2022',
        outdir: 'dist',
        external,
        logLevel: 'silent',
      });
      const found: string[] = [];
      for (const out of result.outputFiles) {
        if (!out.path.endsWith('.js')) continue;
        for (const { file, code } of modules(out.text)) {
          const rel = resolve(dir, file).slice(root.length + 1);
          if (ALLOWED.has(rel)) continue;
          for (const re of FORBIDDEN) if (re.test(code)) found.push(`${rel}: ${re.source}`);
        }
      }
      expect(found).toEqual([]);
    },
    60_000,
  );

  it('the check sees code generation where it is (the kernel compiler)', async () => {
    const core = join(root, 'packages/core');
    const result = await esbuild.build({
      absWorkingDir: core,
      entryPoints: ['src/index.ts'],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      outdir: 'dist',
      external: ['node:*'],
      logLevel: 'silent',
    });
    const hits = result.outputFiles.flatMap((o) =>
      modules(o.text)
        .filter((m) => FORBIDDEN.some((re) => re.test(m.code)))
        .map((m) => resolve(core, m.file).slice(root.length + 1)),
    );
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits) expect(ALLOWED.has(h)).toBe(true);
  }, 60_000);
});
