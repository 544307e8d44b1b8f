import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { defineKernel } from '../kernel/define.js';
import * as k from '../kernel/expr.js';
import { tensor } from '../tensor.js';
import { simdAvailable } from './compile-simd.js';
import { threadsAvailable } from './threads-env.js';

const kern = defineKernel({
  name: 'thr',
  inputs: ['p', 'g', 'c'],
  scalars: ['lr'],
  outputs: ['p', 'g'],
  body: ({ p, g, c }, { lr }) => ({ p: k.sub(p, k.div(k.mul(lr, g), k.add(k.sqrt(k.abs(p)), c))), g: k.select(k.gt(g, 0), g, k.neg(g)) }),
});

async function ready(b: CpuBackend): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const before = b.pathCounts().threaded;
    const probe = tensor(new Float32Array(128), { backend: b });
    b.run(kern, { tensors: { p: probe, g: probe, c: tensor([1], { backend: b }) }, scalars: { lr: 0 } });
    if (b.pathCounts().threaded > before) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('helper thread did not start');
}

describe.skipIf(!simdAvailable() || !threadsAvailable())('two threads over a shared memory', () => {
  it('gives the same results as one thread, for every length around the split', async () => {
    const two = new CpuBackend({ simd: true, threads: 2, threadThreshold: 64 });
    const one = new CpuBackend({ simd: true, threads: 1 });
    expect(two.threads).toBe(2);
    await ready(two);
    const start = two.pathCounts().threaded;
    for (const n of [64, 65, 100, 127, 1000, 4099]) {
      const p0 = Array.from({ length: n }, (_, i) => Math.cos(i) * 3);
      const g0 = Array.from({ length: n }, (_, i) => Math.sin(i * 1.7));
      const out = [one, two].map((b) => {
        const p = tensor(p0, { backend: b });
        const g = tensor(g0, { backend: b });
        const c = tensor([0.5], { backend: b });
        for (let s = 0; s < 3; s++) b.run(kern, { tensors: { p, g, c }, scalars: { lr: 0.1 } });
        return [Array.from(p.data), Array.from(g.data)];
      });
      expect(out[1]).toEqual(out[0]);
    }
    expect(two.pathCounts().threaded - start).toBe(18);
    // Small runs stay on the calling thread.
    const small = tensor([1, 2, 3], { backend: two });
    two.run(kern, { tensors: { p: small, g: small, c: small.clone() }, scalars: { lr: 0 } });
    expect(two.pathCounts().threaded - start).toBe(18);
    two.dispose();
    expect(two.threads).toBe(1);
    const after = tensor(new Float32Array(1000).fill(4), { backend: two });
    two.run(kern, {
      tensors: { p: after, g: tensor(new Float32Array(1000).fill(1), { backend: two }), c: tensor([0], { backend: two }) },
      scalars: { lr: 1 },
    });
    expect(after.data[999]).toBe(3.5);
  });
});
