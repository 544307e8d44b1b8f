/**
 * Installs packages as a user would and measures what lands in `node_modules`: each package is built
 * (tsup, JavaScript only) and packed (`pnpm pack`, which turns `workspace:` ranges into versions), then the
 * tarballs are installed with npm into an empty folder — the `@tsoptim/*` ones from the tarballs (npm
 * `overrides`), the rest from the registry.
 *
 * Declarations are not built (tsc's declaration pass is by far the slowest part of a build); the size of
 * each package's TypeScript sources, an upper bound on its `.d.ts` files, is counted in their place.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './bundle.js';

const run = promisify(execFile);

/** The result of {@link installPacked}. */
export interface InstallResult {
  /** Bytes of files under `node_modules` (apparent sizes), plus the declarations' stand-in. */
  readonly bytes: number;
  /** Package folders under `node_modules`. */
  readonly packages: string[];
  /** npm's output (warnings such as `EBADENGINE` land here). */
  readonly log: string;
}

/** Whether the npm registry answers within `timeoutMs`. */
export function registryReachable(timeoutMs = 10_000): boolean {
  return spawnSync('npm', ['ping'], { timeout: timeoutMs, stdio: 'ignore' }).status === 0;
}

const pnpm = () => {
  const pm = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { packageManager: string }).packageManager;
  return ['npx', ['-y', pm]] as const;
};

/** Packed packages: the tarball of each (`@tsoptim/core` → path) and the declarations' stand-in. */
export interface Packed {
  readonly tarballs: Record<string, string>;
  /** Bytes of TypeScript sources (tests excluded) per package. */
  readonly sourceBytes: Record<string, number>;
}

function sourceBytes(dir: string): number {
  let sum = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sum += sourceBytes(p);
    else if (e.name.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(e.name)) sum += lstatSync(p).size;
  }
  return sum;
}

/** Builds (JavaScript only) and packs the named workspace packages into `dir`. */
export async function packPackages(names: readonly string[], dir: string): Promise<Packed> {
  const tsup = join(ROOT, 'node_modules', '.bin', 'tsup');
  for (const name of names) await run(tsup, ['--no-dts', '--silent'], { cwd: join(ROOT, 'packages', name) });
  const [cmd, pre] = pnpm();
  const filters = names.flatMap((n) => ['--filter', `@tsoptim/${n}`]);
  await run(cmd, [...pre, '-r', ...filters, 'pack', '--pack-destination', dir], { cwd: ROOT });
  const tarballs: Record<string, string> = {};
  const sizes: Record<string, number> = {};
  for (const name of names) {
    const tgz = readdirSync(dir).find((f) => f.startsWith(`tsoptim-${name}-`) && f.endsWith('.tgz'));
    if (tgz === undefined) throw new Error(`pnpm pack wrote no tarball for ${name}`);
    tarballs[`@tsoptim/${name}`] = join(dir, tgz);
    sizes[`@tsoptim/${name}`] = sourceBytes(join(ROOT, 'packages', name, 'src'));
  }
  return { tarballs, sourceBytes: sizes };
}

function du(path: string): number {
  const st = lstatSync(path);
  if (!st.isDirectory()) return st.size;
  let sum = 0;
  for (const e of readdirSync(path)) sum += du(join(path, e));
  return sum;
}

/**
 * Installs `install` (names of packed packages) with npm into a fresh folder, every packed package
 * available as an override; measures `node_modules`.
 */
export async function installPacked(packed: Packed, install: readonly string[], timeoutMs: number): Promise<InstallResult> {
  const { tarballs } = packed;
  const dir = mkdtempSync(join(tmpdir(), 'tsoptim-install-'));
  try {
    const spec = (n: string) => `file:${tarballs[n]}`;
    const manifest = {
      name: 'install-check',
      private: true,
      dependencies: Object.fromEntries(install.map((n) => [n, spec(n)])),
      overrides: Object.fromEntries(Object.keys(tarballs).map((n) => [n, spec(n)])),
    };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
    const { status, log } = await new Promise<{ status: number | null; log: string }>((resolve) => {
      const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=warn'], {
        cwd: dir,
        timeout: timeoutMs,
      });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.stderr.on('data', (d) => (text += d));
      child.on('close', (code) => resolve({ status: code, log: text }));
    });
    if (status !== 0) throw new Error(`npm install failed (exit ${status}):\n${log}`);
    const nm = join(dir, 'node_modules');
    const packages: string[] = [];
    for (const e of readdirSync(nm)) {
      if (e.startsWith('.')) continue;
      if (e.startsWith('@')) for (const s of readdirSync(join(nm, e))) packages.push(`${e}/${s}`);
      else packages.push(e);
    }
    let declarations = 0;
    for (const p of packages) declarations += packed.sourceBytes[p] ?? 0;
    return { bytes: du(nm) + declarations, packages: packages.sort(), log };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
