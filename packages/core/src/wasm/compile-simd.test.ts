import { describe, expect, it } from 'vitest';
import { CpuBackend, CpuStorage } from '../cpu/cpu-backend.js';
import { defineKernel } from '../kernel/define.js';
import * as k from '../kernel/expr.js';
import { Tensor, tensor, zeros } from '../tensor.js';
import { simdAvailable } from './compile-simd.js';

const f = Math.fround;

/** Runs a one-input kernel `y = body(x, s)` on a backend and returns y. */
function apply(backend: CpuBackend, body: (x: k.Expr, s: k.Expr) => k.Expr, xs: number[], s = 0): number[] {
  const kern = defineKernel({
    name: 'op',
    inputs: ['x'],
    scalars: ['s'],
    outputs: ['y'],
    body: ({ x }, { s: sv }) => ({ y: body(x, sv) }),
  });
  const x = tensor(xs, { backend });
  const y = zeros([xs.length], { backend });
  backend.run(kern, { tensors: { x, y }, scalars: { s } });
  return Array.from(y.data);
}

function apply2(backend: CpuBackend, body: (a: k.Expr, b: k.Expr) => k.Expr, as: number[], bs: number[]): number[] {
  const kern = defineKernel({ name: 'op2', inputs: ['a', 'b'], outputs: ['y'], body: ({ a, b }) => ({ y: body(a, b) }) });
  const a = tensor(as, { backend });
  const b = tensor(bs, { backend });
  const y = zeros([as.length], { backend });
  backend.run(kern, { tensors: { a, b, y } });
  return Array.from(y.data);
}

const same = (got: number[], want: number[]): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Object.is(g, want[i]) || g === want[i], `index ${i}: ${g} vs ${want[i]}`).toBe(true));
};

