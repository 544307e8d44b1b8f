import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DOT_EXPORT, dotModuleBytes } from './gemm-dot.js';
import { GEMM_MR, GEMM_NR, gemmModuleBytes } from './gemm-simd.js';

/**
 * The relaxed-SIMD (fused multiply-add) GEMM, in a child Node with `--experimental-wasm-relaxed-simd` (Node 20
 * does not enable relaxed SIMD by default; newer runtimes do, and there the main suite covers it too). The
 * child instantiates the module built here, packs A and B, runs `drive`, and reports the largest error against a
 * float64 product relative to Σ|a·b|.
 */
const dir = mkdtempSync(join(tmpdir(), 'tsoptim-gemm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHILD = `
const fs = require('node:fs');
const [file, m, k, n, kcb] = process.argv.slice(1).map((x, i) => (i === 0 ? x : Number(x)));
const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
let ex;
try { ex = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(file)), { env: { memory } }).exports; }
catch (e) { console.log(JSON.stringify({ unsupported: String(e) })); process.exit(0); }
const f = new Float32Array(memory.buffer);
const A = 16, B = A + m * k, C = B + k * n + 4, S = C + m * n + 4;
for (let i = 0; i < m * k; i++) f[A + i] = Math.sin(i * 0.7);
for (let i = 0; i < k * n; i++) f[B + i] = Math.cos(i * 0.3);
const bp = S * 4 + Math.ceil(m / ${GEMM_MR}) * ${GEMM_MR} * k * 4;
const tile = bp + Math.ceil(n / ${GEMM_NR}) * ${GEMM_NR} * k * 4;
ex.packA(A * 4, 4, k * 4, S * 4, k, m);
ex.packB(B * 4, n * 4, 4, bp, k, n);
ex.drive(S * 4, bp, C * 4, n * 4, m, n, k, kcb, 0, 0, tile);
let worst = 0;
for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
  let s = 0, t = 0;
  for (let p = 0; p < k; p++) { const x = f[A + i * k + p] * f[B + p * n + j]; s += x; t += Math.abs(x); }
  worst = Math.max(worst, Math.abs(f[C + i * n + j] - s) / t);
}
console.log(JSON.stringify({ worst }));
`;

/** The same for the dot-product form: C = A·Bᵀ over rows of A and B contiguous along k. */
const DOT_CHILD = `
const fs = require('node:fs');
const [file, m, k, n] = process.argv.slice(1).map((x, i) => (i === 0 ? x : Number(x)));
const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
let ex;
try { ex = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(file)), { env: { memory } }).exports; }
catch (e) { console.log(JSON.stringify({ unsupported: String(e) })); process.exit(0); }
const f = new Float32Array(memory.buffer);
const A = 16, B = A + m * k, C = B + k * n + 4;
for (let i = 0; i < m * k; i++) f[A + i] = Math.sin(i * 0.7);
for (let i = 0; i < k * n; i++) f[B + i] = Math.cos(i * 0.3);
ex.${DOT_EXPORT}(A * 4, B * 4, C * 4, n * 4, m, 0, n, 0, 0);
let worst = 0;
for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
  let s = 0, t = 0;
  for (let p = 0; p < k; p++) { const x = f[A + i * k + p] * f[B + j * k + p]; s += x; t += Math.abs(x); }
  worst = Math.max(worst, Math.abs(f[C + i * n + j] - s) / t);
}
console.log(JSON.stringify({ worst }));
`;

/** Runs `child` on a module file with relaxed SIMD enabled: the worst relative error, or null where unsupported. */
function relaxedChild(child: string, bytes: Uint8Array, args: number[]): number | null {
  const file = join(dir, `m${args.join('-')}.wasm`);
  writeFileSync(file, bytes);
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', child, file, ...args.map(String)], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) return null;
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { worst?: number; unsupported?: string };
  return out.unsupported !== undefined ? null : out.worst!;
}

describe('WebAssembly SIMD GEMM with relaxed-SIMD multiply-add', () => {
  it('matches a float64 product within float32 rounding (child process with relaxed SIMD enabled)', (ctx) => {
    const [m, k, n] = [GEMM_MR * 8 + 3, 300, GEMM_NR * 3 + 5];
    const worst = relaxedChild(CHILD, gemmModuleBytes({ fma: true, shared: false }), [m, k, n, k / 2 /* two k blocks */]);
    if (worst === null) return ctx.skip();
    expect(worst).toBeLessThanOrEqual(2 ** -22 * (k + 2));
  });

  it('the dot-product form too (rows past a multiple of 4, an odd column count, k past a multiple of 4)', (ctx) => {
    const [m, k, n] = [35, 301, 13];
    const worst = relaxedChild(DOT_CHILD, dotModuleBytes({ k, fma: true, shared: false }), [m, k, n]);
    if (worst === null) return ctx.skip();
    expect(worst).toBeLessThanOrEqual(2 ** -22 * (k + 2));
  });
});
