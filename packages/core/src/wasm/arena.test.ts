import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { Parameter } from '../parameter.js';
import { tensor, zeros } from '../tensor.js';
import { PAGE, WasmArena } from './arena.js';

describe('WasmArena', () => {
  it('allocates 16-byte aligned blocks and reuses freed ones first-fit', () => {
    const a = new WasmArena({ initialBytes: PAGE });
    const x = a.allocate(10);
    const y = a.allocate(100);
    const z = a.allocate(4);
    for (const p of [x, y, z]) expect(p % 16).toBe(0);
    expect(y).toBe(x + 16);
    expect(z).toBe(y + 112);
    a.release(y, 100);
    expect(a.freeBlocks).toBe(1);
    expect(a.allocate(50)).toBe(y); // first fit, split
    expect(a.allocate(40)).toBe(y + 64); // the rest of the hole
    expect(a.liveBlocks).toBe(4);
  });

  it('coalesces neighbours and lowers the top', () => {
    const a = new WasmArena({ initialBytes: PAGE });
    const b = [0, 1, 2, 3].map(() => a.allocate(64));
    a.release(b[1]!, 64);
    a.release(b[2]!, 64);
    expect(a.freeBlocks).toBe(1); // merged into one hole of 128 bytes
    expect(a.allocate(128)).toBe(b[1]);
    a.release(b[1]!, 128);
    a.release(b[3]!, 64); // the hole now reaches the top: the top comes down
    expect(a.freeBlocks).toBe(0);
    expect(a.allocate(16)).toBe(b[1]);
    expect(a.liveBytes).toBe(64 + 16);
  });

  it('staggers large blocks modulo 4 KiB', () => {
    const a = new WasmArena();
    const ps = [0, 1, 2, 3].map(() => a.allocate(1 << 20));
    const residues = new Set(ps.map((p) => p % 4096));
    expect(residues.size).toBe(4);
    for (const p of ps) expect(p % 16).toBe(0);
  });

  it('grows the memory and bumps the generation', () => {
    const a = new WasmArena({ initialBytes: PAGE });
    const g0 = a.generation;
    a.allocate(5 * PAGE);
    expect(a.capacity).toBeGreaterThanOrEqual(5 * PAGE);
    expect(a.generation).toBe(g0 + 1);
  });
});

describe('CPU backend storage in WebAssembly memory', () => {
  it('keeps tensor values across memory growth, with live views', () => {
    const backend = new CpuBackend();
    const t = tensor([1, 2, 3], { backend });
    const before = backend.memoryStats().capacity;
    const big = zeros([4 << 20], { backend }); // 16 MiB: forces growth
    expect(backend.memoryStats().capacity).toBeGreaterThan(before);
    expect(Array.from(t.data)).toEqual([1, 2, 3]);
    t.data[1] = 5;
    expect(Array.from(t.data)).toEqual([1, 5, 3]);
    expect(big.data.length).toBe(4 << 20);
    big.dispose();
    t.dispose();
  });

  it('frees on dispose, zero-fills reused blocks, and counts live storage', () => {
    const backend = new CpuBackend();
    const base = backend.memoryStats();
    const a = tensor([7, 7, 7, 7], { backend });
    const b = zeros([1000], { backend });
    expect(backend.memoryStats().liveBlocks).toBe(base.liveBlocks + 2);
    a.dispose();
    a.dispose(); // idempotent
    const c = zeros([4], { backend });
    expect(Array.from(c.data)).toEqual([0, 0, 0, 0]);
    b.dispose();
    c.dispose();
    expect(backend.memoryStats()).toMatchObject({ liveBlocks: base.liveBlocks, liveBytes: base.liveBytes });
    expect(() => a.data).toThrow('this tensor has been disposed');
  });

  it('reclaims storage of tensors dropped without dispose()', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const backend = new CpuBackend();
    const base = backend.memoryStats().liveBlocks;
    const kept = tensor([1, 2, 3], { backend });
    // A parameter shares the storage of the temporary tensor it wraps: dropping the temporary frees nothing.
    const param = new Parameter(tensor([4, 5, 6], { backend }));
    (() => {
      for (let i = 0; i < 50; i++) zeros([256], { backend });
    })();
    for (let i = 0; i < 20 && backend.memoryStats().liveBlocks > base + 2; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(backend.memoryStats().liveBlocks).toBe(base + 2);
    expect(Array.from(kept.data)).toEqual([1, 2, 3]);
    expect(Array.from(zeros([3], { backend }).data)).toEqual([0, 0, 0]);
    expect(Array.from(param.data)).toEqual([4, 5, 6]);
  });

  it('handles empty tensors', () => {
    const backend = new CpuBackend();
    const e = zeros([0, 3], { backend });
    expect(e.data.length).toBe(0);
    e.dispose();
  });
});
