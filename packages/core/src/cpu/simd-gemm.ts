/**
 * The CPU backend's WebAssembly SIMD GEMM, a part the backend runs `matmul` with once it is given it
 * (`new CpuBackend({ gemm: simdGemm })`, `backend.useGemm(simdGemm)` or `enableSimdGemm(backend)`, which nn
 * calls on the backend it computes on). Kept out of the backend itself so that a program without matrix
 * products (an optimizer alone) does not ship it; without it `matmul` runs the JavaScript product.
 */
import type { Backend } from '../backend.js';
import type { MatmulPlan } from '../kernel/linalg.js';
import type { Tensor } from '../tensor.js';
import { DOT_EXPORT, DOT_MAX_K, type DotFn, dotModuleBytes } from '../wasm/gemm-dot.js';
import { GEMM_DRIVE, type GemmExports, gemmModuleBytes, gemmScratchBytes, relaxedSimdAvailable, runGemm } from '../wasm/gemm-simd.js';
import type { ThreadPool } from '../wasm/thread-pool.js';
import { CpuBackend } from './cpu-backend.js';
import type { CpuStorage } from './cpu-storage.js';
import type { CpuGemm, CpuGemmContext, CpuGemmFactory } from './linalg-cpu.js';

/** Products of at least this many multiply-adds (m·n·k) are split across two threads when a helper runs. */
export const GEMM_THREAD_THRESHOLD = 1 << 20;

const ps = (t: Tensor): number => (t.storage as CpuStorage).ptr;

/** Dot-product modules kept per backend (one per depth k); the least recently compiled goes past this many. */
const DOT_MODULES = 32;

/** A dot-product module for one depth, and its id with the thread pool once registered there. */
interface DotModule {
  readonly module: WebAssembly.Module;
  readonly dot: DotFn;
  registered: { pool: ThreadPool; id: number } | null;
}

/**
 * Packed 4-row panels of op(A) and 8-column panels of op(B), a 4×8 f32x4 register tile, k split evenly into
 * blocks of at most 256, the bias added as C is written (scratch for packed panels is one block of the
 * backend's memory, kept and grown as needed). A product `A·Bᵀ` with both operands stored row-major and
 * `k ≤ 1024` (a linear layer's forward) skips the packing: dot products over rows, 4×2 tiles (gemm-dot.ts).
 * With a helper thread, products of at least {@link GEMM_THREAD_THRESHOLD} multiply-adds share their column
 * panels (or columns) between the two threads.
 */
class SimdGemm implements CpuGemm {
  private gemm: GemmExports | null = null;
  private module: WebAssembly.Module | null = null;
  private scratch: { ptr: number; bytes: number } | null = null;
  private registered: { pool: ThreadPool; id: number } | null = null;
  private readonly dots = new Map<number, DotModule>();
  readonly usesFma: boolean;

  constructor(private readonly ctx: CpuGemmContext) {
    this.usesFma = ctx.fma && relaxedSimdAvailable();
  }

  get scratchBytes(): number {
    return this.scratch?.bytes ?? 0;
  }

  private exportsFor(): GemmExports {
    if (this.gemm === null) {
      const arena = this.ctx.arena;
      const bytes = gemmModuleBytes({ fma: this.usesFma, shared: arena.shared });
      this.module = new WebAssembly.Module(bytes as BufferSource);
      this.gemm = new WebAssembly.Instance(this.module, { env: { memory: arena.memory } }).exports as unknown as GemmExports;
    }
    return this.gemm;
  }

  private scratchPtr(bytes: number): number {
    const arena = this.ctx.arena;
    if (this.scratch === null || this.scratch.bytes < bytes) {
      if (this.scratch !== null) arena.release(this.scratch.ptr, this.scratch.bytes);
      const size = Math.max(bytes, (this.scratch?.bytes ?? 0) * 2, 1 << 16);
      this.scratch = { ptr: arena.allocate(size), bytes: size };
    }
    return this.scratch.ptr;
  }

