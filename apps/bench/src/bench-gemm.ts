import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Backend, CpuBackend, type Tensor, createRng, rand, simdGemm, tensor, zeros } from '@tsoptim/core';
import { Linear, ReLU, Sequential, crossEntropy, tidy } from '@tsoptim/nn';
import { Adam } from '@tsoptim/optim';
import type { TfjsPeer } from './tfjs-peer.js';

/** One product `op(A)[m×k] · op(B)[k×n]`. */
export interface GemmShape {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

/** The products of the issue's table: the MLP's largest forward and weight-gradient products, and a cube. */
export const GEMM_SHAPES: readonly GemmShape[] = [
  { m: 64, k: 784, n: 128, transA: false, transB: false },
  { m: 128, k: 64, n: 784, transA: false, transB: false },
  { m: 512, k: 512, n: 512, transA: false, transB: false },
];

/**
 * The five products of one training step of the MNIST MLP (784-128-10, batch 64) as nn runs them: the two
 * forward products (`x·W1ᵀ`, `h·W2ᵀ`), the two weight gradients (`gᵀ·x`) and the hidden gradient (`g·W2`).
 */
export const MLP_PRODUCTS: readonly GemmShape[] = [
  { m: 64, k: 784, n: 128, transA: false, transB: true },
  { m: 64, k: 128, n: 10, transA: false, transB: true },
  { m: 10, k: 64, n: 128, transA: true, transB: false },
  { m: 64, k: 10, n: 128, transA: false, transB: false },
  { m: 128, k: 64, n: 784, transA: true, transB: false },
];

/** GFLOP/s of one product on each side (null where not measured). */
export interface GemmRow {
  readonly shape: string;
  readonly tsoptim: number;
  /** The same GEMM with relaxed SIMD's multiply-add (a child Node with relaxed SIMD enabled). */
  readonly tsoptimFma: number | null;
  readonly tsoptimJs: number | null;
  readonly numpy: number | null;
  readonly tfjsWasm: number | null;
}

/** Milliseconds of one MLP training step, and of its five products alone, on each side. */
export interface MlpStepRow {
  /** Forward, backward and Adam step through nn, on the CPU backend (SIMD, one thread). */
  readonly tsoptimStepMs: number;
  /** The five products alone through `backend.matmul`. */
  readonly tsoptimMatmulsMs: number;
  /** The whole step with relaxed SIMD's multiply-add in the GEMM (as Node ≥ 22 and Chrome ≥ 114 run it). */
  readonly tsoptimStepFmaMs: number | null;
  readonly numpyMatmulsMs: number | null;
  readonly tfjsWasmMatmulsMs: number | null;
}

/** Everything the GEMM section measured. */
export interface GemmResult {
  readonly rows: GemmRow[];
  readonly mlp: MlpStepRow;
  readonly numpy: string | null;
  readonly notes: string[];
}

const label = (s: GemmShape): string => `${s.m}×${s.k}×${s.n}${s.transA ? ' Aᵀ' : ''}${s.transB ? ' Bᵀ' : ''}`;
const gflops = (s: GemmShape, seconds: number): number => (2 * s.m * s.n * s.k) / seconds / 1e9;

/**
 * How long each measurement samples: at least `repeats` timed runs, and on for `minSeconds` of wall time, so
 * that the best run is not taken inside one short stretch of contention (on the shared reference machine,
 * stretches of about a second where this GEMM runs at half speed).
 */
export interface Timing {
  readonly repeats: number;
  readonly minSeconds: number;
}

/** Best seconds per call of `fn` over timed runs of enough calls to last a few milliseconds (see {@link Timing}). */
function best(fn: () => void, timing: Timing, flopsPerCall: number): number {
  fn();
  const inner = Math.max(1, Math.round(2e7 / Math.max(1, flopsPerCall)));
  let out = Number.POSITIVE_INFINITY;
  const start = performance.now();
  for (let r = 0; r < timing.repeats || performance.now() - start < timing.minSeconds * 1000; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    out = Math.min(out, (performance.now() - t0) / 1000 / inner);
  }
  return out;
}

function operands(backend: Backend, s: GemmShape, seed: number): { a: Tensor; b: Tensor; out: Tensor } {
  const rng = createRng(seed);
  const a = rand(s.transA ? [s.k, s.m] : [s.m, s.k], rng, -1, 1);
  const b = rand(s.transB ? [s.n, s.k] : [s.k, s.n], rng, -1, 1);
  return {
    a: tensor(a.data, { backend, shape: a.shape }),
    b: tensor(b.data, { backend, shape: b.shape }),
    out: zeros([s.m, s.n], { backend }),
  };
}

/**
 * Rounds every side of the comparison is sampled in, in turn, each round with its share of {@link Timing}: on the
 * shared machine a stretch of contention then falls on every side alike (numpy too, one short process per
 * round) rather than on whichever was measured then; each side's best over the rounds counts.
 */
const ROUNDS = 4;

/** One product on `backend`, ready to run again and again. */
function prepareTsoptim(backend: Backend, s: GemmShape): { run: () => void; dispose: () => void } {
  const { a, b, out } = operands(backend, s, 1);
  return {
    run: () => backend.matmul({ a, b, out, transA: s.transA, transB: s.transB }),
    dispose: () => {
      for (const x of [a, b, out]) x.dispose();
    },
  };
}

function timeTsoptim(backend: Backend, s: GemmShape, timing: Timing): number {
  const p = prepareTsoptim(backend, s);
  const t = best(p.run, timing, 2 * s.m * s.n * s.k);
  p.dispose();
  return t;
}

/** numpy's times, one thread, from python/numpy_gemm.py; null (with a note) when python3 or numpy is missing. */
function timeNumpy(
  shapes: readonly GemmShape[],
  mlp: readonly GemmShape[],
  timing: Timing,
  notes: string[],
): { version: string; shapes: number[]; mlp: number } | null {
  const script = fileURLToPath(new URL('../python/numpy_gemm.py', import.meta.url));
  const arg = JSON.stringify({
    shapes: shapes.map((s) => [s.m, s.k, s.n, s.transA, s.transB]),
    mlp: mlp.map((s) => [s.m, s.k, s.n, s.transA, s.transB]),
    repeats: timing.repeats,
    min_seconds: timing.minSeconds,
  });
  // One thread; OpenBLAS chooses its kernels for this CPU (no core type or cache size forced from outside).
  const env: Record<string, string | undefined> = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('python3', [script, arg], { encoding: 'utf8', timeout: 300_000, env });
  if (r.error || r.status !== 0) {
    notes.push(`numpy: not measured (${r.error?.message ?? (r.stderr || '').trim().split('\n').pop()}).`);
    return null;
  }
  try {
    const o = JSON.parse(r.stdout) as { version: string; blas: string; shapes: number[]; mlp: number };
    return { version: `numpy ${o.version} (${o.blas}), one thread`, shapes: o.shapes, mlp: o.mlp };
  } catch {
    notes.push('numpy: not measured (unreadable output).');
    return null;
  }
}

/** tfjs-wasm's `matMul` (transposes as its arguments), best seconds per call; null when the wasm backend is missing. */
function timeTfjs(tfjs: TfjsPeer | null, shapes: readonly GemmShape[], timing: Timing): number[] | null {
  if (tfjs === null || !tfjs.available.includes('wasm')) return null;
  return shapes.map((s) => {
    const mm = tfjs.prepareMatMul('wasm', s.m, s.k, s.n, s.transA, s.transB);
    const t = best(mm.run, timing, 2 * s.m * s.n * s.k);
    mm.dispose();
    return t;
  });
}

/** One training step of the demo's MLP (forward, cross-entropy, backward, Adam), and its five products alone. */
function prepareMlpStep(backend: Backend): { step: () => void; products: () => void; dispose: () => void } {
  const model = new Sequential(new Linear(784, 128, { seed: 0, backend }), new ReLU(), new Linear(128, 10, { seed: 1, backend }));
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const rng = createRng(3);
  const x = tensor(rand([64, 784], rng, 0, 1).data, { backend, shape: [64, 784] });
  const y = Array.from({ length: 64 }, (_, i) => i % 10);
  const step = (): void => {
    tidy(() => {
      opt.zeroGrad();
      crossEntropy(model.forward(x), y).backward();
      opt.step();
    });
  };
  for (let i = 0; i < 5; i++) step();
  const products = MLP_PRODUCTS.map((s) => prepareTsoptim(backend, s));
  return {
    step,
    products: () => {
      for (const q of products) q.run();
    },
    dispose: () => {
      for (const q of products) q.dispose();
      x.dispose();
    },
  };
}

/** Best milliseconds of one MLP training step (see {@link prepareMlpStep}). */
function timeMlpStep(backend: Backend, timing: Timing): number {
  const mlp = prepareMlpStep(backend);
  const t = best(mlp.step, timing, 4e7);
  mlp.dispose();
  return t * 1000;
}

/** tsoptim's side alone: GFLOP/s on {@link GEMM_SHAPES} and the MLP step, on a fresh one-thread backend. */
export function measureTsoptimGemm(timing: Timing): { readonly gflops: number[]; readonly stepMs: number; readonly fma: boolean } {
  const simd = new CpuBackend({ simd: true, threads: 1, gemm: simdGemm });
  const out = {
    gflops: GEMM_SHAPES.map((s) => gflops(s, timeTsoptim(simd, s, timing))),
    stepMs: timeMlpStep(simd, timing),
    fma: simd.matmulPaths().fma,
  };
  simd.dispose();
  return out;
}

/**
 * {@link measureTsoptimGemm} in a child Node started with `--experimental-wasm-relaxed-simd` (Node 20 has
 * relaxed SIMD behind that flag; newer runtimes enable it and the main measurement already uses it). Null,
 * with a note, where the child fails or its runtime still does not validate `f32x4.relaxed_madd`.
 */
function timeRelaxed(timing: Timing, notes: string[]): ReturnType<typeof measureTsoptimGemm> | null {
  const script = fileURLToPath(new URL('./gemm-relaxed-child.ts', import.meta.url));
  const r = spawnSync(process.execPath, [...process.execArgv, '--experimental-wasm-relaxed-simd', script, JSON.stringify(timing)], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    if (r.error || r.status !== 0) throw new Error(r.error?.message ?? (r.stderr || '').trim().split('\n').pop());
    const o = JSON.parse(last) as ReturnType<typeof measureTsoptimGemm>;
    if (!o.fma) throw new Error('the child runtime does not validate f32x4.relaxed_madd');
    return o;
  } catch (e) {
    notes.push(`relaxed SIMD: not measured (${(e as Error).message}).`);
    return null;
  }
}

/**
 * GEMM GFLOP/s of tsoptim's CPU backend (the WebAssembly SIMD GEMM on one thread, and its JavaScript
 * fallback), numpy/OpenBLAS on one thread and tfjs-wasm's `matMul` on {@link GEMM_SHAPES}; and one MLP
 * training step beside the same step's five products in numpy and tfjs-wasm. Where the runtime runs the GEMM
 * without relaxed SIMD (Node 20), the tsoptim side is measured again with it in a child process (full runs).
 */
export function measureGemm(tfjs: TfjsPeer | null, options: { numpy: boolean; quick: boolean }): GemmResult {
  const notes: string[] = [];
  const timing: Timing = options.quick ? { repeats: 2, minSeconds: 0 } : { repeats: 15, minSeconds: 0.6 };
  const simd = new CpuBackend({ simd: true, threads: 1, gemm: simdGemm });
  const js = new CpuBackend({ simd: false });
  if (!options.numpy) notes.push('numpy: not requested.');
  const wasm = tfjs?.available.includes('wasm') ? tfjs : null;
  if (wasm === null) notes.push('tfjs-wasm: not available, not measured.');
  // Every side sampled in turn, ROUNDS times (see ROUNDS).
  const share: Timing = { repeats: Math.max(1, Math.ceil(timing.repeats / ROUNDS)), minSeconds: timing.minSeconds / ROUNDS };
  const mine = GEMM_SHAPES.map((s) => prepareTsoptim(simd, s));
  const theirs = wasm === null ? null : GEMM_SHAPES.map((s) => wasm.prepareMatMul('wasm', s.m, s.k, s.n, s.transA, s.transB));
  const mlpStep = prepareMlpStep(simd);
  const mineT = GEMM_SHAPES.map(() => Number.POSITIVE_INFINITY);
  const theirsT = GEMM_SHAPES.map(() => Number.POSITIVE_INFINITY);
  let stepT = Number.POSITIVE_INFINITY;
  let productsT = Number.POSITIVE_INFINITY;
  let np: ReturnType<typeof timeNumpy> = null;
  let numpyOn = options.numpy;
  for (let r = 0; r < ROUNDS; r++) {
    if (numpyOn) {
      const o = timeNumpy(GEMM_SHAPES, MLP_PRODUCTS, share, notes);
      if (o === null) numpyOn = false;
      else
        np =
          np === null
            ? o
            : { version: o.version, shapes: o.shapes.map((t, i) => Math.min(t, np!.shapes[i]!)), mlp: Math.min(o.mlp, np.mlp) };
    }
    GEMM_SHAPES.forEach((s, i) => {
      const flops = 2 * s.m * s.n * s.k;
      mineT[i] = Math.min(mineT[i]!, best(mine[i]!.run, share, flops));
      if (theirs !== null) theirsT[i] = Math.min(theirsT[i]!, best(theirs[i]!.run, share, flops));
    });
    stepT = Math.min(stepT, best(mlpStep.step, share, 4e7));
    productsT = Math.min(productsT, best(mlpStep.products, share, 4e7));
  }
  for (const p of [...mine, ...(theirs ?? []), mlpStep]) p.dispose();
  const tf = theirs === null ? null : theirsT;
  const tfMlp = timeTfjs(tfjs, MLP_PRODUCTS, timing);
  const main = GEMM_SHAPES.map((s, i) => gflops(s, mineT[i]!));
  const fmaHere = simd.matmulPaths().fma;
  const relaxed = fmaHere ? null : options.quick ? null : timeRelaxed(timing, notes);
  if (options.quick && !fmaHere) notes.push('relaxed SIMD: measured in full runs only.');
  const rows = GEMM_SHAPES.map((s, i) => ({
    shape: label(s),
    tsoptim: main[i]!,
    tsoptimFma: fmaHere ? main[i]! : (relaxed?.gflops[i] ?? null),
    // The JavaScript fallback is slow on the cube: measured in full runs only.
    tsoptimJs:
      options.quick && s.m * s.n * s.k > 1e7
        ? null
        : gflops(s, timeTsoptim(js, s, { repeats: Math.max(2, timing.repeats >> 2), minSeconds: timing.minSeconds })),
    numpy: np === null ? null : gflops(s, np.shapes[i]!),
    tfjsWasm: tf === null ? null : gflops(s, tf[i]!),
  }));
  const stepMs = stepT * 1000;
  const mlp: MlpStepRow = {
    tsoptimStepMs: stepMs,
    tsoptimMatmulsMs: productsT * 1000,
    tsoptimStepFmaMs: fmaHere ? stepMs : (relaxed?.stepMs ?? null),
    numpyMatmulsMs: np === null ? null : np.mlp * 1000,
    tfjsWasmMatmulsMs: tfMlp === null ? null : tfMlp.reduce((a, b) => a + b, 0) * 1000,
  };
  simd.dispose();
  js.dispose();
  notes.push(
    `GEMM: m×k×n, GFLOP/s = 2mnk / best time; tsoptim = backend.matmul on the CPU backend (WebAssembly SIMD GEMM, one thread${fmaHere ? ', relaxed-SIMD madd' : ', multiply then add: relaxed SIMD not available in this runtime'}; JS = its JavaScript fallback; "relaxed madd" = the same with f32x4.relaxed_madd, ${fmaHere ? 'what this runtime runs' : 'in a child Node with --experimental-wasm-relaxed-simd, as Node ≥ 22 and Chrome ≥ 114 run it by default'}); tfjs-wasm = tf.matMul on the wasm backend (XNNPACK); tsoptim, numpy and tfjs-wasm sampled in turn in ${ROUNDS} rounds. MLP step: 784-128-10, batch 64, Adam, inside tidy; "five products" = ${MLP_PRODUCTS.map(label).join(', ')}.`,
  );
  return { rows, mlp, numpy: np?.version ?? null, notes };
}

const f1 = (x: number | null): string => (x === null ? '—' : x.toFixed(1));
const f2 = (x: number | null): string => (x === null ? '—' : x.toFixed(2));

/** The GEMM tables as markdown lines. */
export function gemmTables(g: GemmResult): string[] {
  const lines = [
    '| GEMM (GFLOP/s, one thread) | tsoptim SIMD | tsoptim SIMD, relaxed madd | tsoptim JS | numpy/OpenBLAS | tfjs-wasm matMul | tsoptim / tfjs-wasm | numpy / tsoptim |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of g.rows) {
    lines.push(
      `| ${r.shape} | ${f1(r.tsoptim)} | ${f1(r.tsoptimFma)} | ${f1(r.tsoptimJs)} | ${f1(r.numpy)} | ${f1(r.tfjsWasm)} | ${r.tfjsWasm === null ? '—' : `${(r.tsoptim / r.tfjsWasm).toFixed(2)}×`} | ${r.numpy === null ? '—' : `${(r.numpy / r.tsoptim).toFixed(2)}×`} |`,
    );
  }
  const m = g.mlp;
  const ratio = (x: number | null): string => (x === null || m.numpyMatmulsMs === null ? '—' : `${(x / m.numpyMatmulsMs).toFixed(2)}×`);
  lines.push(
    '',
    '| MLP 784-128-10, batch 64 (ms) | tsoptim whole step (nn + Adam) | tsoptim five products | numpy five products | tfjs-wasm five products | step / numpy products | step with relaxed madd | its step / numpy products |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| one thread | ${f2(m.tsoptimStepMs)} | ${f2(m.tsoptimMatmulsMs)} | ${f2(m.numpyMatmulsMs)} | ${f2(m.tfjsWasmMatmulsMs)} | ${ratio(m.tsoptimStepMs)} | ${f2(m.tsoptimStepFmaMs)} | ${ratio(m.tsoptimStepFmaMs)} |`,
  );
  return lines;
}
