import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleSize, bundleSize, publishedLayout } from './bundle.js';

/** Sizes in KiB (1 KB = 1024 bytes here). */
const KB = 1024;

/**
 * Budgets, gzip level 9, for a minified browser bundle of an app built against the packages as published.
 *
 * The Adam-only budget holds what tree-shaking reaches today: 58.2 KB / 19.8 KB gzip before the pure
 * annotations, 49.6 KB / 17.7 KB after, 52.3 KB / 18.7 KB with tensor printing (torch's repr) and plain state dicts.
 * The aim is 15 KB: what remains is the CPU backend itself (WebAssembly SIMD compiler and encoder 9 KB, JS
 * fallback compiler 4.8 KB, the second-thread pool 2.7 KB, the arena 2 KB) and the Optimizer base (param
 * groups, hooks, schedules, state dict: 11 KB), which every optimizer needs. Reaching it means loading the
 * thread pool and the fallback compiler only where they are used.
 *
 * The five-package budget is the 50 KB; everything is exported, so tree-shaking cannot help: 49.8 KB
 * today, little room left.
 */
const BUDGETS = {
  adamOnly: 19 * KB,
  fivePackages: 50 * KB,
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
  `${name}: ${(s.minified / KB).toFixed(1)} KB minified, ${(s.gzip / KB).toFixed(1)} KB gzip (budget ${(budget / KB).toFixed(1)} KB)`;

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
    expect(Object.keys(s.byPackage).filter((k) => k.startsWith('@tsoptim/')).sort()).toEqual(['@tsoptim/core', '@tsoptim/optim']);
    // the kernels of other algorithms (and core's unused reductions) were dropped
    const min = await bundleSize(layout.dir, `${ADAM_APP}\nexport { SGD } from '@tsoptim/optim';`);
    expect(min.minified - s.minified, 'SGD adds its own kernel and class').toBeGreaterThan(500);
  });

  it('core + optim + lr-scheduler + nn + swa-utils, everything exported', async () => {
    const s = await bundleSize(layout.dir, FIVE_PACKAGES);
    console.log(report('core + optim + lr-scheduler + nn + swa-utils', s, BUDGETS.fivePackages));
    expect(s.gzip).toBeLessThanOrEqual(BUDGETS.fivePackages);
  });
});
