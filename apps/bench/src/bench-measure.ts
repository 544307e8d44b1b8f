import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CpuBackend, Parameter, Tensor } from '@tsoptim/core';
import type { Optimizer } from '@tsoptim/optim';
import type { BenchBackend } from './backends.js';
import type { BenchAlgorithm } from './bench-algorithms.js';
import { type Traffic, ceilingWorkload, copyKernel, filled, memcpyWorkload, probeTraffic } from './memory-limit.js';
import type { TfjsPeer } from './tfjs-peer.js';
import { type RepeatPolicy, type TimedWorkload, collectGarbage, median, now, timeInTurn } from './timing.js';
import type { TorchPeer } from './torch-peer.js';

/** A parameter layout: `count` tensors of `size` float32 elements. */
export interface Shape {
  readonly label: string;
  readonly count: number;
  readonly size: number;
}

/** One measured column of a row. */
export interface Cell {
  /** Median seconds of one unit of work (one step, or one batch of steps for overhead rows). */
  readonly seconds: number;
  /** Timed samples behind the median. */
  readonly samples: number;
  /** Elements per second (throughput rows) or steps per second (overhead rows). */
  readonly rate: number;
}

/** Throughput of one algorithm at one shape, per column (tsoptim backends, peers, the memory limit). */
export interface ThroughputRow {
  readonly shape: string;
  readonly algorithm: string;
  readonly elements: number;
  readonly traffic: Traffic | null;
  /** Column label → cell. Limit columns are `limit ×1` / `limit ×2` (the algorithm's own loads and stores). */
  readonly cells: Record<string, Cell>;
  readonly notes: string[];
}

/** The memory bandwidth measured at one shape. */
export interface BandwidthRow {
  readonly shape: string;
  readonly elements: number;
  /** GB/s, copy counted as 8 B per element. */
  readonly memcpy: number;
  readonly kernelCopy: Record<string, number>;
  readonly torchCopy: number | null;
}

/** Optimizer memory of one algorithm. */
export interface MemoryRow {
  readonly algorithm: string;
  /** Optimizer state bytes per parameter element (tsoptim, from the optimizer's state). */
  readonly stateBytesPerParam: number;
  readonly torchStateBytesPerParam: number | null;
  /** Peak resident set size of the measuring process (MB), and its growth over the RSS before allocating. */
  readonly peakRssMB: number;
  readonly rssGrowthMB: number;
  /** Parameters, gradients and state (MB) that the run must hold. */
  readonly expectedMB: number;
  /** Why the measurement failed, if it did. */
  readonly error?: string;
}

/** Everything the peers and backends need for a measurement. */
export interface MeasureContext {
  readonly backends: readonly BenchBackend[];
  /** torch processes, one per intra-op thread count (1, and 2 where the machine has 2 cores); the first has 1. */
  readonly torch: readonly TorchPeer[];
  readonly tfjs: TfjsPeer | null;
  readonly policy: RepeatPolicy;
  /** Policy for slow peers (tfjs cpu, gpu.js in its cpu mode): fewer runs. */
  readonly slowPolicy: RepeatPolicy;
  /** Largest element count gpu.js in 'cpu' mode is measured on (it is a slow JavaScript fallback). */
  readonly gpujsCpuMaxElements: number;
  /** Called after each row, for progress. */
  readonly onRow?: (what: string) => void;
}

interface Prepared extends TimedWorkload {
  readonly label: string;
  dispose(): void | Promise<void>;
}

function disposeOptimizer(opt: Optimizer, params: Parameter[]): void {
  for (const st of opt.state.values()) for (const v of Object.values(st)) if (Tensor.isTensor(v)) v.dispose();
  for (const p of params) {
    (p.grad as Tensor | null)?.dispose();
    p.dispose();
  }
}

/** Parameters with constant gradients and an optimizer on a tsoptim backend; a run is `batch` steps. */
function optimizerWorkload(bb: BenchBackend, algo: BenchAlgorithm, shape: Shape, batch: number, policy?: RepeatPolicy): Prepared {
  const { backend } = bb;
  const params = Array.from({ length: shape.count }, () => {
    const p = new Parameter(filled(backend, shape.size, 0.5));
    p.grad = filled(backend, shape.size, 0.01);
    return p;
  });
  const opt = algo.make(params);
  const sync = backend instanceof CpuBackend;
  return {
    label: bb.label,
    ...(policy ? { policy } : {}),
    run: async () => {
      const t0 = now();
      for (let i = 0; i < batch; i++) opt.step();
      if (!sync) await backend.flush();
      return now() - t0;
    },
    dispose: () => disposeOptimizer(opt, params),
  };
}

let torchIds = 0;

