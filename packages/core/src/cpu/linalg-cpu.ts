import type { MatmulPlan, PermutePlan, RowsPlan } from '../kernel/linalg.js';
import type { Tensor } from '../tensor.js';
import type { WasmArena } from '../wasm/arena.js';
import type { ThreadPool } from '../wasm/thread-pool.js';
import type { CpuStorage } from './cpu-storage.js';
import { gemmJs } from './gemm-js.js';

function arr(t: Tensor): Float32Array {
  return (t.storage as CpuStorage).array;
}

/** What a GEMM plugged into the CPU backend is given: the backend's memory, settings, thread and counters. */
export interface CpuGemmContext {
  readonly arena: WasmArena;
  /** Use relaxed SIMD's multiply-add where the runtime validates it. */
  readonly fma: boolean;
  /** The backend's helper thread (null on one thread). */
  pool(): ThreadPool | null;
  /** A fresh module id for the helper thread. */
  nextId(): number;
  /** The backend's matmul counters: the GEMM counts its own products in `simd` and `threaded`. */
  readonly counts: { simd: number; threaded: number; js: number };
}

/** A GEMM the CPU backend runs `matmul` with, for tensors in its memory (see `simdGemm`). */
export interface CpuGemm {
  /** Bytes of the backend's memory the GEMM holds as scratch (0 or 1 block). */
  readonly scratchBytes: number;
  /** True when the GEMM uses `f32x4.relaxed_madd`. */
  readonly usesFma: boolean;
  /** Runs `plan`, every tensor of which lives in the backend's memory. */
  matmul(plan: MatmulPlan): void;
}

/** Makes a {@link CpuGemm} for one backend. */
export type CpuGemmFactory = (context: CpuGemmContext) => CpuGemm;

/**
 * The CPU backend's data-movement and matrix operations. Matmul runs the plugged-in GEMM (the WebAssembly
 * SIMD one, `simdGemm`) when there is one and every tensor lives in the backend's memory, else the
 * JavaScript product.
 */
export class CpuLinalg {
  /** Products run by each path (a diagnostic for tests); `threaded` of the `simd` ones were split. */
  readonly counts = { simd: 0, threaded: 0, js: 0 };
  gemm: CpuGemm | null = null;

  constructor(private readonly arena: WasmArena | null) {}

  private inArena(t: Tensor | null): boolean {
    if (t === null) return true;
    const s = t.storage as CpuStorage;
    return s.arena === this.arena && s.arena !== null && s.ptr >= 0;
  }

  matmul(plan: MatmulPlan): void {
    const { m, n, k, a, b, out, bias, transA, transB, accumulate } = plan;
    if (m === 0 || n === 0) return;
    if (this.gemm !== null && k > 0 && this.inArena(a) && this.inArena(b) && this.inArena(out) && this.inArena(bias)) {
      this.gemm.matmul(plan);
      return;
    }
    this.counts.js++;
    gemmJs(arr(a), arr(b), arr(out), m, n, k, transA, transB, bias === null ? null : arr(bias), accumulate);
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
