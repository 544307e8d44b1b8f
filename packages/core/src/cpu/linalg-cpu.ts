import type { MatmulPlan, PermutePlan, RowsPlan } from '../kernel/linalg.js';
import type { Tensor } from '../tensor.js';
import type { WasmArena } from '../wasm/arena.js';
import { GEMM_DRIVE, type GemmExports, gemmModuleBytes, gemmScratchBytes, relaxedSimdAvailable, runGemm } from '../wasm/gemm-simd.js';
import type { ThreadPool } from '../wasm/thread-pool.js';
import type { CpuStorage } from './cpu-storage.js';
import { gemmJs } from './gemm-js.js';

function arr(t: Tensor): Float32Array {
  return (t.storage as CpuStorage).array;
}

/** Products of at least this many multiply-adds (m·n·k) are split across two threads when a helper runs. */
export const GEMM_THREAD_THRESHOLD = 1 << 20;

/**
 * The CPU backend's data-movement and matrix operations. Matmul runs the WebAssembly SIMD GEMM when every
 * tensor lives in the backend's memory (scratch for packed panels is one block of that memory, kept and
 * grown as needed), else the JavaScript product. With a helper thread, products of at least
 * {@link GEMM_THREAD_THRESHOLD} multiply-adds share their column panels between the two threads.
 */
export class CpuLinalg {
  private gemm: GemmExports | null = null;
  private module: WebAssembly.Module | null = null;
  private scratch: { ptr: number; bytes: number } | null = null;
  private registered: { pool: ThreadPool; id: number } | null = null;
  /** Products run by each path (a diagnostic for tests); `threaded` of the `simd` ones were split. */
  readonly counts = { simd: 0, threaded: 0, js: 0 };

  constructor(
    private readonly arena: WasmArena | null,
    private readonly simd: boolean,
    /** Use relaxed SIMD's multiply-add where the runtime validates it. */
    private readonly fma: boolean,
    /** The backend's helper thread (null on one thread) and a fresh module id for it. */
    private readonly threading: { pool(): ThreadPool | null; nextId(): number } = { pool: () => null, nextId: () => 0 },
  ) {}

  /** The scratch block (packed panels) held in the arena: 0 or 1 block of `scratchBytes`. */
  get scratchBytes(): number {
    return this.scratch?.bytes ?? 0;
  }

  /** True when the GEMM uses `f32x4.relaxed_madd`. */
  get usesFma(): boolean {
    return this.simd && this.fma && relaxedSimdAvailable();
  }

  private inArena(t: Tensor): boolean {
    const s = t.storage as CpuStorage;
    return s.arena === this.arena && s.arena !== null && s.ptr >= 0;
  }

  private exportsFor(): GemmExports {
    if (this.gemm === null) {
      const arena = this.arena!;
      const bytes = gemmModuleBytes({ fma: this.usesFma, shared: arena.shared });
      this.module = new WebAssembly.Module(bytes as BufferSource);
      this.gemm = new WebAssembly.Instance(this.module, { env: { memory: arena.memory } }).exports as unknown as GemmExports;
    }
    return this.gemm;
  }

  private scratchPtr(bytes: number): number {
    const arena = this.arena!;
    if (this.scratch === null || this.scratch.bytes < bytes) {
      if (this.scratch !== null) arena.release(this.scratch.ptr, this.scratch.bytes);
      const size = Math.max(bytes, (this.scratch?.bytes ?? 0) * 2, 1 << 16);
      this.scratch = { ptr: arena.allocate(size), bytes: size };
    }
    return this.scratch.ptr;
  }

  matmul(plan: MatmulPlan): void {
    const { m, n, k, a, b, out, bias, transA, transB, accumulate } = plan;
    if (m === 0 || n === 0) return;
    const simd = this.simd && this.arena !== null && this.inArena(a) && this.inArena(b) && this.inArena(out) && (bias === null || this.inArena(bias));
    if (!simd || k === 0) {
      this.counts.js++;
      gemmJs(arr(a), arr(b), arr(out), m, n, k, transA, transB, bias === null ? null : arr(bias), accumulate);
      return;
    }
    this.counts.simd++;
    const ex = this.exportsFor();
    const scratch = this.scratchPtr(gemmScratchBytes(n, k));
    let acc = accumulate;
    if (bias !== null) {
      const C = arr(out);
      const bv = arr(bias);
      if (accumulate) {
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) C[i * n + j] += bv[j]!;
      } else {
        for (let i = 0; i < m; i++) C.set(bv, i * n);
      }
      acc = true;
    }
    const ps = (t: Tensor): number => (t.storage as CpuStorage).ptr;
    const split = m * n * k >= GEMM_THREAD_THRESHOLD ? this.splitter(ex) : null;
    if (split !== null) this.counts.threaded++;
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
        accumulate: acc,
      },
      scratch,
      split,
    );
  }

  /** Runs `drive` here and on the helper thread at once, or null when no helper is ready. */
  private splitter(ex: GemmExports): ((here: number[], there: number[]) => void) | null {
    const pool = this.threading.pool();
    if (pool === null || !pool.ready) return null;
    if (this.registered === null || this.registered.pool !== pool) {
      const id = this.threading.nextId();
      pool.register(id, this.module!, GEMM_DRIVE);
      this.registered = { pool, id };
    }
    const id = this.registered.id;
    return (here, there) => pool.call(id, ex.drive, here, there);
  }

  permute(plan: PermutePlan): void {
    const src = arr(plan.src);
    const dst = arr(plan.out);
    const { shape, strides } = plan;
    const rank = shape.length;
    const total = dst.length;
    if (total === 0) return;
    if (rank === 0) {
      dst[0] = src[0]!;
      return;
    }
    // The innermost output dimension as a strided inner loop; the others as an odometer.
    const inner = shape[rank - 1]!;
    const si = strides[rank - 1]!;
    const idx = new Array<number>(rank).fill(0);
    let off = 0;
    for (let o = 0; o < total; o += inner) {
      for (let j = 0, s = off; j < inner; j++, s += si) dst[o + j] = src[s]!;
      for (let d = rank - 2; d >= 0; d--) {
        idx[d]!++;
        off += strides[d]!;
        if (idx[d]! < shape[d]!) break;
        off -= strides[d]! * shape[d]!;
        idx[d] = 0;
      }
    }
  }

  gatherRows(plan: RowsPlan): void {
    const src = arr(plan.src);
    const dst = arr(plan.out);
    const { indices, rowSize } = plan;
    if (rowSize === 1) {
      for (let r = 0; r < indices.length; r++) {
        const i = indices[r]!;
        dst[r] = i < 0 ? 0 : src[i]!;
      }
      return;
    }
    for (let r = 0; r < indices.length; r++) {
      const i = indices[r]!;
      if (i < 0) dst.fill(0, r * rowSize, (r + 1) * rowSize);
      else dst.set(src.subarray(i * rowSize, (i + 1) * rowSize), r * rowSize);
    }
  }

  scatterAddRows(plan: RowsPlan): void {
    const src = arr(plan.src);
    const dst = arr(plan.out);
    const { indices, rowSize } = plan;
    if (rowSize === 1) {
      for (let r = 0; r < indices.length; r++) {
        const i = indices[r]!;
        if (i >= 0) dst[i] += src[r]!;
      }
      return;
    }
    for (let r = 0; r < indices.length; r++) {
      if (indices[r]! < 0) continue;
      const d = indices[r]! * rowSize;
      const s = r * rowSize;
      for (let j = 0; j < rowSize; j++) dst[d + j] += src[s + j]!;
    }
  }
}
