import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CpuBackend, type Tensor, parameter, setDefaultBackend, tensor } from '@tsoptim/core';
import { Adam } from '@tsoptim/optim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Linear, ReLU, Sequential, crossEntropy, keep, mul, noGrad, relu, sum, tidy } from './index.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const MiB = 2 ** 20;

let backend: CpuBackend;
let previous: ReturnType<typeof setDefaultBackend>;
beforeAll(() => {
  backend = new CpuBackend();
  previous = setDefaultBackend(backend);
});
afterAll(() => {
  setDefaultBackend(previous);
});

function stats(): { rss: number; heap: number; capacity: number; liveBytes: number; liveBlocks: number } {
  collectGarbage();
  const m = backend.memoryStats();
  const p = process.memoryUsage();
  return { rss: p.rss, heap: p.heapUsed, capacity: m.capacity, liveBytes: m.liveBytes, liveBlocks: m.liveBlocks };
}

/** Empties the automatic release's pools (two top-level noGrad calls, two backward passes inside tidy). */
function settle(): void {
  const w = parameter([1]);
  for (let i = 0; i < 2; i++) {
    noGrad(() => 0);
    tidy(() => sum(mul(w, 1)).backward());
  }
  w.dispose();
}

function mlp(): Sequential {
  return new Sequential(new Linear(64, 64, { seed: 1 }), new ReLU(), new Linear(64, 10, { seed: 2 }));
}

const x = () =>
  tensor(
    Float32Array.from({ length: 32 * 64 }, (_, i) => Math.sin(i)),
    { shape: [32, 64] },
  );
const y = Array.from({ length: 32 }, (_, i) => i % 10);

describe('memory soak: nn without tidy()', () => {
  it('5k torch-style steps (zeroGrad, forward, loss, backward, step, item) on a 64-64-10 MLP stay flat', () => {
    const model = mlp();
    const opt = new Adam(model.parameters(), { lr: 1e-3 });
    const input = x();
    let first = stats();
    let firstLoss = 0;
    let loss = 0;
    for (let step = 0; step < 5000; step++) {
      opt.zeroGrad();
      const l = crossEntropy(model.forward(input), y);
      l.backward();
      opt.step();
      loss = l.item();
      if (step === 0) firstLoss = loss;
      if (step === 99) first = stats();
    }
    const last = stats();
    const mb = (b: number) => (b / MiB).toFixed(1);
    const msg = `live ${first.liveBytes} → ${last.liveBytes} bytes (${first.liveBlocks} → ${last.liveBlocks} blocks), capacity ${first.capacity} → ${last.capacity}, JS heap ${mb(first.heap)} → ${mb(last.heap)} MiB, RSS ${mb(first.rss)} → ${mb(last.rss)} MiB`;
    console.info(`[soak] nn loop, 5k steps: ${msg}`);
    expect(last.liveBlocks, msg).toBe(first.liveBlocks);
    expect(last.liveBytes, msg).toBe(first.liveBytes);
    expect(last.capacity, msg).toBe(first.capacity);
    expect(last.heap - first.heap, msg).toBeLessThan(2 * MiB);
    // RSS also moves with the JIT's code and the allocator's free lists (measured: up to ~30 MiB over 5k
    // steps with flat heaps); the leak this guards against added 416 MiB.
    expect(last.rss - first.rss, msg).toBeLessThan(64 * MiB);
    expect(loss).toBeLessThan(firstLoss);
  }, 120_000);

  it('evaluation under noGrad stays flat, and each result stays readable until the second noGrad after it', () => {
    const model = mlp();
    const input = x();
    const results: number[] = [];
    let first = stats();
    let prev: ReturnType<typeof model.forward> | null = null;
    for (let i = 0; i < 2000; i++) {
      const out = noGrad(() => model.forward(input));
      if (prev !== null) results.push(prev.data[0]!); // the result of the call before is still readable
      prev = out;
      if (i === 9) first = stats();
    }
    const last = stats();
    expect(last.liveBlocks).toBe(first.liveBlocks);
    expect(last.capacity).toBe(first.capacity);
    expect(new Set(results).size).toBe(1);
    const held = noGrad(() => model.forward(input));
    noGrad(() => model.forward(input));
    noGrad(() => model.forward(input));
    expect(() => held.data).toThrow(/released by a later noGrad\(\).*keep\(v\)/);
  });
});

describe('what backward() releases', () => {
  it('values of a consumed graph stay readable until the next backward(), then throw with the rule', () => {
    const w = parameter([1, 2, 3]);
    const h = mul(w, w);
    const loss = sum(h);
    loss.backward();
    expect(loss.item()).toBe(14);
    expect(Array.from(h.data)).toEqual([1, 4, 9]);
    w.clearGrad();
    sum(mul(w, 2)).backward(); // the next step's backward() releases the graph of this one
    expect(() => loss.item()).toThrow(/released by backward\(\).*keep\(v\)/);
    expect(() => h.data).toThrow(/released by backward\(\)/);
  });

  it('keep() takes a value out of the release; dispose() and using release it at once', () => {
    const w = parameter([1, 2]);
    const kept = keep(noGrad(() => mul(w, 3)));
    for (let i = 0; i < 3; i++) sum(mul(kept, w)).backward();
    expect(Array.from(kept.data)).toEqual([3, 6]);
    settle();
    const before = backend.memoryStats().liveBlocks;
    {
      using tmp = noGrad(() => relu(w));
      expect(Array.from(tmp.data)).toEqual([1, 2]);
    }
    expect(backend.memoryStats().liveBlocks).toBe(before);
    kept.dispose();
    expect(backend.memoryStats().liveBlocks).toBe(before - 1);
    w.dispose();
  });

  it('retainGraph keeps the graph: a second backward through it works', () => {
    const w = parameter([1, 2]);
    const loss = sum(mul(w, w));
    loss.backward({ retainGraph: true });
    loss.backward();
    expect(Array.from((w.grad as Tensor).data)).toEqual([4, 8]);
    expect(() => loss.backward()).toThrow(/backward through the graph a second time/);
  });

  it('three losses from one forward: retainGraph on all but the last backward()', () => {
    const w = parameter([1, 2]);
    for (let step = 0; step < 3; step++) {
      w.clearGrad();
      const h = mul(w, w);
      const losses = [sum(h), sum(mul(h, 2)), sum(mul(h, 3))];
      losses[0]!.backward({ retainGraph: true });
      losses[1]!.backward({ retainGraph: true });
      losses[2]!.backward();
      expect(Array.from((w.grad as Tensor).data)).toEqual([12, 24]); // (1 + 2 + 3) · 2w
    }
  });

  it('a backward pass leaves only the gradient in the parameter (its temporaries are released at once)', () => {
    const w = parameter([1, 2, 3]);
    sum(mul(w, w)).backward();
    w.clearGrad();
    settle();
    tidy(() => {
      const loss = sum(mul(w, w));
      const blocks = backend.memoryStats().liveBlocks;
      loss.backward(); // the gradient goes into the parameter's kept storage; the pass's temporaries go at once
      expect(backend.memoryStats().liveBlocks).toBe(blocks);
    });
    expect(Array.from((w.grad as Tensor).data)).toEqual([2, 4, 6]);
  });
});