describe.skipIf(!simdAvailable())('WebAssembly SIMD kernels', () => {
  const NaN_ = Number.NaN;
  const Inf = Number.POSITIVE_INFINITY;
  // 9 values: two vectors and one lane, so every loop part runs.
  const xs = [4, -2.5, 0, -0, 9, NaN_, Inf, -Inf, 0.25];

  for (const simd of [true, false]) {
    describe(simd ? 'SIMD path' : 'JS fallback', () => {
      const backend = new CpuBackend({ simd });

      it('unary ops', () => {
        same(
          apply(backend, (x) => k.neg(x), xs),
          [-4, 2.5, -0, 0, -9, NaN_, -Inf, Inf, -0.25],
        );
        same(
          apply(backend, (x) => k.abs(x), xs),
          [4, 2.5, 0, 0, 9, NaN_, Inf, Inf, 0.25],
        );
        same(
          apply(backend, (x) => k.sqrt(x), xs),
          [2, NaN_, 0, -0, 3, NaN_, Inf, NaN_, 0.5],
        );
        same(
          apply(backend, (x) => k.sign(x), xs),
          [1, -1, 0, -0, 1, NaN_, 1, -1, 1],
        );
        same(
          apply(backend, (x) => k.floor(x), xs),
          [4, -3, 0, -0, 9, NaN_, Inf, -Inf, 0],
        );
        same(
          apply(backend, (x) => k.not(x), xs),
          [0, 0, 1, 1, 0, 0, 0, 0, 0],
        );
      });

      it('binary arithmetic, with NaN propagation in max and min', () => {
        const a = [1, 2, -3, 0.5, NaN_, 1, -0, 7, 1e30];
        const b = [3, -2, 0.5, 0.25, 1, NaN_, 0, 7, 1e30];
        same(apply2(backend, k.add, a, b), [4, 0, -2.5, 0.75, NaN_, NaN_, 0, 14, f(2e30)]);
        same(apply2(backend, k.sub, a, b), [-2, 4, -3.5, 0.25, NaN_, NaN_, -0, 0, 0]);
        same(
          apply2(backend, (x, y) => k.mul(x, y), a, b),
          [3, -4, -1.5, 0.125, NaN_, NaN_, -0, 49, Inf],
        );
        same(apply2(backend, k.div, a, b), [f(1 / 3), -1, -6, 2, NaN_, NaN_, NaN_, 1, 1]);
        same(apply2(backend, k.max, a, b), [3, 2, 0.5, 0.5, NaN_, NaN_, 0, 7, f(1e30)]);
        same(apply2(backend, k.min, a, b), [1, -2, -3, 0.25, NaN_, NaN_, -0, 7, f(1e30)]);
      });

      it('min and max against scalars and constants (NaN, ±0 and ties as Math.min/max)', () => {
        const xs2 = [-1, 0.5, 2, NaN_, -0, 0, Inf, -Inf, 1];
        same(
          apply(backend, (x, s) => k.clamp(x, k.neg(s), s), xs2, 1),
          [-1, 0.5, 1, NaN_, -0, 0, 1, -1, 1],
        );
        same(
          apply(backend, (x) => k.max(1, k.min(x, 2)), xs2),
          [1, 1, 2, NaN_, 1, 1, 2, 1, 1],
        );
        // A zero or NaN bound: ±0 ties and NaN propagate as in Math.max.
        same(
          apply(backend, (x, s) => k.max(x, s), xs2, 0),
          [0, 0.5, 2, NaN_, 0, 0, Inf, 0, 1],
        );
        same(
          apply(backend, (x, s) => k.min(s, x), xs2, -0),
          [-1, -0, -0, NaN_, -0, -0, -0, -Inf, -0],
        );
        same(
          apply(backend, (x, s) => k.max(x, s), xs2, NaN_),
          xs2.map(() => NaN_),
        );
        same(
          apply(backend, (x) => k.max(x, 0), xs2),
          [0, 0.5, 2, NaN_, 0, 0, Inf, 0, 1],
        );
      });

      it('compares sign(x) with 0 as x', () => {
        const xs2 = [-2, -0, 0, 3, NaN_, -Inf, Inf, 0.5, -0.5];
        same(
          apply(backend, (x) => k.gt(k.sign(x), 0), xs2),
          [0, 0, 0, 1, 0, 0, 1, 1, 0],
        );
        same(
          apply(backend, (x) => k.lt(k.sign(x), 0), xs2),
          [1, 0, 0, 0, 0, 1, 0, 0, 1],
        );
        same(
          apply(backend, (x) => k.eq(0, k.sign(x)), xs2),
          [0, 1, 1, 0, 0, 0, 0, 0, 0],
        );
        same(
          apply(backend, (x) => k.add(k.sign(x), k.ge(k.sign(x), 0)), xs2),
          [-1, 1, 1, 2, NaN_, -1, 2, 2, -1],
        );
      });

      it('comparisons and logic yield 1 or 0', () => {
        const a = [1, 2, 3, NaN_, 0, 5, -1, 0, 2];
        const b = [2, 2, 1, 1, 0, 5, 0, 3, NaN_];
        same(apply2(backend, k.lt, a, b), [1, 0, 0, 0, 0, 0, 1, 1, 0]);
        same(apply2(backend, k.le, a, b), [1, 1, 0, 0, 1, 1, 1, 1, 0]);
        same(apply2(backend, k.gt, a, b), [0, 0, 1, 0, 0, 0, 0, 0, 0]);
        same(apply2(backend, k.ge, a, b), [0, 1, 1, 0, 1, 1, 0, 0, 0]);
        same(apply2(backend, k.eq, a, b), [0, 1, 0, 0, 1, 1, 0, 0, 0]);
        same(apply2(backend, k.ne, a, b), [1, 0, 1, 1, 0, 0, 1, 1, 1]);
        same(apply2(backend, k.and, a, b), [1, 1, 1, 1, 0, 1, 0, 0, 1]);
        same(apply2(backend, k.or, a, b), [1, 1, 1, 1, 0, 1, 1, 1, 1]);
        same(
          apply2(backend, (x, y) => k.add(k.gt(x, y), k.lt(x, y)), a, b),
          [1, 0, 1, 0, 0, 0, 1, 1, 0],
        );
        same(
          apply2(backend, (x, y) => k.not(k.ge(x, y)), a, b),
          [1, 0, 0, 1, 0, 0, 1, 1, 1],
        );
      });

      it('select on masks and on numbers (NaN counts as true, as in JS)', () => {
        const a = [1, -1, 0, NaN_, 2, -2, 3, -3, 0.5];
        same(
          apply(backend, (x) => k.select(k.gt(x, 0), k.mul(x, 10), k.neg(x)), a),
          [10, 1, -0, NaN_, 20, 2, 30, 3, 5],
        );
        same(
          apply(backend, (x) => k.select(x, 7, 8), a),
          [7, 7, 8, 7, 7, 7, 7, 7, 7],
        );
        same(
          apply(backend, (x) => k.select(k.and(k.gt(x, -2), k.lt(x, 2)), 1, 0), a),
          [1, 1, 1, 0, 0, 0, 0, 0, 1],
        );
      });

      it('scalar-only subexpressions, constants and divisions by scalars', () => {
        // exp/pow of scalars only are computed on the host; the kernel stays on the fast path.
        const ys = apply(backend, (x, s) => k.add(k.div(x, k.sqrt(s)), k.mul(k.exp(k.sub(s, 4)), k.pow(s, 0.5))), [1, 2, 3, 4, 5], 4);
        same(ys, [2.5, 3, 3.5, 4, 4.5]);
        same(
          apply(backend, (_x, s) => k.mul(s, 3), [1, 2, 3], 2),
          [6, 6, 6],
        );
        same(
          apply(backend, (x) => k.div(x, 4), [1, 2, 6, 1e-45], 0),
          [0.25, 0.5, 1.5, 0],
        );
        same(
          apply(backend, (x) => k.div(x, 0.5), [1, -3, 3e38], 0),
          [2, -6, Inf],
        );
        same(
          apply(backend, (x) => k.div(x, 3), [1, 3, -6], 0),
          [f(1 / 3), 1, -2],
        );
        // Division by zero and by a tiny (subnormal) scalar: exact quotients.
        same(
          apply(backend, (x, s) => k.div(x, s), [1, -1, 0], 0),
          [Inf, -Inf, NaN_],
        );
        same(
          apply(backend, (x, s) => k.div(x, s), [2 ** -130, 2 ** -129, 0], 2 ** -130),
          [1, 2, 0],
        );
      });

      it('handles every length (tails) and in-place multi-output updates', () => {
        const kern = defineKernel({
          name: 'tails',
          inputs: ['p', 'g'],
          scalars: ['lr'],
          outputs: ['p', 'g'],
          body: ({ p, g }, { lr }) => ({ p: k.sub(p, k.mul(lr, g)), g: k.mul(g, 2) }),
        });
        for (const n of [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1001]) {
          const pv = Array.from({ length: n }, (_, i) => i);
          const gv = Array.from({ length: n }, (_, i) => n - i);
          const p = tensor(pv, { backend });
          const g = tensor(gv, { backend });
          backend.run(kern, { tensors: { p, g }, scalars: { lr: 0.5 } });
          same(
            Array.from(p.data),
            pv.map((v, i) => v - 0.5 * gv[i]!),
          );
          same(
            Array.from(g.data),
            gv.map((v) => 2 * v),
          );
        }
      });

      it('broadcasts one-element input tensors', () => {
        const kern = defineKernel({ name: 'sc', inputs: ['x', 'c'], outputs: ['x'], body: ({ x, c }) => ({ x: k.mul(x, c) }) });
        const xb = tensor([1, 2, 3, 4, 5, 6], { backend });
        const c = tensor([3], { backend });
        backend.run(kern, { tensors: { x: xb, c } });
        same(Array.from(xb.data), [3, 6, 9, 12, 15, 18]);
      });

      it('reports errors as the generic planner does, changing nothing', () => {
        const kern = defineKernel({
          name: 'cp',
          inputs: ['a'],
          scalars: ['s'],
          outputs: ['b'],
          body: ({ a }, { s }) => ({ b: k.mul(a, s) }),
        });
        const b = tensor([1, 2], { backend });
        expect(() => backend.run(kern, { tensors: { b }, scalars: { s: 1 } })).toThrow("kernel cp: tensor 'a' is missing");
        expect(() => backend.run(kern, { tensors: { a: zeros([3], { backend }), b }, scalars: { s: 1 } })).toThrow(
          'does not match the output shape',
        );
        expect(() => backend.run(kern, { tensors: { a: zeros([2], { backend }), b } })).toThrow("kernel cp: scalar 's' is missing");
        const gone = zeros([2], { backend });
        gone.dispose();
        expect(() => backend.run(kern, { tensors: { a: gone, b }, scalars: { s: 1 } })).toThrow("tensor 'a' has been disposed");
        same(Array.from(b.data), [1, 2]);
      });
    });
  }

  it('runs on the SIMD path where it can, and on the JS path otherwise', () => {
    const backend = new CpuBackend({ simd: true });
    expect(backend.simd).toBe(true);
    const before = backend.pathCounts();
    apply(backend, (x) => k.mul(x, 2), [1, 2, 3]);
    expect(backend.pathCounts().simd).toBe(before.simd + 1);
    // exp of tensor values has no SIMD form: the whole kernel runs as a JS loop.
    same(
      apply(backend, (x) => k.exp(x), [0, 1]),
      [1, f(Math.E)],
    );
    expect(backend.pathCounts().js).toBe(before.js + 1);
    // A divisor whose reciprocal is not a normal float32 sends the call to the JS loop.
    apply(backend, (x, s) => k.div(x, s), [1], 1e-40);
    expect(backend.pathCounts().js).toBe(before.js + 2);
    // Broadcast (non-scalar) inputs in runs shorter than 64 elements stay on the JS loop.
    const kern = defineKernel({ name: 'bc', inputs: ['x', 'r'], outputs: ['x'], body: ({ x, r }) => ({ x: k.add(x, r) }) });
    const x = zeros([2, 3], { backend });
    backend.run(kern, { tensors: { x, r: tensor([1, 2, 3], { backend }) } });
    expect(x.toArray()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(backend.pathCounts().js).toBe(before.js + 3);
    // Storage outside the WebAssembly memory (a plain Float32Array) runs as a JS loop too.
    const plain = new Tensor(backend, [3], new CpuStorage(Float32Array.of(1, 2, 3)));
    const out = zeros([3], { backend });
    backend.run(defineKernel({ name: 'dbl', inputs: ['a'], outputs: ['b'], body: ({ a }) => ({ b: k.mul(a, 2) }) }), {
      tensors: { a: plain, b: out },
    });
    same(Array.from(out.data), [2, 4, 6]);
    expect(backend.pathCounts().js).toBe(before.js + 4);
  });

  it('runs broadcasts as SIMD calls over contiguous runs of at least 64 elements, with the values of one op', () => {
    const backend = new CpuBackend({ simd: true });
    // y = a + b − c with b and c broadcast, each case: [a's shape, b's shape, c's shape, SIMD calls (runs)]
    const kern = defineKernel({
      name: 'bc_runs',
      inputs: ['a', 'b', 'c'],
      outputs: ['y'],
      body: ({ a, b, c }) => ({ y: k.sub(k.add(a, b), c) }),
    });
    const cases: [number[], number[], number[], number][] = [
      [[4, 3, 100], [1, 3, 1], [1], 12], // per channel: one run per (n, c), the channel's value as a scalar
      [[5, 200], [200], [5, 1], 5], // a row vector read contiguously, a column as a scalar per row
      [[2, 3, 8, 8], [3, 1, 1], [2, 3, 8, 8], 6], // runs over the two trailing dimensions (64 elements)
      [[3, 70], [1, 70], [3, 70], 3],
    ];
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return f(seed / 0x7fffffff - 0.5);
    };
    for (const [sa, sb, sc, runs] of cases) {
      const make = (shape: number[]) => {
        const n = shape.reduce((x, y) => x * y, 1);
        return tensor(Array.from({ length: n }, rnd), { backend, shape });
      };
      const [a, b, c] = [make(sa), make(sb), make(sc)];
      const y = zeros(sa, { backend });
      const before = backend.pathCounts();
      backend.run(kern, { tensors: { a, b, c, y } });
      expect(backend.pathCounts().js, `${sa} + ${sb} − ${sc}: no JS loop`).toBe(before.js);
      expect(backend.pathCounts().simd - before.simd, `${sa}: SIMD calls`).toBe(runs);
      // Expected element by element, broadcasting by hand (numpy's rules), each op rounded to float32.
      const at = (t: Tensor, idx: number[]) => {
        const sh = t.shape;
        let off = 0;
        for (let d = 0; d < sh.length; d++) off = off * sh[d]! + (sh[d] === 1 ? 0 : idx[idx.length - sh.length + d]!);
        return t.data[off]!;
      };
      const want: number[] = [];
      const idx = sa.map(() => 0);
      for (let e = 0; e < a.size; e++) {
        want.push(f(f(a.data[e]! + at(b, idx)) - at(c, idx)));
        for (let d = sa.length - 1; d >= 0 && ++idx[d]! === sa[d]; d--) idx[d] = 0;
      }
      same(Array.from(y.data), want);
    }
    // A kernel with no SIMD form (exp of values) takes the JavaScript loop over the whole call, runs or not.
    const expK = defineKernel({ name: 'bc_exp', inputs: ['a', 'b'], outputs: ['y'], body: ({ a, b }) => ({ y: k.sub(k.exp(a), b) }) });
    const a = tensor(Array.from({ length: 300 }, rnd), { backend, shape: [3, 100] });
    const b = tensor([0.5, -1, 2], { backend, shape: [3, 1] });
    const y = zeros([3, 100], { backend });
    const before = backend.pathCounts();
    backend.run(expK, { tensors: { a, b, y } });
    expect(backend.pathCounts().js).toBe(before.js + 1);
    same(
      Array.from(y.data),
      Array.from(a.data, (v, i) => f(Math.exp(v) - b.data[Math.floor(i / 100)]!)),
    );
  });

  it('computes Adam in float32 within 1e-6 abs + 1e-5 rel of the float64 JS loop', () => {
    const adam = defineKernel({
      name: 'adam_t',
      inputs: ['p', 'g', 'm', 'v'],
      scalars: ['b1', 'b2', 'eps', 'step', 'inv'],
      outputs: ['p', 'm', 'v'],
      body: ({ p, g, m, v }, s) => {
        const m2 = k.add(k.mul(s.b1, m), k.mul(k.sub(1, s.b1), g));
        const v2 = k.add(k.mul(s.b2, v), k.mul(k.sub(1, s.b2), g, g));
        return { p: k.sub(p, k.mul(s.step, k.div(m2, k.add(k.mul(k.sqrt(v2), s.inv), s.eps)))), m: m2, v: v2 };
      },
    });
    const n = 1037;
    const init = (seed: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 2);
    const run = (backend: CpuBackend): Tensor[] => {
      const ts = [init(1), init(2), init(3).map(() => 0), init(4).map(() => 0)].map((d) => tensor(d, { backend }));
      for (let t = 1; t <= 5; t++) {
        backend.run(adam, {
          tensors: { p: ts[0]!, g: ts[1]!, m: ts[2]!, v: ts[3]! },
          scalars: { b1: 0.9, b2: 0.999, eps: 1e-8, step: 1e-3 / (1 - 0.9 ** t), inv: 1 / Math.sqrt(1 - 0.999 ** t) },
        });
      }
      return ts;
    };
    const a = run(new CpuBackend({ simd: true }));
    const b = run(new CpuBackend({ simd: false }));
    for (let j = 0; j < 4; j++) {
      const x = a[j]!.data;
      const y = b[j]!.data;
      for (let i = 0; i < n; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(y[i]!));
    }
  });
});
