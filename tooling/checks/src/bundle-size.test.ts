import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleSize, bundleSize, publishedLayout } from './bundle.js';

/** Sizes in KiB (1 KB = 1024 bytes here). */
const KB = 1024;

/**
 * Budgets, gzip level 9, for a minified browser bundle of an app built against the packages as published,
 * with code splitting: the Adam-only app counts every chunk it loads when it steps (the entry and the chunks
 * it imports statically, each gzipped on its own); the five-package bundle counts every chunk.
 *
 * Adam only, the issue's aim is 15 KB: 58.2 KB / 19.8 KB gzip before the pure annotations, 52.3 KB / 18.7 KB
 * with tensor printing and plain state dicts; then the SIMD GEMM (nn), the options system and more optimizer
 * machinery took it to 91.2 KB / 30.8 KB. Since then the SIMD GEMM is a part the backend is given
 * (`enableSimdGemm`, which nn calls) and the thread pool is a chunk loaded only with `threads: 2`
 * (80.1 KB / 27.7 KB), and optimizers no longer pull in the SparseTensor class: 78.7 KB / 27.1 KB; the stricter
 * declarations (running group values, per-group state requirements) then brought it to 82.0 KB / 27.8 KB.
 * What remains (minified bytes, bundled from source):
 * - core, ~44 KB: the CPU backend with its per-kernel dispatcher (6.7), the WebAssembly SIMD compiler and
 *   encoder (9.3), the memory arena (3.4), Tensor and Parameter (5.6) with tensor printing (1.3), run and
 *   reduction planning (2.7), kernel definitions and expressions (2.9), the JavaScript fallback compiler and
 *   its emitter (4.8: reductions and kernels the SIMD path does not take run through it, synchronously, on
 *   every backend a user makes), and the JavaScript matmul / permute / row gather-scatter with their
 *   planning (4.7: `Backend` methods every CpuBackend must answer synchronously, without the SIMD GEMM);
 * - optim, ~28 KB: the Optimizer base (param groups, hooks, closures, state dicts: 7.9), the declared
 *   options and state specs (9.2), the state codec (2.9) and schedule-valued options (2.9), which every
 *   optimizer needs, and Adam itself with its kernels (3.4).
 * 15 KB would need the optimizer machinery and the JavaScript paths to become optional parts too.
 *
 * Five packages, the issue's aim is 50 KB: 49.8 KB when it was set; the packages have since gained the SIMD
 * GEMM, convolutions, lr-scheduler's configs and expressions, and new algorithms (LAMB, Lion, Prodigy,
 * schedule-free AdamW, the options system), all exported here, so tree-shaking cannot help: 73.4 KB, now
 * 74.0 KB with the thread pool as its own chunk (chunks gzip separately), 75.1 KB with Muon, 76.5 KB with
 * `defineAlgorithm` and the new optimizers' declarations. Reaching 50 KB means shipping less
 * per feature, not dropping unused code.
 *
 * Both budgets are what is reached today plus under 0.5 KB.
 */
const BUDGETS = {
  adamOnly: 28 * KB,
  fivePackages: 77 * KB,
};

const ADAM_APP = `
import { parameter } from '@tsoptim/core';
import { Adam } from '@tsoptim/optim';
const p = parameter([1, 2, 3]);
const opt = new Adam([p], { lr: 1e-3 });
opt.step();
console.log(p.data);
`;

const FIVE_PACKAGES = `
export * from '@tsoptim/core';
export * from '@tsoptim/optim';
export * from '@tsoptim/lr-scheduler';
export * from '@tsoptim/nn';
export * from '@tsoptim/swa-utils';
`;

const report = (name: string, s: BundleSize, budget: number) =>
  `${name}: ${(s.minified / KB).toFixed(1)} KB minified, ${(s.gzip / KB).toFixed(1)} KB gzip (${s.gzip} bytes, ${s.chunks} chunk(s)) (budget ${(budget / KB).toFixed(1)} KB)`;

describe('bundle sizes (esbuild, minified, gzip)', () => {
  let layout: Awaited<ReturnType<typeof publishedLayout>>;
  beforeAll(async () => {
    layout = await publishedLayout(['core', 'optim', 'lr-scheduler', 'nn', 'swa-utils']);
  });
  afterAll(() => layout?.dispose());

  it('an app that uses only Adam ships no other algorithm', async () => {
    const s = await bundleSize(layout.dir, ADAM_APP);
    console.log(report('Adam only', s, BUDGETS.adamOnly));
    expect(s.gzip).toBeLessThanOrEqual(BUDGETS.adamOnly);
    expect(
      Object.keys(s.byPackage)
        .filter((k) => k.startsWith('@tsoptim/'))
        .sort(),
    ).toEqual(['@tsoptim/core', '@tsoptim/optim']);
    // the kernels of other algorithms (and core's unused reductions) were dropped
    const min = await bundleSize(layout.dir, `${ADAM_APP}\nexport { SGD } from '@tsoptim/optim';`);
    expect(min.minified - s.minified, 'SGD adds its own kernel and class').toBeGreaterThan(500);
    // the thread pool (with its worker's source) is a chunk of its own, which an app on one thread never loads
    const all = await bundleSize(layout.dir, ADAM_APP, 'all');
    expect(all.minified - s.minified, 'the thread pool chunk is not counted as loaded').toBeGreaterThan(3000);
    // the SIMD GEMM is not there: it comes only with enableSimdGemm (which nn calls)
    const gemm = await bundleSize(layout.dir, `${ADAM_APP}\nexport { enableSimdGemm } from '@tsoptim/core';`);
    expect(gemm.minified - s.minified, 'enableSimdGemm brings the SIMD GEMM').toBeGreaterThan(7000);
  });

  it('core + optim + lr-scheduler + nn + swa-utils, everything exported', async () => {
    const s = await bundleSize(layout.dir, FIVE_PACKAGES, 'all');
    console.log(report('core + optim + lr-scheduler + nn + swa-utils', s, BUDGETS.fivePackages));
    expect(s.gzip).toBeLessThanOrEqual(BUDGETS.fivePackages);
  });
});
