import { availableParallelism, cpus, loadavg } from 'node:os';
import type { CpuBackend } from '@tsoptim/core';
import cliProgress from 'cli-progress';
import { type BackendName, type BenchBackend, createBenchBackend } from './backends.js';
import { pickAlgorithms } from './bench-algorithms.js';
import { type GemmResult, measureGemm } from './bench-gemm.js';
import {
  type BandwidthRow,
  type MeasureContext,
  type MemoryRow,
  type Shape,
  type ThroughputRow,
  measureBandwidth,
  measureMemory,
  measureOverhead,
  measureThroughput,
} from './bench-measure.js';
import { type BenchFiles, headlineTable, writeBenchFiles } from './bench-report.js';
import { type TfjsAdapterRow, measureTfjsAdapter } from './tfjs-adapter-bench.js';
import { type TfjsPeer, loadTfjs } from './tfjs-peer.js';
import type { RepeatPolicy } from './timing.js';
import { type TorchPeer, startTorch, torchUnavailableReason } from './torch-peer.js';

/** The shapes of the full run: one tensor of 1e6 and of 1e7 elements, and 1000 tensors of 1e4. */
export const FULL_SHAPES: readonly Shape[] = [
  { label: '1×1e6', count: 1, size: 1e6 },
  { label: '1×1e7', count: 1, size: 1e7 },
  { label: '1000×1e4', count: 1000, size: 1e4 },
];
/** The shapes of `--quick`. */
export const QUICK_SHAPES: readonly Shape[] = [
  { label: '1×1e4', count: 1, size: 1e4 },
  { label: '10×1e3', count: 10, size: 1e3 },
];

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** Tiny shapes and one timed repeat: checks that everything runs (default false). */
  readonly quick?: boolean;
  /** Algorithm ids (default: all). */
  readonly algorithms?: readonly string[];
  /** tsoptim backends (default: cpu-js, cpu-simd, cpu-simd2 and, with `gpujs`, a gpu.js backend). */
  readonly backends?: readonly BackendName[];
  /** Measure a gpu.js backend: headlessgl where it runs, else gpu.js's 'cpu' mode on the small shapes (default true, false with `quick`). */
  readonly gpujs?: boolean;
  /** Compare with torch (default true; skipped with a note when torch does not import). */
  readonly torch?: boolean;
  /** Compare with tfjs (default true). */
  readonly tfjs?: boolean;
  /** Measure matrix products and the MLP step beside numpy and tfjs-wasm (default true). */
  readonly gemm?: boolean;
  /** Compare products with numpy/OpenBLAS when python3 imports numpy (default true). */
  readonly numpy?: boolean;
  /** Measure optimizer steps, bandwidth, overhead and memory (default true; false with `--gemm-only`). */
  readonly optimizers?: boolean;
  /** Seconds spent per workload and row before the repeats stop at their minimum (default 1.5). */
  readonly budgetSeconds?: number;
  /** Folder of bench.json and bench.md (default: `results` next to this app's package.json). */
  readonly outDir?: string;
  /** Show a progress bar (default: when stderr is a terminal). */
  readonly progress?: boolean;
  readonly log?: (line: string) => void;
}

/** Everything one benchmark run measured. */
export interface BenchResult {
  readonly meta: {
    readonly date: string;
    readonly node: string;
    readonly cpu: string;
    readonly cores: number;
    readonly quick: boolean;
    readonly policy: RepeatPolicy;
    readonly backends: { label: string; note: string }[];
    readonly torch: string | null;
    readonly tfjs: string | null;
    readonly loadBefore: number;
    readonly loadAfter: number;
    readonly seconds: number;
    readonly peakRssMB: number;
  };
  readonly bandwidth: BandwidthRow[];
  readonly throughput: ThroughputRow[];
  readonly overhead: ThroughputRow[];
  readonly memory: MemoryRow[];
  /** One Adam step through @tsoptim/tfjs beside tfjs's own Adam, per tfjs backend (empty without tfjs). */
  readonly tfjsAdapter: TfjsAdapterRow[];
  /** Matrix products and the MLP step (null when not measured). */
  readonly gemm: GemmResult | null;
  readonly notes: string[];
}

