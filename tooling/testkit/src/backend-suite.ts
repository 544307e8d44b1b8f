import {
  type Backend,
  type Tensor,
  TsoptimError,
  defineKernel,
  defineReduction,
  full,
  k,
  mulKernel,
  norm,
  dot,
  maxOf,
  sum,
  tensor,
  zeros,
} from '@tsoptim/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstMismatch } from './fixtures.js';

/** Options of {@link describeBackend}. */
export interface BackendSuiteOptions {
  /**
   * Closeness of results to the hand-worked values: |got − expected| ≤ atol + rtol·|expected|. Default
   * 1e-6 + 1e-6 relative (float32 results of float64 arithmetic). A backend that computes in float32
   * throughout (a GPU) states its own.
   */
  readonly tolerance?: { readonly atol: number; readonly rtol: number };
  /**
   * Device buffers the backend holds right now. When given, the suite checks that everything it allocates is
   * freed again by `dispose()` (live buffers before == after).
   */
  readonly liveBuffers?: (backend: Backend) => number;
  /** Called once after the suite (for example `await backend.destroy()`). */
  readonly teardown?: (backend: Backend) => void | Promise<void>;
}

const DEFAULT_TOL = { atol: 1e-6, rtol: 1e-6 };

/**
 * The backend-level conformance suite: storage (write, read, copy, fill, dispose), elementwise runs (several
 * in-place outputs in one pass, scalars, scalar / row / column / middle-dimension broadcasting, sparse row
 * runs with compact tensors), every expression op, reductions (over everything and along axes; sum, max, min,
 * finalize; several passes' worth of elements), errors, and a leak check. Every expected value is written out
 * by hand; none is computed by a backend.
 *
 * @param name - label of the backend in test names.
 * @param makeBackend - creates the backend once, before the suite.
 * @param options - tolerance, leak accounting, teardown.
 *
 * @example
 * describeBackend('cpu', () => new CpuBackend());
 * describeBackend('gpujs-headlessgl', () => createGpuJsBackend({ mode: 'headlessgl' }), {
 *   tolerance: { atol: 1e-6, rtol: 1e-5 },
 *   liveBuffers: (b) => (b as GpuJsBackend).memory().buffers,
 *   teardown: (b) => (b as GpuJsBackend).destroy(),
 * });
 */
