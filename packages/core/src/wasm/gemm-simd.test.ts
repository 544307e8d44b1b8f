import { describe, expect, it } from 'vitest';
import { DOT_EXPORT, type DotFn, dotModuleBytes } from './gemm-dot.js';
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
  [300, 21, 40],
];

const modes = relaxedSimdAvailable() ? [false, true] : [false];

interface Case {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly ta: boolean;
  readonly tb: boolean;
  readonly accumulate: boolean;
  readonly bias: boolean;
  /** Run the two halves of the panels as two `drive` calls (as a helper thread would). */
  readonly split: boolean;
}

function check(memory: WebAssembly.Memory, ex: GemmExports, { m, n, k, ta, tb, accumulate, bias, split }: Case): void {
  const f = new Float32Array(memory.buffer);
  const aOff = 64;
  const bOff = aOff + Math.ceil((m * k) / 4) * 4 + 4;
  const biasOff = bOff + Math.ceil((k * n) / 4) * 4 + 4;
  const cOff = biasOff + Math.ceil(n / 4) * 4 + 8;
  const sOff = cOff + Math.ceil((m * n) / 4) * 4 + 4;
  for (let i = 0; i < m * k; i++) f[aOff + i] = rnd();
  for (let i = 0; i < k * n; i++) f[bOff + i] = rnd();
  for (let i = 0; i < n; i++) f[biasOff + i] = rnd();
  const c0 = Float32Array.from({ length: m * n }, () => rnd());
  f.set(c0, cOff);
  f[cOff + m * n] = 42; // a sentinel past C
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
      bias: bias ? biasOff * 4 : 0,
    },
    sOff * 4,
    split
      ? (here, there) => {
          ex.drive(...(there as Parameters<GemmExports['drive']>));
          ex.drive(...(here as Parameters<GemmExports['drive']>));
        }
      : null,
  );
  const { c, mag } = reference(f.slice(aOff, aOff + m * k), f.slice(bOff, bOff + k * n), m, n, k, ta, tb);
  for (let i = 0; i < m * n; i++) {
    const extra = (accumulate ? c0[i]! : 0) + (bias ? f[biasOff + (i % n)]! : 0);
    const want = c[i]! + extra;
    const tol = 2 ** -22 * (k + 2) * (mag[i]! + Math.abs(accumulate ? c0[i]! : 0) + Math.abs(bias ? f[biasOff + (i % n)]! : 0)) + 1e-30;
    expect(Math.abs(f[cOff + i]! - want)).toBeLessThanOrEqual(tol);
  }
  expect(f[cOff + m * n]).toBe(42);
}

describe.each(modes)('WebAssembly SIMD GEMM (relaxed madd: %s)', (fma) => {
  const { memory, ex } = setup(fma);
  for (const [m, n, k] of SHAPES) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        for (const accumulate of [false, true]) {
          it(`${m}×${k} · ${k}×${n} transA=${ta} transB=${tb} accumulate=${accumulate}`, () => {
            check(memory, ex, { m, n, k, ta, tb, accumulate, bias: false, split: false });
          });
        }
      }
    }
  }

  it('adds a bias to every row when it writes C (k split into several blocks, m not a multiple of 4)', () => {
    for (const [m, n, k] of [
      [3, 5, 7],
      [64, 128, 784],
      [300, 21, 40],
    ] as const) {
      check(memory, ex, { m, n, k, ta: false, tb: true, accumulate: false, bias: true, split: false });
    }
  });

  it('adds the bias when accumulating too', () => {
    check(memory, ex, { m: 9, n: 11, k: 30, ta: true, tb: false, accumulate: true, bias: true, split: false });
  });

  it('gives the same product when its panels are shared between two drive calls', () => {
    for (const [m, n, k] of [
      [64, 128, 784],
      [10, 17, 64],
      [33, 513, 17],
    ] as const) {
      for (const bias of [false, true]) check(memory, ex, { m, n, k, ta: true, tb: false, accumulate: false, bias, split: true });
      check(memory, ex, { m, n, k, ta: false, tb: true, accumulate: true, bias: false, split: true });
    }
  });

  it('needs scratch for both packed operands and two tiles', () => {
    expect(gemmScratchBytes(5, 9, 3)).toBe((8 + 16) * 3 * 4 + 2 * 4 * 8 * 4);
  });
});