/** Prepares the same parameters and optimizer in every torch process: one workload per thread count. */
async function torchWorkloads(ctx: MeasureContext, algo: string, shape: Shape, batch: number): Promise<Prepared[]> {
  const out: Prepared[] = [];
  for (const torch of ctx.torch) {
    const id = `t${torchIds++}`;
    if (!(await torch.prepare(id, algo, shape.count, shape.size))) continue;
    out.push({ label: `torch×${torch.threads}`, run: () => torch.step(id, batch), dispose: () => torch.drop(id) });
  }
  return out;
}

function tfjsWorkload(
  tfjs: TfjsPeer,
  backend: 'cpu' | 'wasm',
  algo: BenchAlgorithm,
  shape: Shape,
  batch: number,
  policy?: RepeatPolicy,
): Prepared {
  const w = tfjs.prepare(backend, algo.tfjs!, shape.count, shape.size);
  return {
    label: `tfjs-${backend}`,
    ...(policy ? { policy } : {}),
    run: () => {
      let s = 0;
      for (let i = 0; i < batch; i++) s += w.step();
      return s;
    },
    dispose: () => w.dispose(),
  };
}

function cells(prepared: readonly Prepared[], samples: number[][], units: number): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  prepared.forEach((p, i) => {
    const s = samples[i]!;
    if (s.length === 0) return;
    const m = median(s);
    out[p.label] = { seconds: m, samples: s.length, rate: units / m };
  });
  return out;
}

async function disposeAll(prepared: readonly Prepared[]): Promise<void> {
  for (const p of prepared) await p.dispose();
  collectGarbage();
}

/**
 * Measures one algorithm at one shape on every backend and peer, in turn within each repeat, next to the
 * memory limit: a kernel with the algorithm's own loads and stores and trivial arithmetic, on the SIMD backends
 * (one and two threads).
 */
export async function measureThroughput(ctx: MeasureContext, algo: BenchAlgorithm, shape: Shape): Promise<ThroughputRow> {
  const elements = shape.count * shape.size;
  const traffic = probeTraffic(algo.make);
  const notes: string[] = [];
  const prepared: Prepared[] = [];
  for (const bb of ctx.backends) {
    if (bb.name === 'gpujs-cpu' && elements > ctx.gpujsCpuMaxElements) continue;
    try {
      prepared.push(optimizerWorkload(bb, algo, shape, 1, bb.name === 'gpujs-cpu' ? ctx.slowPolicy : undefined));
    } catch (e) {
      notes.push(`${bb.label}: ${(e as Error).message}`);
    }
  }
  if (traffic !== null) {
    for (const bb of ctx.backends) {
      if (!(bb.backend instanceof CpuBackend) || !bb.backend.simd) continue;
      const w = ceilingWorkload(bb.backend, traffic, shape.count, shape.size);
      prepared.push({ label: `limit ×${bb.backend.threads}`, run: () => timeOf(w.step), dispose: w.dispose });
    }
  }
  if (algo.torch) prepared.push(...(await torchWorkloads(ctx, algo.id, shape, 1)));
  if (ctx.tfjs !== null && algo.tfjs !== undefined) {
    for (const b of ctx.tfjs.available) prepared.push(tfjsWorkload(ctx.tfjs, b, algo, shape, 1, b === 'cpu' ? ctx.slowPolicy : undefined));
  }
  const samples = await timeInTurn(prepared, ctx.policy);
  await disposeAll(prepared);
  ctx.onRow?.(`${algo.label} ${shape.label}`);
  return { shape: shape.label, algorithm: algo.label, elements, traffic, cells: cells(prepared, samples, elements), notes };
}

function timeOf(fn: () => void): number {
  const t0 = now();
  fn();
  return now() - t0;
}

/** STREAM-style copies at one shape: Node's memcpy, the copy kernel on each SIMD backend, torch's `copy_`. */
export async function measureBandwidth(ctx: MeasureContext, shape: Shape): Promise<BandwidthRow> {
  const elements = shape.count * shape.size;
  const prepared: Prepared[] = [];
  const mc = memcpyWorkload(elements);
  prepared.push({ label: 'memcpy', run: () => mc.step(), dispose: () => mc.dispose() });
  for (const bb of ctx.backends) {
    if (!(bb.backend instanceof CpuBackend)) continue;
    const backend = bb.backend;
    const pairs = Array.from({ length: shape.count }, () => ({ src: filled(backend, shape.size, 1), dst: filled(backend, shape.size, 0) }));
    prepared.push({
      label: bb.label,
      run: () =>
        timeOf(() => {
          for (const tensors of pairs) backend.run(copyKernel, { tensors });
        }),
      dispose: () => {
        for (const p of pairs) {
          p.src.dispose();
          p.dst.dispose();
        }
      },
    });
  }
  const torch = (await torchWorkloads({ ...ctx, torch: ctx.torch.slice(0, 1) }, 'copy', shape, 1)).map((w) => ({ ...w, label: 'torch' }));
  prepared.push(...torch);
  const samples = await timeInTurn(prepared, ctx.policy);
  await disposeAll(prepared);
  const torchOk = torch.length > 0;
  const c = cells(prepared, samples, elements);
  const gbs = (label: string) => (c[label] ? (elements * 8) / c[label]!.seconds / 1e9 : Number.NaN);
  const kernelCopy: Record<string, number> = {};
  for (const bb of ctx.backends) if (c[bb.label]) kernelCopy[bb.label] = gbs(bb.label);
  ctx.onRow?.(`copy ${shape.label}`);
  return { shape: shape.label, elements, memcpy: gbs('memcpy'), kernelCopy, torchCopy: torchOk ? gbs('torch') : null };
}

