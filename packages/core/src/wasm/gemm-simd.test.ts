import { describe, expect, it } from 'vitest';
import { type GemmExports, gemmModuleBytes, gemmScratchBytes, relaxedSimdAvailable, runGemm } from './gemm-simd.js';

/** Float64 reference: C (+)= op(A)·op(B), with the bound Σ|a||b| per element for the tolerance. */
function reference(A: Float32Array, B: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean) {
  const c = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const a = ta ? A[p * m + i]! : A[i * k + p]!;
        const b = tb ? B[j * k + p]! : B[p * n + j]!;
        s += a * b;
        t += Math.abs(a * b);
      }
      c[i * n + j] = s;
      mag[i * n + j] = t;
    }
  }
  return { c, mag };
}

function setup(fma: boolean) {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(gemmModuleBytes({ fma, shared: false }) as BufferSource), {
    env: { memory },
  });
  return { memory, ex: inst.exports as unknown as GemmExports };
}

let seed = 12345;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff - 0.5;
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [4, 8, 16],
  [7, 13, 300],
  [64, 128, 784],
  [10, 128, 64],
  [64, 10, 128],
  [33, 17, 513],
];

const modes = relaxedSimdAvailable() ? [false, true] : [false];

describe.each(modes)('WebAssembly SIMD GEMM (relaxed madd: %s)', (fma) => {
  const { memory, ex } = setup(fma);
  for (const [m, n, k] of SHAPES) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        for (const accumulate of [false, true]) {
          it(`${m}×${k} · ${k}×${n} transA=${ta} transB=${tb} accumulate=${accumulate}`, () => {
            const f = new Float32Array(memory.buffer);
            const aOff = 64;
            const bOff = aOff + Math.ceil((m * k) / 4) * 4 + 4;
            const cOff = bOff + Math.ceil((k * n) / 4) * 4 + 8;
            const sOff = cOff + Math.ceil((m * n) / 4) * 4 + 4;
            for (let i = 0; i < m * k; i++) f[aOff + i] = rnd();
            for (let i = 0; i < k * n; i++) f[bOff + i] = rnd();
            const c0 = Float32Array.from({ length: m * n }, () => rnd());
            f.set(c0, cOff);
            f[cOff + m * n] = 42; // a sentinel past C
            expect(gemmScratchBytes(n, k)).toBeGreaterThan(0);
            runGemm(
              ex,
              {
                m,
                n,
                k,
                a: aOff * 4,
                rsA: ta ? 4 : k * 4,
                csA: ta ? m * 4 : 4,
                b: bOff * 4,
                rsB: tb ? 4 : n * 4,
                csB: tb ? k * 4 : 4,
                c: cOff * 4,
                ldc: n * 4,
                accumulate,
              },
              sOff * 4,
            );
            const { c, mag } = reference(f.slice(aOff, aOff + m * k), f.slice(bOff, bOff + k * n), m, n, k, ta, tb);
            for (let i = 0; i < m * n; i++) {
              const want = c[i]! + (accumulate ? c0[i]! : 0);
              const tol = 2 ** -22 * (k + 2) * (mag[i]! + Math.abs(c0[i]!)) + 1e-30;
              expect(Math.abs(f[cOff + i]! - want)).toBeLessThanOrEqual(tol);
            }
            expect(f[cOff + m * n]).toBe(42);
          });
        }
      }
    }
  }
});
