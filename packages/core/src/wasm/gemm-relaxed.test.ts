import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

describe('WebAssembly SIMD GEMM with relaxed-SIMD multiply-add', () => {
  it('matches a float64 product within float32 rounding (child process with relaxed SIMD enabled)', (ctx) => {
    const file = join(dir, 'gemm-fma.wasm');
    writeFileSync(file, gemmModuleBytes({ fma: true, shared: false }));
    const [m, k, n] = [GEMM_MR * 8 + 3, 300, GEMM_NR * 3 + 5];
    const r = spawnSync(
      process.execPath,
      ['--experimental-wasm-relaxed-simd', '-e', CHILD, file, String(m), String(k), String(n), String(k / 2) /* two k blocks */],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    if (r.status !== 0) return ctx.skip();
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { worst?: number; unsupported?: string };
    if (out.unsupported !== undefined) return ctx.skip();
    expect(out.worst).toBeLessThanOrEqual(2 ** -22 * (k + 2));
  });
});
