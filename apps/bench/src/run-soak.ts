/**
 * The memory soak: the loops a user writes, run for many steps, with the process's memory sampled as they go
 * (RSS, the CPU backend's WebAssembly capacity, live tensor bytes and blocks; on gpu.js the live GL textures).
 * A loop that leaks shows live bytes growing from sample to sample; WebAssembly memory never shrinks, so its
 * capacity stays at the high-water mark of what the loop needed at once.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Backend, CpuBackend, type Parameter, memoryStats, parameter, tensor } from '@tsoptim/core';
import { Linear, ReLU, Sequential, crossEntropy, noGrad } from '@tsoptim/nn';
import { Adam } from '@tsoptim/optim';

/** The loops `pnpm soak` runs. */
export const SOAK_LOOPS = ['readme', 'using', 'view', 'nn', 'nograd', 'gpujs'] as const;
export type SoakLoop = (typeof SOAK_LOOPS)[number];

export interface SoakOptions {
  /** Steps per loop (default 100,000). */
  readonly steps?: number;
  /** Steps of the gpu.js loop (default 5,000: a step there costs milliseconds). */
  readonly gpujsSteps?: number;
  /** Samples per loop (default 10). */
  readonly samples?: number;
  readonly loops?: readonly SoakLoop[];
  /** Where lines go (default console.log). */
  readonly print?: (line: string) => void;
}

/** One sample of one loop. */
export interface SoakSample {
  readonly loop: SoakLoop;
  readonly step: number;
  readonly rssMiB: number;
  readonly capacityMiB: number;
  readonly liveMiB: number;
  readonly liveBlocks: number;
  readonly textures: number | null;
}

