import { describe, expect, it } from 'vitest';
import { CpuBackend } from './cpu/cpu-backend.js';
import { RuntimeError, TsoptimError } from './errors.js';
import { memoryStats } from './memory-stats.js';
import { Parameter, parameter } from './parameter.js';
import { type Tensor, disposeSymbol, tensor, zeros } from './tensor.js';

const MiB = 2 ** 20;

describe('held tensor.data views', () => {
  it('stay valid for reads and writes while a shared memory grows', () => {
    const backend = new CpuBackend();
    expect(backend.memoryStats().shared).toBe(true);
    const w = tensor([1, 2, 3, 4], { backend });
    const view = w.data;
    const capacity = backend.memoryStats().capacity;
    // Force several growths of the memory.
    const big = Array.from({ length: 4 }, () => zeros([2 * MiB], { backend }));
    expect(backend.memoryStats().capacity).toBeGreaterThan(capacity + 16 * MiB);
    expect(Array.from(view)).toEqual([1, 2, 3, 4]);
    view[2] = 30; // a write through the old view reaches the tensor
    expect(Array.from(w.data)).toEqual([1, 2, 30, 4]);
    w.fill_(7); // and a write to the tensor is seen through the old view
    expect(Array.from(view)).toEqual([7, 7, 7, 7]);
    for (const t of big) t.dispose();
  });

  it('make a non-shared memory refuse to grow, loudly and without side effects', () => {
    const backend = new CpuBackend({ sharedMemory: false, initialMemoryBytes: MiB });
    const w = tensor([1, 2, 3], { backend });
    const view = w.data;
    const before = backend.memoryStats();
    let error: unknown;
    try {
      zeros([MiB], { backend });
    } catch (e) {
      error = e;
    }
    expect(RuntimeError.isInstance(error) && (error as Error).name).toBe('RuntimeError');
    expect((error as Error).message).toMatch(/not shared.*detach.*cross-origin isolated.*initialMemoryBytes.*detachViewsOnGrowth/s);
    expect(backend.memoryStats()).toEqual(before);
    expect(Array.from(view)).toEqual([1, 2, 3]);
    // Memory that fits still allocates; reads that keep no view (item, toArray) do not count as views.
    expect(zeros([1000], { backend }).size).toBe(1000);
  });

  it('let a non-shared memory grow before any view was handed out, or when detaching is allowed', () => {
    const quiet = new CpuBackend({ sharedMemory: false, initialMemoryBytes: MiB });
    const a = tensor([5, 6], { backend: quiet });
    expect(a.toArray()).toEqual([5, 6]);
    expect(zeros([MiB], { backend: quiet }).size).toBe(MiB);
    expect(a.toArray()).toEqual([5, 6]); // re-derived after the growth
    const opted = new CpuBackend({ sharedMemory: false, initialMemoryBytes: MiB, detachViewsOnGrowth: true });
    const b = tensor([1, 2], { backend: opted });
    const view = b.data;
    zeros([MiB], { backend: opted });
    expect(view.length).toBe(0); // detached, as the option says
    expect(Array.from(b.data)).toEqual([1, 2]);
  });
});

