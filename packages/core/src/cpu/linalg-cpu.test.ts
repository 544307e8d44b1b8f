import { afterAll, describe, expect, it } from 'vitest';
import { tensor, zeros } from '../tensor.js';
import { CpuBackend } from './cpu-backend.js';
import { enableSimdGemm, simdGemm } from './simd-gemm.js';

/** op(A)·op(B) in float64, and Σ|a·b| per element (the scale of float32 rounding). */
function reference(A: Float32Array, B: Float32Array, m: number, k: number, n: number, ta: boolean, tb: boolean) {
  const c = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const x = (ta ? A[p * m + i]! : A[i * k + p]!) * (tb ? B[j * k + p]! : B[p * n + j]!);
        s += x;
        t += Math.abs(x);
      }
      c[i * n + j] = s;
      mag[i * n + j] = t;
    }
  }
  return { c, mag };
}

const threaded = new CpuBackend({ simd: true, threads: 2, gemm: simdGemm });
afterAll(() => threaded.dispose());

const PATHS = [
  { label: 'SIMD, one thread', make: () => new CpuBackend({ simd: true, gemm: simdGemm }) },
  { label: 'SIMD, two threads', make: () => threaded },
  { label: 'SIMD, multiply then add (no relaxed SIMD)', make: () => new CpuBackend({ simd: true, fma: false, gemm: simdGemm }) },
  { label: 'JavaScript', make: () => new CpuBackend({ simd: false }) },
];

describe.each(PATHS)('CPU matmul: $label', ({ make }) => {
  it('matches a float64 product within float32 rounding, every transpose, large enough to split', async () => {
    const backend = make();
    if (backend === threaded) await threaded.ready();
    for (const [m, k, n] of [
      [130, 301, 75],
      [5, 1000, 9],
    ] as const) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const A = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i * 0.37) * 2);
          const B = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.11));
          const a = tensor(A, { backend, shape: ta ? [k, m] : [m, k] });
          const b = tensor(B, { backend, shape: tb ? [n, k] : [k, n] });
          const out = zeros([m, n], { backend });
          backend.matmul({ a, b, out, transA: ta, transB: tb });
          const { c, mag } = reference(A, B, m, k, n, ta, tb);
          const got = out.data;
          for (let i = 0; i < m * n; i++) {
            const err = Math.abs(got[i]! - c[i]!);
            if (err > 2 ** -22 * (k + 2) * mag[i]!)
              expect.fail(`${m}×${k}×${n} transA=${ta} transB=${tb}: element ${i}: ${got[i]} vs ${c[i]}`);
          }
          for (const x of [a, b, out]) x.dispose();
        }
      }
    }
    const paths = backend.matmulPaths();
    if (backend.simd) expect(paths.simd).toBeGreaterThan(0);
    else expect(paths.js).toBeGreaterThan(0);
    if (backend === threaded && threaded.threads === 2) expect(paths.threaded).toBeGreaterThan(0);
  });
});

describe('the SIMD GEMM is a part the backend is given', () => {
  it('without it matmul runs the JavaScript product; enableSimdGemm gives it once', () => {
    const backend = new CpuBackend({ simd: true });
    const run = () => {
      const out = zeros([2, 2], { backend });
      backend.matmul({ a: tensor([1, 2, 3, 4], { backend, shape: [2, 2] }), b: tensor([5, 6, 7, 8], { backend, shape: [2, 2] }), out });
      return Array.from(out.data);
    };
    expect(run()).toEqual([19, 22, 43, 50]);
    expect(backend.matmulPaths()).toMatchObject({ simd: 0, js: 1 });
    expect(enableSimdGemm(backend)).toBe(backend);
    enableSimdGemm(backend);
    expect(run()).toEqual([19, 22, 43, 50]);
    expect(backend.matmulPaths()).toMatchObject({ simd: backend.simd ? 1 : 0, js: backend.simd ? 1 : 2 });
  });
});