/**
 * Per-step overhead: steps per second of one algorithm over a small model (`count` tensors of `size`
 * elements), `batch` steps per timed run, on every backend and peer.
 */
export async function measureOverhead(ctx: MeasureContext, algo: BenchAlgorithm, shape: Shape, batch: number): Promise<ThroughputRow> {
  const prepared: Prepared[] = [];
  for (const bb of ctx.backends)
    prepared.push(optimizerWorkload(bb, algo, shape, batch, bb.name === 'gpujs-cpu' ? ctx.slowPolicy : undefined));
  if (algo.torch) prepared.push(...(await torchWorkloads({ ...ctx, torch: ctx.torch.slice(0, 1) }, algo.id, shape, batch)));
  if (ctx.tfjs !== null && algo.tfjs !== undefined) {
    for (const b of ctx.tfjs.available) prepared.push(tfjsWorkload(ctx.tfjs, b, algo, shape, batch));
  }
  const samples = await timeInTurn(prepared, ctx.policy);
  await disposeAll(prepared);
  ctx.onRow?.(`overhead ${algo.label}`);
  return {
    shape: shape.label,
    algorithm: algo.label,
    elements: shape.count * shape.size,
    traffic: null,
    cells: cells(prepared, samples, batch),
    notes: [],
  };
}

const PROBE = fileURLToPath(new URL('./memory-probe.ts', import.meta.url));

interface ProbeOutput {
  readonly baselineRss: number;
  readonly peakRss: number;
  readonly stateElements: number;
  readonly elements: number;
}

/** Runs memory-probe.ts in a fresh Node process (through tsx, resolving workspace packages from source). */
function runProbe(algo: BenchAlgorithm, shape: Shape): ProbeOutput | string {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=@tsoptim/source', PROBE, algo.id, String(shape.count), String(shape.size)],
    {
      encoding: 'utf8',
      timeout: 120_000,
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    },
  );
  if (r.status !== 0) return (r.stderr || r.error?.message || 'failed').trim().split('\n').slice(-1)[0]!;
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as ProbeOutput;
  } catch {
    return `unreadable output: ${r.stdout.slice(0, 200)}`;
  }
}

/**
 * Optimizer memory of one algorithm at one shape, in a fresh Node process (so that every algorithm starts from
 * the same resident set): state bytes per parameter element (from the optimizer's state after 3 steps), the
 * process's peak RSS (sampled after allocating and after each step) and its growth over the RSS before the
 * parameters were allocated; torch's state bytes per parameter for comparison.
 */
export async function measureMemory(ctx: MeasureContext, algo: BenchAlgorithm, shape: Shape): Promise<MemoryRow> {
  const probe = runProbe(algo, shape);
  let torchBytes: number | null = null;
  const torch = ctx.torch[0];
  if (torch !== undefined && algo.torch) {
    const id = `t${torchIds++}`;
    if (await torch.prepare(id, algo.id, shape.count, shape.size)) {
      await torch.step(id, 1);
      const b = await torch.stateBytes(id);
      torchBytes = Number.isFinite(b) ? b : null;
    }
    await torch.drop(id);
  }
  ctx.onRow?.(`memory ${algo.label}`);
  if (typeof probe === 'string') {
    return {
      algorithm: algo.label,
      stateBytesPerParam: Number.NaN,
      torchStateBytesPerParam: torchBytes,
      peakRssMB: Number.NaN,
      rssGrowthMB: Number.NaN,
      expectedMB: Number.NaN,
      error: probe,
    };
  }
  const n = probe.elements;
  return {
    algorithm: algo.label,
    stateBytesPerParam: (probe.stateElements * 4) / n,
    torchStateBytesPerParam: torchBytes,
    peakRssMB: probe.peakRss / 2 ** 20,
    rssGrowthMB: (probe.peakRss - probe.baselineRss) / 2 ** 20,
    expectedMB: ((2 * n + probe.stateElements) * 4) / 2 ** 20,
  };
}