/** What {@link runBench} returns. */
export interface BenchOutcome {
  readonly result: BenchResult;
  readonly files: BenchFiles;
  /** The headline table as printed. */
  readonly headline: string;
}

export const BENCH_DEFAULT_OUT = new URL('../results', import.meta.url).pathname;

async function openBackends(names: readonly BackendName[], notes: string[]): Promise<BenchBackend[]> {
  const out: BenchBackend[] = [];
  for (const name of names) {
    try {
      const b = await createBenchBackend(name);
      if (name === 'cpu-simd2' && (b.backend as CpuBackend).threads !== 2) {
        notes.push('SIMD on two threads is not available here (worker_threads or shared WebAssembly memory missing): not measured.');
        await b.dispose();
        continue;
      }
      if (out.some((o) => o.label === b.label)) {
        await b.dispose();
        continue;
      }
      out.push(b);
    } catch (e) {
      notes.push(`backend ${name}: ${(e as Error).message}`);
    }
  }
  return out;
}

/**
 * The benchmark: optimizer step throughput (elements per second) of every algorithm × backend × shape next to
 * the memory-bandwidth limit measured in the same run, tfjs (cpu and wasm) for Adam and SGD momentum, and
 * torch's CPU optimizers; per-step overhead on a small model; optimizer state bytes and peak RSS per algorithm.
 * Prints the headline table (ratios to the limit and to each peer) and writes bench.json and bench.md.
 *
 * @param options - see {@link BenchOptions}.
 * @example
 * const { files } = await runBench({ quick: true });
 */