describe.each(modes)('WebAssembly SIMD dot-product form, A·Bᵀ without packing (relaxed madd: %s)', (fma) => {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
  const dots = new Map<number, DotFn>();
  const dotFor = (k: number): DotFn => {
    let d = dots.get(k);
    if (d === undefined) {
      const bytes = dotModuleBytes({ k, fma, shared: false });
      d = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), { env: { memory } }).exports[DOT_EXPORT] as DotFn;
      dots.set(k, d);
    }
    return d;
  };

  /** Runs C (+)= A·Bᵀ (+ bias), whole or as two column ranges; checks it against the float64 reference. */
  function checkDot(m: number, n: number, k: number, accumulate: boolean, bias: boolean, split: number | null): Float32Array {
    const f = new Float32Array(memory.buffer);
    const aOff = 64;
    const bOff = aOff + m * k + 4;
    const biasOff = bOff + n * k + 4;
    const cOff = biasOff + n + 8;
    for (let i = 0; i < m * k; i++) f[aOff + i] = rnd();
    for (let i = 0; i < k * n; i++) f[bOff + i] = rnd();
    for (let i = 0; i < n; i++) f[biasOff + i] = rnd();
    const c0 = Float32Array.from({ length: m * n }, () => rnd());
    f.set(c0, cOff);
    f[cOff + m * n] = 42;
    const run = (j0: number, j1: number) =>
      dotFor(k)(aOff * 4, bOff * 4, cOff * 4, n * 4, m, j0, j1, accumulate ? 1 : 0, bias ? biasOff * 4 : 0);
    if (split === null) run(0, n);
    else {
      run(split, n);
      run(0, split);
    }
    const { c, mag } = reference(f.slice(aOff, aOff + m * k), f.slice(bOff, bOff + k * n), m, n, k, false, true);
    for (let i = 0; i < m * n; i++) {
      const extra = (accumulate ? c0[i]! : 0) + (bias ? f[biasOff + (i % n)]! : 0);
      const tol = 2 ** -22 * (k + 2) * (mag[i]! + Math.abs(accumulate ? c0[i]! : 0) + Math.abs(bias ? f[biasOff + (i % n)]! : 0)) + 1e-30;
      expect(Math.abs(f[cOff + i]! - (c[i]! + extra))).toBeLessThanOrEqual(tol);
    }
    expect(f[cOff + m * n]).toBe(42);
    return f.slice(cOff, cOff + m * n);
  }

  // m rows past a multiple of 4, odd n (a single last column), k past a multiple of 4 and below 4
  for (const [m, n, k] of [...SHAPES, [5, 3, 2], [9, 9, 1024], [4, 2, 4], [6, 1, 5]] as [number, number, number][]) {
    for (const accumulate of [false, true]) {
      it(`${m}×${k} · (${n}×${k})ᵀ accumulate=${accumulate}`, () => {
        checkDot(m, n, k, accumulate, false, null);
      });
    }
  }

  it('adds the bias as it writes C, also when accumulating', () => {
    for (const [m, n, k] of [
      [3, 5, 7],
      [64, 128, 784],
      [13, 10, 130],
    ] as const) {
      checkDot(m, n, k, false, true, null);
      checkDot(m, n, k, true, true, null);
    }
  });

  it('gives the same bits when two calls take the columns on either side of an even split', () => {
    for (const [m, n, k, at] of [
      [64, 128, 784, 64],
      [10, 17, 64, 8],
      [33, 13, 17, 6],
    ] as const) {
      seed = 777;
      const whole = checkDot(m, n, k, false, true, null);
      seed = 777;
      expect(checkDot(m, n, k, false, true, at)).toEqual(whole);
    }
  });
});
