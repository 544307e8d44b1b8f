import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CpuBackend, type Parameter, parameter, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { Adam } from './index.js';

/** A full garbage collection before sampling the process's memory (enabled here, so no Node flag is needed). */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const MiB = 2 ** 20;

/**
 * What a per-step leak moves, sampled after a full collection: the JS heap's live bytes, ArrayBuffers outside
 * the arena, and the arena's live blocks, live bytes and capacity. RSS is reported, not checked: it includes the
 * young generation V8 reserves, which it resizes by its own heuristics (the semi-space doubles once the bytes
 * surviving scavenges add up to its capacity; each `tensor()` registered with the arena's FinalizationRegistry
 * makes ~0.3 MB survive every scavenge), so RSS moves by 0–17 MiB in a loop whose heap is flat, then plateaus.
 */
interface Sample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
  readonly capacity: number;
  readonly liveBytes: number;
  readonly liveBlocks: number;
}

function sample(backend: CpuBackend): Sample {
  collectGarbage();
  collectGarbage();
  const m = backend.memoryStats();
  const p = process.memoryUsage();
  return {
    rss: p.rss,
    heapUsed: p.heapUsed,
    arrayBuffers: p.arrayBuffers,
    capacity: m.capacity,
    liveBytes: m.liveBytes,
    liveBlocks: m.liveBlocks,
  };
}

/** Runs `steps` of `step`, sampling after `warm` steps (compiled kernels and JIT warm) and at the end. */
function soak(backend: CpuBackend, steps: number, warm: number, step: (i: number) => void): [Sample, Sample] {
  let first: Sample | null = null;
  for (let i = 0; i < steps; i++) {
    step(i);
    if (i === warm - 1) first = sample(backend);
  }
  return [first!, sample(backend)];
}

function report(label: string, [a, b]: [Sample, Sample]): string {
  const d = (x: number) => `${(x / MiB).toFixed(2)} MiB`;
  return `${label}: heap ${d(a.heapUsed)} → ${d(b.heapUsed)}, arrayBuffers ${d(a.arrayBuffers)} → ${d(b.arrayBuffers)}, wasm capacity ${d(a.capacity)} → ${d(b.capacity)}, live ${d(a.liveBytes)} (${a.liveBlocks} blocks) → ${d(b.liveBytes)} (${b.liveBlocks} blocks); RSS ${d(a.rss)} → ${d(b.rss)}`;
}

/**
 * The heap after a full collection varies by up to ~0.4 MiB between samples of a flat loop (code and feedback
 * the JIT keeps); 1 MiB over the soak's steps fails a leak of ≥ 55 bytes per step over 20k steps (one leaked
 * small object per parameter per step is ~10× that).
 */
const HEAP_SLACK = 1 * MiB;

function expectFlat(label: string, samples: [Sample, Sample]): void {
  const [a, b] = samples;
  const text = report(label, samples);
  console.info(`[soak] ${text}`);
  expect(b.liveBlocks, text).toBe(a.liveBlocks);
  expect(b.liveBytes, text).toBe(a.liveBytes);
  expect(b.capacity, text).toBe(a.capacity);
  expect(b.heapUsed - a.heapUsed, text).toBeLessThan(HEAP_SLACK);
  expect(b.arrayBuffers - a.arrayBuffers, text).toBeLessThan(HEAP_SLACK);
}

describe('memory soak: the README quick-start loop', () => {
  it('20k steps of zeroGrad / setGrad / Adam step on 100 parameters × 1,000 elements stay flat', () => {
    const backend = new CpuBackend();
    const params: Parameter[] = Array.from({ length: 100 }, (_, j) =>
      parameter(
        Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i + j)),
        { backend },
      ),
    );
    const opt = new Adam(params, { lr: 1e-3 });
    const g = new Float32Array(1000);
    const samples = soak(backend, 20_000, 500, (i) => {
      opt.zeroGrad();
      g.fill(i % 2 === 0 ? 0.01 : -0.02);
      for (const p of params) p.setGrad(g);
      opt.step();
    });
    expectFlat('README loop, 20k steps', samples);
    // 100 parameters, 100 gradients, 200 Adam state tensors.
    expect(samples[1].liveBlocks).toBe(400);
    expect(Number.isFinite(params[0]!.data[0]!)).toBe(true);
  }, 120_000);

  it("per-step input tensors released with 'using' keep the loop flat", () => {
    const backend = new CpuBackend();
    const params = Array.from({ length: 10 }, () => parameter(new Float32Array(1000).fill(0.5), { backend }));
    const opt = new Adam(params, { lr: 1e-3 });
    const host = new Float32Array(1000).fill(0.01);
    const samples = soak(backend, 20_000, 1_000, () => {
      opt.zeroGrad();
      for (const p of params) {
        using batch = tensor(host, { backend });
        p.setGrad(batch);
      }
      opt.step();
    });
    expectFlat("'using' inputs, 20k steps", samples);
  }, 60_000);

  it('a held tensor.data view is read and written across forced memory growth in a training loop', () => {
    const backend = new CpuBackend();
    const w = parameter(new Float32Array(1000).fill(1), { backend });
    const opt = new Adam([w], { lr: 0.1 });
    const view = w.data;
    const grown: { dispose(): void }[] = [];
    const capacity = backend.memoryStats().capacity;
    for (let step = 0; step < 50; step++) {
      opt.zeroGrad();
      w.setGrad(view.map((v) => 2 * v)); // reads through the held view
      opt.step();
      grown.push(tensor(new Float32Array(64 * 1024), { backend })); // grows the memory every few steps
      view[0] = 1; // a write through the held view reaches the parameter
      expect(w.data[0]).toBe(1);
    }
    expect(backend.memoryStats().capacity).toBeGreaterThan(capacity * 4);
    expect(view.every(Number.isFinite)).toBe(true);
    expect(view[0]).toBe(1);
    expect(view[1]).toBeLessThan(1); // Adam moved it toward 0
    expect(Array.from(view)).toEqual(Array.from(w.data));
    for (const t of grown) t.dispose();
  });
});