export async function runBench(options: BenchOptions = {}): Promise<BenchOutcome> {
  const log = options.log ?? ((line: string) => console.log(line));
  const quick = options.quick ?? false;
  const t0 = performance.now();
  const loadBefore = loadavg()[0]!;
  const notes: string[] = [];
  const algorithms = pickAlgorithms(options.algorithms);
  const policy: RepeatPolicy = quick
    ? { warmup: 1, minRepeats: 1, maxRepeats: 1, budgetSeconds: 0 }
    : { warmup: 2, minRepeats: 3, maxRepeats: 9, budgetSeconds: options.budgetSeconds ?? 1.5 };
  const slowPolicy: RepeatPolicy = quick ? policy : { warmup: 1, minRepeats: 2, maxRepeats: 3, budgetSeconds: 0 };

  const optimizers = options.optimizers ?? true;
  const names: BackendName[] = optimizers ? [...(options.backends ?? ['cpu-js', 'cpu-simd', 'cpu-simd2'])] : [];
  const backends = await openBackends(names, notes);
  if (optimizers && (options.gpujs ?? !quick)) {
    const gl = await openBackends(['gpujs'], []);
    if (gl.length > 0) backends.push(...gl);
    else {
      const cpuMode = await openBackends(['gpujs-cpu'], notes);
      backends.push(...cpuMode);
      if (cpuMode.length > 0) {
        notes.push(
          "gpu.js: headlessgl is not available here (no GPU context), so the gpu.js column runs gpu.js's 'cpu' mode, its JavaScript fallback, on shapes up to 1e6 elements: it shows that the backend runs, not what a GPU does. Numbers are only meaningful on a real GPU.",
        );
      }
    }
  }

  const cores = availableParallelism();
  const torch: TorchPeer[] = [];
  let torchDesc: string | null = null;
  if (optimizers && (options.torch ?? true)) {
    const why = torchUnavailableReason();
    if (why !== null) notes.push(`torch: skipped, ${why}.`);
    else {
      for (const threads of cores >= 2 ? [1, 2] : [1]) {
        const peer = await startTorch(threads);
        if (peer !== null) torch.push(peer);
      }
      const first = torch[0];
      if (first === undefined || first.threads !== 1) notes.push('torch: skipped, the torch child process did not start.');
      else {
        torchDesc = `torch ${first.version} CPU, foreach off (1.13's default), torch×N = torch.set_num_threads(N) in its own process (torch's default here: ${first.defaultThreads} intra-op thread${first.defaultThreads > 1 ? 's' : ''} on ${first.cores} cores)`;
      }
    }
  } else notes.push('torch: not requested.');

  let tfjs: TfjsPeer | null = null;
  if (options.tfjs ?? true) {
    tfjs = await loadTfjs();
    if (tfjs === null) notes.push('tfjs: not installed (it is a devDependency of @tsoptim/bench), not measured.');
    else notes.push(...tfjs.notes);
  }
  const tfjsDesc =
    tfjs === null
      ? null
      : `@tensorflow/tfjs-core ${tfjs.version} (${tfjs.available.join(', ')}${tfjs.wasmInfo ? `; wasm: ${tfjs.wasmInfo}` : ''})`;

  const shapes = quick ? QUICK_SHAPES : FULL_SHAPES;
  const overheadShape: Shape = quick ? { label: '10×10', count: 10, size: 10 } : { label: '100×100', count: 100, size: 100 };
  const overheadBatch = quick ? 2 : 20;
  const memoryShape: Shape = quick ? { label: '1×1e4', count: 1, size: 1e4 } : { label: '1×1e7', count: 1, size: 1e7 };
  const total = shapes.length * (1 + algorithms.length) + 2 * algorithms.length;
  const showProgress = options.progress ?? process.stderr.isTTY === true;
  const bar = showProgress
    ? new cliProgress.SingleBar(
        { format: 'bench {bar} {value}/{total} | {what}', hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(total, 0, { what: '' });
  const ctx: MeasureContext = {
    backends,
    torch,
    tfjs,
    policy,
    slowPolicy,
    gpujsCpuMaxElements: quick ? 1e4 : 1e6,
    onRow: (what) => bar?.increment({ what }),
  };

  const bandwidth: BandwidthRow[] = [];
  const throughput: ThroughputRow[] = [];
  const overhead: ThroughputRow[] = [];
  const memory: MemoryRow[] = [];
  const tfjsAdapter: TfjsAdapterRow[] = [];
  let gemm: GemmResult | null = null;
  try {
    if (options.gemm ?? true) {
      bar?.increment(0, { what: 'matrix products' });
      gemm = measureGemm(tfjs, { numpy: options.numpy ?? true, quick });
      notes.push(...gemm.notes);
    }
    for (const shape of optimizers ? shapes : []) {
      bandwidth.push(await measureBandwidth(ctx, shape));
      for (const algo of algorithms) throughput.push(await measureThroughput(ctx, algo, shape));
    }
    for (const algo of optimizers ? algorithms : []) overhead.push(await measureOverhead(ctx, algo, overheadShape, overheadBatch));
    for (const algo of optimizers ? algorithms : []) memory.push(await measureMemory(ctx, algo, memoryShape));
    if (tfjs !== null && optimizers) {
      const adapter = await measureTfjsAdapter(tfjs.available, policy, quick);
      tfjsAdapter.push(...adapter.rows);
      notes.push(...adapter.notes);
    }
  } finally {
    bar?.stop();
    for (const t of torch) t.close();
    for (const b of backends) await b.dispose();
  }
  if (optimizers)
    notes.push(
      `Per-step overhead: ${overheadShape.label} (tensors × elements), ${overheadBatch} steps per timed run. Memory: ${memoryShape.label} on the CPU backend (SIMD, one thread), each algorithm in a fresh Node process (src/memory-probe.ts): state bytes per parameter from the optimizer's state after 3 steps; peak RSS is the largest process.memoryUsage().rss of that process sampled after allocating the parameters and gradients and after each step, RSS growth is that peak minus the RSS just before allocating (kernels already compiled); torch's state bytes from its optimizer.state after one step.`,
    );
  const result: BenchResult = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores,
      quick,
      policy,
      backends: backends.map((b) => ({ label: b.label, note: b.note })),
      torch: torchDesc,
      tfjs: tfjsDesc,
      loadBefore,
      loadAfter: loadavg()[0]!,
      seconds: (performance.now() - t0) / 1000,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
    },
    bandwidth,
    throughput,
    overhead,
    memory,
    tfjsAdapter,
    gemm,
    notes,
  };
  const headline = headlineTable(result);
  log(headline);
  const files = writeBenchFiles(options.outDir ?? BENCH_DEFAULT_OUT, result);
  log('');
  log(`Full tables: ${files.markdown}; data: ${files.json}`);
  return { result, files, headline };
}
