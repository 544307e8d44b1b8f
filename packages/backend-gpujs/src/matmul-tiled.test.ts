import { type Tensor, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { type GpuJsBackend, createGpuJsBackend } from './index.js';
import { TILED_MATMUL_MIN_WORK, TILE_2X2, TILE_4X4, chooseMatmulTile } from './internal/matmul-codegen.js';
import { GPU_TEST_CONFIGS, gpuTestMode } from './internal/test-modes.js';

/**
 * The tiled matmul's edges. Operands are small integers, so every product and partial sum is an integer far
 * below 2^24: exact in float32 in any summation order, and the float64 loop below is the exact answer. The
 * backend must reproduce it bit for bit, in either kernel form.
 */

const gpuMode = await gpuTestMode();

const variants = GPU_TEST_CONFIGS;

/** Integers in [-3, 3] from a position and a seed. */
function ints(length: number, seed: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => ((i * 7 + seed * 13 + ((i * i) % 5)) % 7) - 3);
}

interface Case {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly bias: boolean;
  readonly accumulate: boolean;
}

/** The exact `op(A)·op(B) (+ bias) (+ old)` from the stored operands (A `[m, k]` or `[k, m]`, B `[k, n]` or `[n, k]`). */
function exact(c: Case, A: Float32Array, B: Float32Array, bias: Float32Array, old: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < c.m; i++) {
    for (let j = 0; j < c.n; j++) {
      let s = 0;
      for (let p = 0; p < c.k; p++) {
        s += A[c.transA ? p * c.m + i : i * c.k + p]! * B[c.transB ? j * c.k + p : p * c.n + j]!;
      }
      if (c.bias) s += bias[j]!;
      if (c.accumulate) s += old[i * c.n + j]!;
      out.push(s);
    }
  }
  return out;
}

/** Runs one product; returns its values and how many kernels the call compiled (1: one per output, 2: tiled). */
async function product(backend: GpuJsBackend, c: Case): Promise<{ got: number[]; want: number[]; compiled: number }> {
  const A = ints(c.m * c.k, 1);
  const B = ints(c.k * c.n, 2);
  const biasValues = ints(c.n, 3);
  const old = ints(c.m * c.n, 4);
  const held: Tensor[] = [
    tensor(A, { backend, shape: c.transA ? [c.k, c.m] : [c.m, c.k] }),
    tensor(B, { backend, shape: c.transB ? [c.n, c.k] : [c.k, c.n] }),
    tensor(biasValues, { backend }),
    tensor(old, { backend, shape: [c.m, c.n] }),
  ];
  const [a, b, bias, out] = held as [Tensor, Tensor, Tensor, Tensor];
  const before = backend.memory().kernels;
  backend.matmul({ a, b, out, transA: c.transA, transB: c.transB, bias: c.bias ? bias : null, accumulate: c.accumulate });
  const compiled = backend.memory().kernels - before;
  const got = Array.from(await out.read());
  for (const t of held) t.dispose();
  return { got, want: exact(c, A, B, biasValues, old), compiled };
}

const plain = { transA: false, transB: false, bias: false, accumulate: false };

describe('chooseMatmulTile (the rule)', () => {
  it(`tiles from m·n·k = ${TILED_MATMUL_MIN_WORK} on, with m and n at least one tile`, () => {
    expect(chooseMatmulTile({ m: 8, n: 8, k: 2048 }, true)).toBe(TILE_4X4);
    expect(chooseMatmulTile({ m: 8, n: 8, k: 2047 }, true)).toBeNull();
    expect(chooseMatmulTile({ m: 8, n: 8, k: 2048 }, false)).toBe(TILE_2X2);
    expect(chooseMatmulTile({ m: 3, n: 64, k: 1024 }, true)).toBeNull();
    expect(chooseMatmulTile({ m: 64, n: 3, k: 1024 }, true)).toBeNull();
    expect(chooseMatmulTile({ m: 2, n: 2, k: 2 ** 15 }, false)).toBe(TILE_2X2);
    expect(chooseMatmulTile({ m: 1, n: 64, k: 4096 }, false)).toBeNull();
  });
});

for (const v of variants) {
  const run = v.gpu && !(gpuMode.available || gpuMode.required) ? describe.skip : describe;
  run(`tiled matmul on gpu.js ${v.label}${v.gpu && !gpuMode.available ? `: ${gpuMode.note}` : ''}`, () => {
    const tileSide = v.options.kernelMap === false ? 2 : 4;

    it('is exact on shapes that are not multiples of the tile, with each operand transposed in place', async () => {
      const backend = await createGpuJsBackend(v.options);
      const held: number[][] = [];
      // Twice over: the second round compiles nothing, so it must end holding what the first ended with.
      for (let round = 0; round < 2; round++) {
        for (const [m, n, k] of [
          [5, 6, 4400],
          [13, 10, 1024],
          [8, 8, 2048],
          [4, 7, 4700],
        ] as const) {
          for (const [transA, transB] of [
            [false, false],
            [true, false],
            [false, true],
            [true, true],
          ] as const) {
            const r = await product(backend, { ...plain, m, n, k, transA, transB });
            expect(r.got, `${m}x${n}x${k} transA=${transA} transB=${transB}`).toEqual(r.want);
          }
        }
        await backend.flush();
        const mem = backend.memory();
        held.push([mem.buffers, mem.textures ?? 0]);
      }
      // The tiles' vec4 results are freed by each call.
      expect(held[1]).toEqual(held[0]);
      expect(backend.kernelClasses()).toEqual([v.gpu ? 'HeadlessGLKernel' : 'CPUKernel']);
      await backend.destroy();
    });

    it('adds the bias and accumulates into the output, transposed or not', async () => {
      const backend = await createGpuJsBackend(v.options);
      for (const c of [
        { m: 6, n: 9, k: 2500, transA: false, transB: false, bias: true, accumulate: false },
        { m: 6, n: 9, k: 2500, transA: false, transB: false, bias: false, accumulate: true },
        { m: 9, n: 6, k: 2500, transA: true, transB: true, bias: true, accumulate: true },
        { m: 7, n: 5, k: 4000, transA: false, transB: true, bias: true, accumulate: true },
      ]) {
        expect(chooseMatmulTile(c, tileSide === 4)?.rows).toBe(tileSide);
        const r = await product(backend, c);
        expect(r.got, JSON.stringify(c)).toEqual(r.want);
      }
      await backend.destroy();
    });

    it('switches from one thread per output to tiles at the documented point', async () => {
      const backend = await createGpuJsBackend(v.options);
      // 8·8·2047 < 2^17 ≤ 8·8·2048: one kernel below, the tile kernel and the unpack pass from there on.
      const below = await product(backend, { ...plain, m: 8, n: 8, k: 2047, bias: true, accumulate: true });
      const at = await product(backend, { ...plain, m: 8, n: 8, k: 2048, bias: true, accumulate: true });
      expect([below.compiled, at.compiled]).toEqual([1, 2]);
      expect(below.got).toEqual(below.want);
      expect(at.got).toEqual(at.want);
      // Fewer rows than a tile: one thread per output, whatever the size.
      const thin = await product(backend, { ...plain, m: tileSide - 1, n: 64, k: 4096, transA: true });
      expect(thin.compiled).toBe(1);
      expect(thin.got).toEqual(thin.want);
      await backend.destroy();
    });
  });
}