const MiB = 2 ** 20;
let gc: (() => void) | null = null;
function collect(): void {
  if (gc === null) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

interface Prepared {
  readonly backend: Backend;
  readonly step: (i: number) => void;
  readonly done?: () => Promise<void>;
  readonly flush?: () => Promise<void>;
  readonly textures?: () => number | null;
}

function readmeLoop(): Prepared {
  const backend = new CpuBackend();
  const params: Parameter[] = Array.from({ length: 100 }, () => parameter(new Float32Array(1000).fill(0.5), { backend }));
  const opt = new Adam(params, { lr: 1e-3 });
  const g = new Float32Array(1000);
  return {
    backend,
    step: (i) => {
      opt.zeroGrad();
      g.fill(i % 2 === 0 ? 0.01 : -0.02);
      for (const p of params) p.setGrad(g);
      opt.step();
    },
  };
}

function usingLoop(): Prepared {
  const backend = new CpuBackend();
  const params = Array.from({ length: 10 }, () => parameter(new Float32Array(1000).fill(0.5), { backend }));
  const opt = new Adam(params, { lr: 1e-3 });
  const host = new Float32Array(1000).fill(0.01);
  return {
    backend,
    step: () => {
      opt.zeroGrad();
      for (const p of params) {
        using batch = tensor(host, { backend });
        p.setGrad(batch);
      }
      opt.step();
    },
  };
}

function viewLoop(): Prepared {
  const backend = new CpuBackend();
  const w = parameter(new Float32Array(1000).fill(1), { backend });
  const opt = new Adam([w], { lr: 1e-3 });
  const view = w.data; // held for the whole run, read and written every step
  return {
    backend,
    step: (i) => {
      opt.zeroGrad();
      w.setGrad(view);
      opt.step();
      view[i % 1000] = 1;
      if (!Number.isFinite(view[(i + 1) % 1000]!)) throw new Error(`held view went stale at step ${i}`);
    },
  };
}

function nnLoop(): Prepared {
  const backend = new CpuBackend();
  const model = new Sequential(new Linear(64, 64, { seed: 1, backend }), new ReLU(), new Linear(64, 10, { seed: 2, backend }));
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const x = tensor(
    Float32Array.from({ length: 32 * 64 }, (_, i) => Math.sin(i)),
    { shape: [32, 64], backend },
  );
  const y = Array.from({ length: 32 }, (_, i) => i % 10);
  return {
    backend,
    step: () => {
      opt.zeroGrad();
      const loss = crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      loss.item();
    },
  };
}

function noGradLoop(): Prepared {
  const backend = new CpuBackend();
  const model = new Sequential(new Linear(64, 64, { seed: 1, backend }), new ReLU(), new Linear(64, 10, { seed: 2, backend }));
  const x = tensor(
    Float32Array.from({ length: 32 * 64 }, (_, i) => Math.sin(i)),
    { shape: [32, 64], backend },
  );
  return {
    backend,
    step: () => {
      const out = noGrad(() => model.forward(x));
      out.data[0];
    },
  };
}

async function gpujsLoop(): Promise<Prepared> {
  const { createGpuJsBackend } = await import('@tsoptim/backend-gpujs');
  const backend = await createGpuJsBackend({ mode: 'headlessgl' });
  const params = Array.from({ length: 10 }, () => parameter(new Float32Array(1000).fill(0.5), { backend }));
  const opt = new Adam(params, { lr: 1e-3 });
  const g = new Float32Array(1000);
  return {
    backend,
    step: (i) => {
      opt.zeroGrad();
      g.fill(i % 2 === 0 ? 0.01 : -0.02);
      for (const p of params) p.setGrad(g);
      opt.step();
    },
    flush: () => backend.flush(),
    textures: () => backend.memory().textures,
    done: () => backend.destroy(),
  };
}

const LABELS: Record<SoakLoop, string> = {
  readme: 'README quick start: zeroGrad / setGrad / Adam step, 100 params × 1,000',
  using: "per-step input tensors released with 'using', 10 params × 1,000",
  view: 'a held tensor.data view read and written every step',
  nn: 'nn MLP 64-64-10, batch 32, no tidy(): zeroGrad, forward, loss, backward, step, item',
  nograd: 'nn evaluation under noGrad, MLP 64-64-10, batch 32',
  gpujs: 'gpu.js (headlessgl): zeroGrad / setGrad / Adam step, 10 params × 1,000',
};

function pad(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

/** Runs the loops, printing one line per sample; returns every sample. */
export async function runSoak(options: SoakOptions = {}): Promise<SoakSample[]> {
  const print = options.print ?? ((l: string) => console.log(l));
  const loops = options.loops ?? SOAK_LOOPS.filter((l) => l !== 'gpujs');
  const out: SoakSample[] = [];
  for (const loop of loops) {
    const steps = loop === 'gpujs' ? (options.gpujsSteps ?? 5000) : (options.steps ?? 100_000);
    const every = Math.max(1, Math.floor(steps / (options.samples ?? 10)));
    const prepared =
      loop === 'gpujs'
        ? await gpujsLoop()
        : { readme: readmeLoop, using: usingLoop, view: viewLoop, nn: nnLoop, nograd: noGradLoop }[loop]();
    print(`\n${LABELS[loop]} — ${steps.toLocaleString('en-US')} steps`);
    print(
      `${pad('step', 9)}  ${pad('RSS MiB', 8)}  ${pad('capacity MiB', 12)}  ${pad('live MiB', 9)}  ${pad('live blocks', 11)}${prepared.textures ? '  GL textures' : ''}  ms/step`,
    );
    let last = performance.now();
    for (let i = 0; i < steps; i++) {
      prepared.step(i);
      if ((i + 1) % every === 0 || i === steps - 1) {
        await prepared.flush?.();
        const ms = (performance.now() - last) / every;
        collect();
        const m = memoryStats(prepared.backend);
        const s: SoakSample = {
          loop,
          step: i + 1,
          rssMiB: process.memoryUsage().rss / MiB,
          capacityMiB: m.capacity / MiB,
          liveMiB: m.liveBytes / MiB,
          liveBlocks: m.liveBlocks,
          textures: prepared.textures?.() ?? null,
        };
        out.push(s);
        print(
          `${pad(String(s.step), 9)}  ${pad(s.rssMiB.toFixed(1), 8)}  ${pad(s.capacityMiB.toFixed(2), 12)}  ${pad(s.liveMiB.toFixed(3), 9)}  ${pad(String(s.liveBlocks), 11)}${s.textures !== null ? `  ${pad(String(s.textures), 11)}` : ''}  ${ms.toFixed(3)}`,
        );
        last = performance.now();
      }
    }
    await prepared.done?.();
  }
  return out;
}