describe('out of memory', () => {
  it('is a RuntimeError naming the live bytes, blocks and the likely cause, and changes nothing', () => {
    const backend = new CpuBackend({ maxMemoryBytes: 4 * MiB });
    const kept = Array.from({ length: 2 }, () => zeros([256 * 1024], { backend }));
    const before = backend.memoryStats();
    expect(() => zeros([3 * 256 * 1024], { backend })).toThrow(
      /CPU backend out of memory\. Tried to allocate 3\.00 MiB \(WebAssembly memory limit 4\.00 MiB; 2\.00 MiB live in 2 blocks;.*never released.*dispose\(\).*using.*tidy\(\).*memoryStats\(\)/s,
    );
    expect(backend.memoryStats()).toEqual(before);
    kept[0]!.dispose();
    expect(zeros([256 * 1024], { backend }).size).toBe(256 * 1024); // the freed block is reused
    try {
      zeros([4 * MiB], { backend });
    } catch (e) {
      expect(TsoptimError.isInstance(e)).toBe(true);
    }
  });
});

describe('releasing', () => {
  it('reuses freed blocks: 200k tensors made and disposed in a synchronous loop do not grow the memory', () => {
    const backend = new CpuBackend();
    for (let i = 0; i < 1000; i++) tensor(new Float32Array(256), { backend }).dispose();
    const warm = backend.memoryStats();
    for (let i = 0; i < 200_000; i++) {
      using t = zeros([256], { backend });
      t.data[0] = i;
    }
    const after = backend.memoryStats();
    expect(after.capacity).toBe(warm.capacity);
    expect(after.liveBlocks).toBe(warm.liveBlocks);
  });

  it("supports 'using' declarations (Symbol.dispose, or the compilers' fallback key)", () => {
    const backend = new CpuBackend();
    const before = backend.memoryStats().liveBlocks;
    let escaped: Tensor | null = null;
    {
      using x = tensor([1, 2, 3], { backend });
      escaped = x;
      expect(backend.memoryStats().liveBlocks).toBe(before + 1);
    }
    expect(escaped.isDisposed).toBe(true);
    expect(backend.memoryStats().liveBlocks).toBe(before);
    expect(disposeSymbol).toBe((Symbol as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose'));
    expect(typeof (zeros([1], { backend }) as unknown as Record<symbol, unknown>)[disposeSymbol]).toBe('function');
  });

  it('memoryStats() reports the default backend, and zeros for a backend without counters', () => {
    const s = memoryStats();
    expect(s.liveBytes).toBeGreaterThanOrEqual(0);
    expect(s.capacity).toBeGreaterThan(0);
    const bare = { ...new CpuBackend(), memoryStats: undefined } as unknown as CpuBackend;
    expect(memoryStats(bare)).toEqual({ liveBytes: 0, liveBlocks: 0, capacity: 0 });
  });
});

describe('gradient ownership', () => {
  const ptr = (t: Tensor) => (t.storage as { ptr: number }).ptr;

  it('setGrad writes into the existing gradient storage; clearGrad keeps it for the next gradient', () => {
    const backend = new CpuBackend();
    const p = parameter([1, 2, 3], { backend });
    p.setGrad([0.1, 0.2, 0.3]);
    const g = p.grad as Tensor;
    const at = ptr(g);
    p.setGrad([1, 1, 1]);
    expect(p.grad).toBe(g);
    expect(Array.from(g.data)).toEqual([1, 1, 1]);
    const blocks = backend.memoryStats().liveBlocks;
    p.clearGrad();
    expect(p.grad).toBeNull();
    expect(backend.memoryStats().liveBlocks).toBe(blocks); // kept, not left to the garbage collector
    p.setGrad([4, 5, 6]);
    const g2 = p.grad as Tensor;
    expect(g2).not.toBe(g);
    expect(ptr(g2)).toBe(at);
    expect(Array.from(g2.data)).toEqual([4, 5, 6]);
    expect(backend.memoryStats().liveBlocks).toBe(blocks);
  });

  it('a cleared gradient throws on use instead of showing the next gradient', () => {
    const p = parameter([1, 2]);
    p.setGrad([3, 4]);
    const old = p.grad as Tensor;
    const copy = old.clone();
    p.clearGrad();
    p.setGrad([5, 6]);
    expect(() => old.data).toThrow(/released.*zeroGrad\(\).*clone\(\)/);
    expect(() => old.fill_(0)).toThrow(RuntimeError);
    expect(old.isDisposed).toBe(true);
    expect(Array.from(copy.data)).toEqual([3, 4]);
    expect(Array.from((p.grad as Tensor).data)).toEqual([5, 6]);
  });

  it('setGrad copies a tensor (the caller keeps owning it)', () => {
    const p = parameter([1, 2]);
    const src = tensor([7, 8]);
    p.setGrad(src);
    expect(p.grad).not.toBe(src);
    src.fill_(0);
    expect(Array.from((p.grad as Tensor).data)).toEqual([7, 8]);
    src.dispose();
    expect(Array.from((p.grad as Tensor).data)).toEqual([7, 8]);
    expect(() => p.setGrad(tensor([1, 2, 3]))).toThrow(/gradient of shape \[3\] for a parameter of shape \[2\]/);
    expect(Array.from((p.grad as Tensor).data)).toEqual([7, 8]);
  });

  it('a plain assignment keeps torch reference semantics: a saved gradient stays intact', () => {
    const p = parameter([1, 2]);
    p.setGrad([3, 4]);
    const saved = p.grad as Tensor;
    p.grad = null;
    p.setGrad([9, 9]);
    expect(Array.from(saved.data)).toEqual([3, 4]);
    const fresh = p.grad as unknown as Tensor; // setGrad replaced the null (TypeScript narrowed it)
    p.grad = saved;
    expect(Array.from((p.grad as Tensor).data)).toEqual([3, 4]);
    expect(Array.from(fresh.data)).toEqual([9, 9]);
    // A user's tensor assigned as the gradient is never freed or reused by the parameter.
    const mine = tensor([1, 1]);
    p.grad = mine;
    p.clearGrad();
    expect(mine.isDisposed).toBe(false);
  });

  it('dispose frees the parameter, its gradient and the kept storage', () => {
    const backend = new CpuBackend();
    const before = backend.memoryStats().liveBlocks;
    const p = new Parameter(tensor([1, 2, 3], { backend }));
    p.setGrad([1, 1, 1]);
    p.clearGrad();
    p.setGrad([2, 2, 2]);
    expect(backend.memoryStats().liveBlocks).toBe(before + 2);
    p.dispose();
    expect(backend.memoryStats().liveBlocks).toBe(before);
  });
});