  private dotFor(k: number): DotModule {
    let d = this.dots.get(k);
    if (d === undefined) {
      const arena = this.ctx.arena;
      const module = new WebAssembly.Module(dotModuleBytes({ k, fma: this.usesFma, shared: arena.shared }) as BufferSource);
      const dot = new WebAssembly.Instance(module, { env: { memory: arena.memory } }).exports[DOT_EXPORT] as DotFn;
      if (this.dots.size >= DOT_MODULES) this.dots.delete(this.dots.keys().next().value!);
      d = { module, dot, registered: null };
      this.dots.set(k, d);
    }
    return d;
  }

  matmul(plan: MatmulPlan): void {
    const { m, n, k, a, b, out, bias, transA, transB, accumulate } = plan;
    const counts = this.ctx.counts;
    counts.simd++;
    if (transB && !transA && k <= DOT_MAX_K) {
      this.matmulDot(plan);
      return;
    }
    const ex = this.exportsFor();
    const scratch = this.scratchPtr(gemmScratchBytes(m, n, k));
    const split = m * n * k >= GEMM_THREAD_THRESHOLD ? this.splitter(ex) : null;
    if (split !== null) counts.threaded++;
    runGemm(
      ex,
      {
        m,
        n,
        k,
        a: ps(a),
        rsA: transA ? 4 : k * 4,
        csA: transA ? m * 4 : 4,
        b: ps(b),
        rsB: transB ? 4 : n * 4,
        csB: transB ? k * 4 : 4,
        c: ps(out),
        ldc: n * 4,
        accumulate,
        bias: bias === null ? 0 : ps(bias),
      },
      scratch,
      split,
    );
  }

  /** `A·Bᵀ` as dot products over rows (no packing); large ones split by columns with the helper thread. */
  private matmulDot({ m, n, k, a, b, out, bias, accumulate }: MatmulPlan): void {
    const d = this.dotFor(k);
    const args = [ps(a), ps(b), ps(out), n * 4, m, 0, n, accumulate ? 1 : 0, bias === null ? 0 : ps(bias)] as const;
    const pool = m * n * k >= GEMM_THREAD_THRESHOLD && n >= 4 ? this.ctx.pool() : null;
    if (pool === null || !pool.ready) {
      d.dot(...args);
      return;
    }
    if (d.registered === null || d.registered.pool !== pool) d.registered = { pool, id: this.register(pool, d.module, DOT_EXPORT) };
    this.ctx.counts.threaded++;
    // An even split: every output keeps the tile it has on one thread.
    const n1 = Math.ceil(n / 4) * 2;
    const here = [...args];
    here[6] = n1;
    const there = [...args];
    there[5] = n1;
    pool.call(d.registered.id, d.dot, here, there);
  }

  /** Registers `module`'s export `name` with the helper thread; returns its id. */
  private register(pool: ThreadPool, module: WebAssembly.Module, name: string): number {
    const id = this.ctx.nextId();
    pool.register(id, module, name);
    return id;
  }

  /** Runs `drive` here and on the helper thread at once, or null when no helper is ready. */
  private splitter(ex: GemmExports): ((here: number[], there: number[]) => void) | null {
    const pool = this.ctx.pool();
    if (pool === null || !pool.ready) return null;
    if (this.registered === null || this.registered.pool !== pool)
      this.registered = { pool, id: this.register(pool, this.module!, GEMM_DRIVE) };
    const id = this.registered.id;
    return (here, there) => pool.call(id, ex.drive, here, there);
  }
}

/**
 * The WebAssembly SIMD GEMM for {@link CpuBackend}'s `matmul` (about 35–40 GFLOP/s on one core; see
 * docs/architecture.md). Give it to a backend with `new CpuBackend({ gemm: simdGemm })` or
 * `backend.useGemm(simdGemm)`; without it `matmul` runs the JavaScript product.
 */
export const simdGemm: CpuGemmFactory = (context) => new SimdGemm(context);

/**
 * Gives `backend` the WebAssembly SIMD GEMM when it is a {@link CpuBackend} (once; later calls and other
 * backends: nothing). nn calls it on the backend of the tensors it multiplies. Returns `backend`.
 *
 * @example
 * enableSimdGemm(defaultBackend()).matmul({ a, b, out });
 */
export function enableSimdGemm<B extends Backend>(backend: B): B {
  if (backend instanceof CpuBackend) backend.useGemm(simdGemm);
  return backend;
}
