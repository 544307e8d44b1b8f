import { Parameter, type Tensor, memoryStats, tensor } from '@tsoptim/core';
import { Adam } from '@tsoptim/optim';
import { describe, expect, it } from 'vitest';
import { createGpuJsBackend } from './index.js';
import { gpuTestMode } from './internal/test-modes.js';

const gpuMode = await gpuTestMode();
const run = gpuMode.available || gpuMode.required ? describe : describe.skip;

/**
 * The README's loop on the device: `zeroGrad()` (set to none), a gradient from the host, `step()`. The
 * parameter keeps its gradient storage across `zeroGrad()`, so after the first step no tensor storage is
 * created and every replaced texture is deleted: the live texture count stays flat.
 */
run('gradients on the gpu.js backend (headlessgl)', () => {
  it('zeroGrad / setGrad / step for 1,000 steps: texture count, tensors and device bytes flat', async () => {
    const backend = await createGpuJsBackend({ mode: 'headlessgl' });
    const params = Array.from(
      { length: 10 },
      (_, j) =>
        new Parameter(
          tensor(
            Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i + j)),
            { backend },
          ),
        ),
    );
    const opt = new Adam(params, { lr: 1e-3 });
    const g = new Float32Array(1000);
    const samples: { textures: number; tensors: number; bytes: number }[] = [];
    for (let step = 1; step <= 1000; step++) {
      opt.zeroGrad();
      g.fill(step % 2 === 0 ? 0.01 : -0.02);
      for (const p of params) p.setGrad(g);
      opt.step();
      if (step % 250 === 0) {
        await backend.flush();
        const m = backend.memory();
        samples.push({ textures: m.textures ?? -1, tensors: m.tensors, bytes: m.bytes });
      }
    }
    console.info(`[soak] gpu.js README loop, steps 250/500/750/1000: ${JSON.stringify(samples)}`);
    expect(new Set(samples.map((s) => s.textures)).size, JSON.stringify(samples)).toBe(1);
    expect(new Set(samples.map((s) => s.tensors)).size).toBe(1);
    expect(samples[0]!.tensors).toBe(40); // 10 parameters, 10 gradients, 20 Adam state tensors
    expect(memoryStats(backend)).toEqual({ liveBlocks: 40, liveBytes: samples[3]!.bytes, capacity: samples[3]!.bytes });
    expect((await params[0]!.read()).every(Number.isFinite)).toBe(true);
    await backend.destroy();
  }, 120_000);

  it("per-step device inputs released with 'using', and a cleared gradient's storage reused", async () => {
    const backend = await createGpuJsBackend({ mode: 'headlessgl' });
    const p = new Parameter(tensor([1, 2, 3, 4], { backend }));
    const opt = new Adam([p], { lr: 0.1 });
    let textures: number[] = [];
    let stale: Tensor | null = null;
    for (let step = 1; step <= 300; step++) {
      opt.zeroGrad();
      {
        using batch = tensor([0.5, -0.5, 1, -1], { backend });
        p.setGrad(batch);
      }
      if (step === 1) stale = p.grad as Tensor;
      opt.step();
      if (step % 100 === 0) {
        await backend.flush();
        textures = [...textures, backend.memory().textures ?? -1];
      }
    }
    expect(new Set(textures).size, `textures at 100/200/300: ${textures}`).toBe(1);
    expect(backend.memory().tensors).toBe(4);
    expect(() => stale!.read()).toThrow(/zeroGrad/);
    expect(Array.from(await (p.grad as Tensor).read())).toEqual([0.5, -0.5, 1, -1]);
    await backend.destroy();
  }, 60_000);
});