export function describeBackend(name: string, makeBackend: () => Backend | Promise<Backend>, options: BackendSuiteOptions = {}): void {
  const tol = options.tolerance ?? DEFAULT_TOL;
  describe(`backend conformance: ${name}`, () => {
    let backend: Backend;
    const made: Tensor[] = [];
    /** A tensor on the backend under test, disposed after the suite. */
    const t = (data: Parameters<typeof tensor>[0], shape?: readonly number[]): Tensor => {
      const x = tensor(data, shape === undefined ? { backend } : { backend, shape });
      made.push(x);
      return x;
    };
    const z = (shape: readonly number[]): Tensor => {
      const x = zeros(shape, { backend });
      made.push(x);
      return x;
    };
    const expectValues = async (x: Tensor, expected: readonly number[], what = 'values'): Promise<void> => {
      const got = await x.read();
      const bad = firstMismatch(got, expected, tol.atol, tol.rtol);
      if (bad) expect.fail(`${what}: element ${bad.index}: got ${bad.actual}, expected ${bad.expected} (all: ${Array.from(got)})`);
    };

    beforeAll(async () => {
      backend = await makeBackend();
    });
    afterAll(async () => {
      for (const x of made) x.dispose();
      await backend.flush();
      await options.teardown?.(backend);
    });

    describe('storage', () => {
      it('writes and reads back', async () => {
        await expectValues(t([1.5, -2, 3.25, 1e-7, -65504]), [1.5, -2, 3.25, 1e-7, -65504]);
        await expectValues(
          t([
            [1, 2, 3],
            [4, 5, 6],
          ]),
          [1, 2, 3, 4, 5, 6],
        );
        await expectValues(t(7), [7]);
      });

      it('allocates zeros, including sizes that fill no texture row evenly', async () => {
        for (const n of [1, 7, 1009, 5003]) {
          const got = await z([n]).read();
          expect(got.length).toBe(n);
          expect(got.every((v) => v === 0)).toBe(true);
        }
        expect((await z([0]).read()).length).toBe(0);
        expect((await z([2, 0, 3]).read()).length).toBe(0);
      });

      it('round-trips a large odd-sized tensor element for element', async () => {
        const n = 65537;
        const host = new Float32Array(n);
        for (let i = 0; i < n; i++) host[i] = (i % 251) - 125.5;
        const x = t(host);
        const got = await x.read();
        expect(got.length).toBe(n);
        expect(got[0]).toBe(-125.5);
        expect(got[250]).toBe(124.5);
        expect(got[n - 1]).toBe((65536 % 251) - 125.5);
        expect(firstMismatch(got, host, 0, 0)).toBeNull();
      });

      it('overwrites with assign, fills, copies, clones', async () => {
        const a = t([1, 2, 3]);
        a.assign([4, 5, 6]);
        await expectValues(a, [4, 5, 6]);
        const f = full([4], 2.5, { backend });
        made.push(f);
        await expectValues(f, [2.5, 2.5, 2.5, 2.5]);
        f.fill_(-1);
        await expectValues(f, [-1, -1, -1, -1]);
        const b = z([3]);
        b.copy_(a);
        a.assign([0, 0, 1]);
        await expectValues(b, [4, 5, 6], 'copy');
        await expectValues(a, [0, 0, 1]);
        const c = b.clone();
        made.push(c);
        b.fill_(9);
        await expectValues(c, [4, 5, 6], 'clone');
        expect(() => b.copy_(z([4]))).toThrow('cannot copy a tensor of shape [4] into one of shape [3]');
      });

      it('reads synchronously only where the backend says so', async () => {
        const a = t([1, 2]);
        if (backend.syncRead) expect(Array.from(a.data)).toEqual([1, 2]);
        else expect(() => a.data).toThrow("are read with 'await tensor.read()'");
      });

      it('refuses a disposed tensor', async () => {
        const a = tensor([1, 2], { backend });
        a.dispose();
        a.dispose();
        expect(a.isDisposed).toBe(true);
        expect(() => a.read()).toThrow('this tensor has been disposed');
        expect(() => a.fill_(1)).toThrow('this tensor has been disposed');
        const out = z([2]);
        expect(() => backend.run(mulKernel, { tensors: { a, b: out, out } })).toThrow("tensor 'a' has been disposed");
      });

      it('flushes', async () => {
        await expect(backend.flush()).resolves.toBeUndefined();
      });
    });

    describe('elementwise runs', () => {
      it('updates several tensors in place in one run, with scalars (an Adam step, worked by hand)', async () => {
        const adam = defineKernel({
          name: 'suite_adam',
          inputs: ['p', 'g', 'm', 'v'],
          scalars: ['lr', 'b1', 'b2', 'bc1', 'bc2', 'eps'],
          outputs: ['p', 'm', 'v'],
          body: ({ p, g, m, v }, { lr, b1, b2, bc1, bc2, eps }) => {
            const m2 = k.add(k.mul(b1, m), k.mul(k.sub(1, b1), g));
            const v2 = k.add(k.mul(b2, v), k.mul(k.sub(1, b2), g, g));
            const denom = k.add(k.sqrt(k.div(v2, bc2)), eps);
            return { m: m2, v: v2, p: k.sub(p, k.mul(k.div(lr, bc1), k.div(m2, denom))) };
          },
        });
        const p = t([1, -2, 0.5]);
        const g = t([0.5, -4, 0]);
        const m = z([3]);
        const v = z([3]);
        // step 1: m = 0.1 g, v = 0.001 g², m̂ = g, v̂ = g², p -= 0.1 · g / (|g| + 1e-8)
        backend.run(adam, { tensors: { p, g, m, v }, scalars: { lr: 0.1, b1: 0.9, b2: 0.999, bc1: 0.1, bc2: 0.001, eps: 1e-8 } });
        await expectValues(m, [0.05, -0.4, 0], 'm');
        await expectValues(v, [0.00025, 0.016, 0], 'v');
        await expectValues(p, [0.9, -1.9, 0.5], 'p');
        // step 2, same g: m = 0.9·(0.1 g) + 0.1 g = 0.19 g; v = 0.999·(0.001 g²) + 0.001 g² = 0.001999 g²
        backend.run(adam, { tensors: { p, g, m, v }, scalars: { lr: 0.1, b1: 0.9, b2: 0.999, bc1: 0.19, bc2: 0.001999, eps: 1e-8 } });
        await expectValues(m, [0.095, -0.76, 0], 'm, step 2');
        await expectValues(v, [0.00049975, 0.031984, 0], 'v, step 2');
        // p -= (0.1 / 0.19) · 0.19 g / sqrt(0.001999 g² / 0.001999) = 0.1 · sign(g)
        await expectValues(p, [0.8, -1.8, 0.5], 'p, step 2');
      });

      it('writes an output that is not an input', async () => {
        const a = t([1, 2, 3]);
        const b = t([4, 5, 6]);
        const out = t([9, 9, 9]);
        backend.run(mulKernel, { tensors: { a, b, out } });
        await expectValues(out, [4, 10, 18]);
        await expectValues(a, [1, 2, 3], 'input unchanged');
      });

      it('broadcasts scalar, row and column inputs', async () => {
        const kern = defineKernel({
          name: 'suite_bc',
          inputs: ['x', 'r', 'col', 's'],
          outputs: ['out'],
          body: ({ x, r, col, s }) => ({ out: k.add(x, k.mul(r, 10), k.mul(col, 100), k.mul(s, 1000)) }),
        });
        const x = z([2, 3]);
        const r = t([[1], [2]]);
        const col = t([1, 2, 3]);
        const s = t(1);
        const out = z([2, 3]);
        backend.run(kern, { tensors: { x, r, col, s, out } });
        await expectValues(out, [1110, 1210, 1310, 1120, 1220, 1320]);
      });

      it('broadcasts along inner and middle dimensions of a 3-d output', async () => {
        const kern = defineKernel({
          name: 'suite_bc3',
          inputs: ['a', 'b'],
          outputs: ['out'],
          body: ({ a, b }) => ({ out: k.add(a, b) }),
        });
        const a = t([[[1, 2, 3]], [[4, 5, 6]]]); // [2, 1, 3]
        const b = t([[10], [20]]); // [2, 1] → aligned with dims (1, 2) of [2, 2, 3]
        const out = z([2, 2, 3]);
        backend.run(kern, { tensors: { a, b, out } });
        await expectValues(out, [11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26]);
      });

      it('visits only the selected rows of full tensors, with compact values', async () => {
        const kern = defineKernel({
          name: 'suite_rowsadd',
          inputs: ['p', 'v'],
          scalars: ['a'],
          outputs: ['p'],
          body: ({ p, v }, { a }) => ({ p: k.add(p, k.mul(a, v)) }),
        });
        const p = t([
          [1, 1],
          [1, 1],
          [1, 1],
          [1, 1],
        ]);
        const v = t([
          [1, 2],
          [3, 4],
        ]);
        backend.run(kern, { tensors: { p, v }, scalars: { a: 2 }, rows: { indices: Int32Array.of(3, 1), rowSize: 2, compact: ['v'] } });
        await expectValues(p, [1, 1, 7, 9, 1, 1, 3, 5]);
      });

      it('writes compact outputs and full outputs that are not inputs in a sparse run', async () => {
        const kern = defineKernel({
          name: 'suite_rowsout',
          inputs: ['p', 'v'],
          outputs: ['q', 'c'],
          body: ({ p, v }) => ({ c: k.mul(p, 2), q: k.add(p, v) }),
        });
        const p = t([
          [1, 2],
          [3, 4],
          [5, 6],
        ]);
        const v = t([
          [10, 20],
          [30, 40],
        ]);
        const c = z([2, 2]);
        const q = t([
          [7, 7],
          [7, 7],
          [7, 7],
        ]);
        backend.run(kern, { tensors: { p, v, c, q }, rows: { indices: Int32Array.of(2, 0), rowSize: 2, compact: ['v', 'c'] } });
        await expectValues(c, [10, 12, 2, 4], 'compact output');
        await expectValues(q, [31, 42, 7, 7, 15, 26], 'full output');
      });

      const unary: [string, (a: ReturnType<typeof k.c>) => ReturnType<typeof k.c>, number[], number[]][] = [
        ['neg', k.neg, [1.5, -2, 0], [-1.5, 2, 0]],
        ['sqrt', k.sqrt, [4, 2.25, 0], [2, 1.5, 0]],
        ['abs', k.abs, [-3, 2, 0], [3, 2, 0]],
        ['exp', k.exp, [0, 1, -1], [1, Math.E, 0.36787945]],
        ['log', k.log, [1, Math.E, 0.5], [0, 1, -Math.LN2]],
        ['sign', k.sign, [-2, 0, 3], [-1, 0, 1]],
        ['tanh', k.tanh, [0, 0.5, -2], [0, 0.46211716, -0.9640276]],
        ['floor', k.floor, [1.7, -1.2, 3], [1, -2, 3]],
        ['not', k.not, [0, 2, -1], [1, 0, 0]],
        ['cos', k.cos, [0, Math.PI, 1], [1, -1, 0.5403023]],
        ['sin', k.sin, [0, Math.PI / 2, -0.5], [0, 1, -0.47942555]],
      ];
      for (const [op, f, input, expected] of unary) {
        it(`evaluates ${op}`, async () => {
          const kern = defineKernel({ name: `suite_${op}`, inputs: ['a'], outputs: ['out'], body: ({ a }) => ({ out: f(a) }) });
          const out = z([3]);
          backend.run(kern, { tensors: { a: t(input), out } });
          await expectValues(out, expected, op);
        });
      }

      const binary: [
        string,
        (a: ReturnType<typeof k.c>, b: ReturnType<typeof k.c>) => ReturnType<typeof k.c>,
        number[],
        number[],
        number[],
      ][] = [
        ['add', k.add, [1, -2, 0.5, 3], [2, 2, 0.25, -3], [3, 0, 0.75, 0]],
        ['sub', k.sub, [1, -2, 0.5, 3], [2, 2, 0.25, -3], [-1, -4, 0.25, 6]],
        ['mul', k.mul, [1, -2, 0.5, 3], [2, 2, 0.25, -3], [2, -4, 0.125, -9]],
        ['div', k.div, [1, -2, 0.5, 3], [2, 4, 0.25, -3], [0.5, -0.5, 2, -1]],
        ['max', k.max, [1, -2, 0.5, 3], [2, -4, 0.25, 3], [2, -2, 0.5, 3]],
        ['min', k.min, [1, -2, 0.5, 3], [2, -4, 0.25, 3], [1, -4, 0.25, 3]],
        ['pow', k.pow, [2, -2, 4, 0, -3, 0], [3, 3, 0.5, 0, 2, 2.5], [8, -8, 2, 1, 9, 0]],
        ['lt', k.lt, [1, 2, 3, -1], [2, 2, 2, -2], [1, 0, 0, 0]],
        ['le', k.le, [1, 2, 3, -1], [2, 2, 2, -2], [1, 1, 0, 0]],
        ['gt', k.gt, [1, 2, 3, -1], [2, 2, 2, -2], [0, 0, 1, 1]],
        ['ge', k.ge, [1, 2, 3, -1], [2, 2, 2, -2], [0, 1, 1, 1]],
        ['eq', k.eq, [1, 2, 3, -1], [2, 2, 2, -2], [0, 1, 0, 0]],
        ['ne', k.ne, [1, 2, 3, -1], [2, 2, 2, -2], [1, 0, 1, 1]],
        ['and', k.and, [0, 1, 0, 2], [0, 0, 3, -4], [0, 0, 0, 1]],
        ['or', k.or, [0, 1, 0, 2], [0, 0, 3, -4], [0, 1, 1, 1]],
      ];
      for (const [op, f, a, b, expected] of binary) {
        it(`evaluates ${op}`, async () => {
          const kern = defineKernel({ name: `suite_${op}`, inputs: ['a', 'b'], outputs: ['out'], body: ({ a, b }) => ({ out: f(a, b) }) });
          const out = z([a.length]);
          backend.run(kern, { tensors: { a: t(a), b: t(b), out } });
          await expectValues(out, expected, op);
        });
      }

      it('evaluates select, shared sub-expressions and the derived helpers', async () => {
        const kern = defineKernel({
          name: 'suite_select',
          inputs: ['c', 'a', 'b'],
          outputs: ['out', 'h'],
          body: ({ c, a, b }) => {
            const s = k.add(a, b); // shared
            return { out: k.select(c, s, k.mul(s, -1)), h: k.add(k.clamp(a, 0, 15), k.lerp(0, b, 0.5), k.square(k.rsqrt(4))) };
          },
        });
        const out = z([3]);
        const h = z([3]);
        backend.run(kern, { tensors: { c: t([1, 0, -1]), a: t([10, 20, 30]), b: t([1, 2, 3]), out, h } });
        await expectValues(out, [11, -22, 33], 'select');
        // clamp(a, 0, 15) + b/2 + (1/2)² = [10.75, 16.25, 16.75]
        await expectValues(h, [10.75, 16.25, 16.75], 'helpers');
      });

      it('carries non-finite constants and values', async () => {
        const kern = defineKernel({
          name: 'suite_nonfinite',
          inputs: ['a'],
          outputs: ['lo', 'hi', 'nan'],
          body: ({ a }) => ({
            lo: k.select(k.gt(a, 0), a, Number.NEGATIVE_INFINITY),
            hi: k.min(a, Number.POSITIVE_INFINITY),
            nan: k.select(k.gt(a, 0), Number.NaN, a),
          }),
        });
        const lo = z([3]);
        const hi = z([3]);
        const nan = z([3]);
        backend.run(kern, { tensors: { a: t([2, -1, 0]), lo, hi, nan } });
        await expectValues(lo, [2, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY], 'select -Infinity');
        await expectValues(hi, [2, -1, 0], 'min with Infinity');
        await expectValues(nan, [Number.NaN, -1, 0], 'NaN');
        await expectValues(t([Number.POSITIVE_INFINITY, Number.NaN]), [Number.POSITIVE_INFINITY, Number.NaN], 'round trip');
      });

      it('rejects missing tensors and shape mismatches, changing nothing', async () => {
        const kern = defineKernel({ name: 'suite_cp', inputs: ['a'], outputs: ['b'], body: ({ a }) => ({ b: a }) });
        const b = t([5, 5, 5]);
        expect(() => backend.run(kern, { tensors: { b } })).toThrow("kernel suite_cp: tensor 'a' is missing");
        expect(() => backend.run(kern, { tensors: { a: z([2]), b } })).toThrow('does not match the output shape');
        let caught: unknown;
        try {
          backend.run(kern, { tensors: { b } });
        } catch (e) {
          caught = e;
        }
        expect(TsoptimError.isInstance(caught)).toBe(true);
        await expectValues(b, [5, 5, 5]);
      });
    });

    describe('reductions', () => {
      const cube = (): Tensor =>
        t([
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          [
            [-1, -2],
            [-3, -4],
            [-5, -6],
          ],
        ]);

      it('sums over everything and along axes', async () => {
        const x = cube();
        const all = sum(x);
        made.push(all);
        await expectValues(all, [0], 'sum');
        const a1 = sum(x, { axes: [1] });
        made.push(a1);
        await expectValues(a1, [9, 12, -9, -12], 'axes [1]');
        const a02 = sum(x, { axes: [0, 2] });
        made.push(a02);
        await expectValues(a02, [0, 0, 0], 'axes [0, 2]');
        const last = sum(x, { axes: [-1], keepDims: true });
        made.push(last);
        expect(last.shape).toEqual([2, 3, 1]);
        await expectValues(last, [3, 7, 11, -3, -7, -11], 'axes [-1]');
      });

      it('finalises with the count and with scalars', async () => {
        const meanSq = defineReduction({
          name: 'suite_meansq',
          inputs: ['x'],
          scalars: ['shift'],
          body: ({ x }, { shift }) => k.square(k.sub(x, shift)),
          combine: 'sum',
          finalize: (acc, count, { shift }) => k.add(k.div(acc, count), shift),
        });
        const x = cube();
        const out = z([2, 3]);
        backend.reduce(meanSq, { tensors: { x }, scalars: { shift: 1 }, out, axes: [2] });
        // mean((x − 1)²) + 1 over pairs: (0+1)/2+1, (4+9)/2+1, (16+25)/2+1, (4+9)/2+1, (16+25)/2+1, (36+49)/2+1
        await expectValues(out, [1.5, 7.5, 21.5, 7.5, 21.5, 43.5]);
        const n = norm(t([3, 4]));
        made.push(n);
        await expectValues(n, [5], 'norm');
        const d = dot(t([1, 2, 3]), t([4, -5, 6]));
        made.push(d);
        await expectValues(d, [12], 'dot');
      });

      it('takes max and min, propagating NaN', async () => {
        const mn = defineReduction({ name: 'suite_min', inputs: ['x'], body: ({ x }) => x, combine: 'min' });
        const x = cube();
        const mx = maxOf(x, { axes: [0] });
        made.push(mx);
        await expectValues(mx, [1, 2, 3, 4, 5, 6], 'max axes [0]');
        const lo = z([]);
        backend.reduce(mn, { tensors: { x }, out: lo });
        await expectValues(lo, [-6], 'min');
        const withNan = maxOf(t([1, Number.NaN, 3]));
        made.push(withNan);
        await expectValues(withNan, [Number.NaN], 'max with NaN');
      });

      it('reduces many elements (several passes) exactly where float32 is exact', async () => {
        const n = 1000;
        const host = new Float32Array(n);
        for (let i = 0; i < n; i++) host[i] = (i * 37) % 1000;
        const x = t(host);
        const s = sum(x);
        made.push(s);
        await expectValues(s, [499500], 'sum of 0..999');
        const mx = maxOf(x);
        made.push(mx);
        await expectValues(mx, [999], 'max');
        const mn = defineReduction({ name: 'suite_min2', inputs: ['x'], body: ({ x }) => x, combine: 'min' });
        const lo = z([]);
        backend.reduce(mn, { tensors: { x }, out: lo });
        await expectValues(lo, [0], 'min');
        // [3, 300], x[r][j] = 300 r + j: row sums 44850 + 90000 r
        const rows = new Float32Array(900);
        for (let i = 0; i < 900; i++) rows[i] = i;
        const r = sum(t(rows, [3, 300]), { axes: [1] });
        made.push(r);
        await expectValues(r, [44850, 134850, 224850], 'row sums');
        // [300, 3], x[i][j] = j + 1: column sums 300 (j + 1)
        const cols = new Float32Array(900);
        for (let i = 0; i < 900; i++) cols[i] = (i % 3) + 1;
        const c = sum(t(cols, [300, 3]), { axes: [0] });
        made.push(c);
        await expectValues(c, [300, 600, 900], 'column sums');
      });

      it('reduces a 0-d tensor and an empty one', async () => {
        const s = sum(t(4));
        made.push(s);
        await expectValues(s, [4], '0-d');
        const e = sum(z([0]));
        made.push(e);
        await expectValues(e, [0], 'empty');
      });

      it('rejects a wrong output size', () => {
        const x = cube();
        expect(() =>
          backend.reduce(defineReduction({ name: 'suite_s', inputs: ['x'], body: ({ x }) => x, combine: 'sum' }), {
            tensors: { x },
            out: z([5]),
            axes: [1],
          }),
        ).toThrow('reduction suite_s: output has 5 elements, 4 expected');
      });
    });

    describe('matmul, permute, row gather and scatter', () => {
      // a = [[1, 2, 3], [4, 5, 6]], b = [[1, -1], [0, 2], [3, 1]]: a·b = [[10, 6], [22, 12]]
      it('multiplies, with each operand transposed in place', async () => {
        const a = t([
          [1, 2, 3],
          [4, 5, 6],
        ]);
        const b = t([
          [1, -1],
          [0, 2],
          [3, 1],
        ]);
        const aT = t([
          [1, 4],
          [2, 5],
          [3, 6],
        ]);
        const bT = t([
          [1, 0, 3],
          [-1, 2, 1],
        ]);
        for (const [x, y, transA, transB] of [
          [a, b, false, false],
          [aT, b, true, false],
          [a, bT, false, true],
          [aT, bT, true, true],
        ] as const) {
          const out = z([2, 2]);
          backend.matmul({ a: x, b: y, out, transA, transB });
          await expectValues(out, [10, 6, 22, 12], `transA=${transA} transB=${transB}`);
        }
      });

      it('adds a bias to every row and accumulates into the output', async () => {
        const a = t([
          [1, 2, 3],
          [4, 5, 6],
        ]);
        const b = t([
          [1, -1],
          [0, 2],
          [3, 1],
        ]);
        const out = t([
          [100, 200],
          [300, 400],
        ]);
        backend.matmul({ a, b, out, bias: t([0.5, -0.5]) });
        await expectValues(out, [10.5, 5.5, 22.5, 11.5], 'bias');
        backend.matmul({ a, b, out, accumulate: true });
        await expectValues(out, [20.5, 11.5, 44.5, 23.5], 'accumulate');
        const empty = t([
          [7, 7],
          [7, 7],
        ]);
        backend.matmul({ a: z([2, 0]), b: z([0, 2]), out: empty, bias: t([1, 2]) });
        await expectValues(empty, [1, 2, 1, 2], 'k = 0');
      });

      it('matches a float64 product on shapes with tails (every micro-tile edge)', async () => {
        for (const [m, kk, n] of [
          [7, 13, 11],
          [9, 13, 11], // same k and n, more rows: a kernel compiled for one output size must not serve another
          [33, 300, 9],
        ] as const) {
          const A = Float32Array.from({ length: m * kk }, (_, i) => ((i * 37) % 17) / 8 - 1);
          const B = Float32Array.from({ length: kk * n }, (_, i) => ((i * 53) % 19) / 9 - 1);
          const want: number[] = [];
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let p = 0; p < kk; p++) s += A[i * kk + p]! * B[p * n + j]!;
              want.push(s);
            }
          }
          const out = z([m, n]);
          backend.matmul({ a: t(A, [m, kk]), b: t(B, [kk, n]), out });
          const got = await out.read();
          for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-5 * kk);
        }
      });

      it('rejects shapes that do not multiply', () => {
        expect(() => backend.matmul({ a: z([2, 3]), b: z([2, 2]), out: z([2, 2]) })).toThrow(
          'matmul: shapes cannot be multiplied (2x3 and 2x2)',
        );
        expect(() => backend.matmul({ a: z([2, 3]), b: z([3, 2]), out: z([5]) })).toThrow('matmul: out has 5 elements, 4 expected');
      });

      it('permutes dimensions', async () => {
        const x = t([
          [
            [0, 1, 2],
            [3, 4, 5],
          ],
          [
            [6, 7, 8],
            [9, 10, 11],
          ],
        ]); // [2, 2, 3]
        const out = z([3, 2, 2]);
        backend.permute({ src: x, out, perm: [2, 0, 1] });
        await expectValues(out, [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11], '[2, 0, 1]');
        const o2 = z([2, 3, 2]);
        backend.permute({ src: x, out: o2, perm: [0, 2, 1] });
        await expectValues(o2, [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11], '[0, 2, 1]');
        expect(() => backend.permute({ src: x, out: o2, perm: [0, 0, 1] })).toThrow(
          'permute: [0, 0, 1] is not a permutation of the 3 dimensions',
        );
      });

      it('gathers rows and scatter-adds them back, repeated rows adding up', async () => {
        const x = t([
          [1, 2],
          [3, 4],
          [5, 6],
        ]);
        const g = z([4, 2]);
        backend.gatherRows({ src: x, out: g, indices: Int32Array.from([2, 0, 2, 1]) });
        await expectValues(g, [5, 6, 1, 2, 5, 6, 3, 4], 'gather');
        const acc = t([
          [1, 1],
          [1, 1],
          [1, 1],
        ]);
        backend.scatterAddRows({ src: g, out: acc, indices: Int32Array.from([2, 0, 2, 1]) });
        await expectValues(acc, [2, 3, 4, 5, 11, 13], 'scatter-add');
        // -1: a row of zeros when gathering, skipped when scattering (zero padding through an index table).
        const p = z([3, 2]);
        backend.gatherRows({ src: x, out: p, indices: Int32Array.from([-1, 1, -1]) });
        await expectValues(p, [0, 0, 3, 4, 0, 0], 'gather with -1');
        const flat = t([1, 2, 3, 4]);
        const ones = t([1, 1, 1]);
        backend.scatterAddRows({ src: flat, out: ones, indices: Int32Array.from([2, -1, 2, 0]) });
        await expectValues(ones, [5, 1, 5], 'scatter-add with -1, rows of one element');
        expect(() => backend.gatherRows({ src: x, out: g, indices: Int32Array.from([0, 1, 3, 0]) })).toThrow(
          'gatherRows: index 3 is out of bounds for dimension 0 with size 3',
        );
      });
    });

    if (options.liveBuffers) {
      const live = options.liveBuffers;
      it('frees everything it allocates', async () => {
        await backend.flush();
        const before = live(backend);
        const kern = defineKernel({
          name: 'suite_leak',
          inputs: ['p', 'g', 'm'],
          scalars: ['lr'],
          outputs: ['p', 'm'],
          body: ({ p, g, m }, { lr }) => {
            const m2 = k.add(k.mul(0.9, m), g);
            return { m: m2, p: k.sub(p, k.mul(lr, m2)) };
          },
        });
        const local: Tensor[] = [];
        for (let i = 0; i < 5; i++) {
          const p = tensor([1, 2, 3, 4], { backend });
          const g = tensor([1, 1, 1, 1], { backend });
          const m = zeros([4], { backend });
          backend.run(kern, { tensors: { p, g, m }, scalars: { lr: 0.1 } });
          g.assign([2, 2, 2, 2]);
          const s = sum(p);
          const c = p.clone();
          c.fill_(3);
          local.push(p, g, m, s, c);
        }
        await backend.flush();
        expect(live(backend)).toBeGreaterThan(before);
        for (const x of local) x.dispose();
        await backend.flush();
        expect(live(backend)).toBe(before);
      });
    }
  });
}
