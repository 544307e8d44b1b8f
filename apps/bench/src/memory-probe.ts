/**
 * Child-process entry of the benchmark's memory measurement (run by `measureMemory` in bench-measure.ts, one
 * process per algorithm, so that each starts from the same resident set): allocates `count` parameters of
 * `size` elements with gradients on a fresh CPU backend, runs 3 steps of the algorithm, and prints one JSON
 * line: `{ baselineRss, peakRss, stateElements, elements }` (bytes). The peak is the largest of
 * `process.memoryUsage().rss` sampled after allocating and after each step (not `resourceUsage().maxRSS`: on
 * Linux a spawned process inherits the high-water mark of the parent it was forked from).
 *
 * Usage: `node --import tsx --conditions=@tsoptim/source src/memory-probe.ts <algorithm-id> <count> <size>`.
 */
import { CpuBackend, Parameter, Tensor } from '@tsoptim/core';
import { pickAlgorithms } from './bench-algorithms.js';
import { filled } from './memory-limit.js';

const [id, countArg, sizeArg] = process.argv.slice(2);
const count = Number(countArg);
const size = Number(sizeArg);
const algo = pickAlgorithms([id!])[0]!;
const backend = new CpuBackend({ simd: true, threads: 1 });
// Compile the kernels on a tiny parameter first, so that the baseline holds the code, not the data.
const warm = new Parameter(filled(backend, 8, 0.5));
warm.grad = filled(backend, 8, 0.01);
algo.make([warm]).step();
const baselineRss = process.memoryUsage().rss;
let peakRss = baselineRss;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const params = Array.from({ length: count }, () => {
  const p = new Parameter(filled(backend, size, 0.5));
  p.grad = filled(backend, size, 0.01);
  return p;
});
sample();
const opt = algo.make(params);
for (let i = 0; i < 3; i++) {
  opt.step();
  sample();
}
let stateElements = 0;
for (const p of params) for (const v of Object.values(opt.state.get(p) ?? {})) if (Tensor.isTensor(v)) stateElements += v.size;
process.stdout.write(`${JSON.stringify({ baselineRss, peakRss, stateElements, elements: count * size })}\n`);
