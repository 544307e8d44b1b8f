import { F32, FuncBuilder, I32, Op, Simd, V128, encodeModule } from './encoder.js';
import { brIf, exitWhen } from './gemm-simd.js';

/**
 * The product `C[m×n] (+)= A[m×k] · B[n×k]ᵀ (+ bias)` of two row-major operands that are both contiguous along
 * `k` — a linear layer's forward, `x·Wᵀ` — as dot products, with no packing: every output is the sum of a row
 * of A times a row of B, four k steps per f32x4.
 *
 * A 4×2 register tile: per four steps of `k`, two vector loads from two rows of B, one from each of four rows
 * of A, and eight multiply-adds into eight accumulators (the same ratio of loads to arithmetic as the packed
 * GEMM's 4×8 tile, see gemm-simd.ts, without its packing pass over both operands). The four rows of A (4·k
 * floats) stay in L1 while every row pair of B streams past them. `k` is baked into the module (one module per
 * depth), so the rows of a tile are constant offsets from one pointer per operand; a depth that is not a
 * multiple of 4 ends with single-lane steps (`v128.load32_zero`). Each accumulator's four lanes are summed as
 * `(l0 + l1) + (l2 + l3)`, then the bias, then C's old value when accumulating. Rows past the last multiple of
 * 4 take 1×2 tiles, an odd last column 4×1 or 1×1.
 *
 * Export: `dot(a, b, c, ldc, m, j0, j1, acc, bias)` computes the columns `j0 ≤ j < j1` of every row (a second
 * thread takes the other columns with the same tiles, so a split product is bit-identical to one thread).
 * Addresses and `ldc` in bytes; `bias` is the address of n floats, or 0.
 */

/** Depths the dot-product form takes: four rows of A (16 KiB at most) stay in L1. */
export const DOT_MAX_K = 1024;

/** Name of the module's export. */
export const DOT_EXPORT = 'dot';

/** The exported function of a dot-product module. */
export type DotFn = (a: number, b: number, c: number, ldc: number, m: number, j0: number, j1: number, acc: number, bias: number) => void;

const DOT_PARAMS = 9;
const [A, B, C, LDC, M, J0, J1, ACC, BIAS] = [0, 1, 2, 3, 4, 5, 6, 7, 8] as const;

interface Locals {
  readonly i: number;
  readonly j: number;
  readonly pa: number;
  readonly p: number;
  readonly q: number;
  readonly kk: number;
  readonly cr: number;
  readonly s: number;
  readonly acc: readonly (readonly number[])[];
  readonly bv: readonly number[];
  readonly av: number;
}

/** `acc += a·b` on f32x4 locals: one relaxed multiply-add, or a multiply then an add. */
function madd(f: FuncBuilder, acc: number, a: number, b: number, fma: boolean): void {
  if (fma) f.get(a).get(b).get(acc).simd(Simd.f32x4RelaxedMadd).set(acc);
  else f.get(acc).get(a).get(b).simd(Simd.f32x4Mul).simd(Simd.f32x4Add).set(acc);
}

/**
 * One `rows × cols` tile at row pointer `pa`, column `j`: C[i + r][j + c] for r < rows, c < cols (`cr` must hold
 * the address of C[i][0]).
 */
function tile(f: FuncBuilder, L: Locals, k: number, rows: number, cols: number, fma: boolean): void {
  const ld = 4 * k;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) f.f32x4Const(0).set(L.acc[r]![c]!);
  f.get(L.pa).set(L.p);
  f.get(B).get(L.j).i32c(ld).op(Op.i32Mul).op(Op.i32Add).set(L.q);
  const step = (load: number, offset: number): void => {
    for (let c = 0; c < cols; c++)
      f.get(L.q)
        .mem(load, 2, c * ld + offset)
        .set(L.bv[c]!);
    for (let r = 0; r < rows; r++) {
      f.get(L.p)
        .mem(load, 2, r * ld + offset)
        .set(L.av);
      for (let c = 0; c < cols; c++) madd(f, L.acc[r]![c]!, L.av, L.bv[c]!, fma);
    }
  };
  const quads = k >> 2;
  if (quads > 0) {
    f.i32c(quads).set(L.kk);
    f.op(Op.loop).op(Op.blockVoid);
    step(Simd.load, 0);
    f.get(L.p).i32c(16).op(Op.i32Add).set(L.p);
    f.get(L.q).i32c(16).op(Op.i32Add).set(L.q);
    f.get(L.kk).i32c(1).op(Op.i32Sub).op(Op.localTee).code.u32(L.kk);
    brIf(f, 0);
    f.op(Op.end);
  }
  for (let t = 0; t < (k & 3); t++) step(Simd.load32Zero, 4 * t);
  // s += base[j + c] when `flag` (the bias address, or the accumulate switch, with C's row in cr)
  const addWhen = (flag: number, base: number, c: number): void => {
    f.get(flag).op(Op.if).op(Op.blockVoid);
    f.get(L.s)
      .get(base)
      .get(L.j)
      .i32c(2)
      .op(Op.i32Shl)
      .op(Op.i32Add)
      .memScalar(Op.f32Load, 2, 4 * c)
      .op(Op.f32Add)
      .set(L.s);
    f.op(Op.end);
  };
  // C[i + r][j + c] ← Σ lanes (+ bias[j + c]) (+ C[i + r][j + c])
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = L.acc[r]![c]!;
      for (const [l0, l1] of [
        [0, 1],
        [2, 3],
      ] as const) {
        f.get(x).simd(Simd.f32x4ExtractLane).code.byte(l0);
        f.get(x).simd(Simd.f32x4ExtractLane).code.byte(l1);
        f.op(Op.f32Add);
      }
      f.op(Op.f32Add).set(L.s);
      addWhen(BIAS, BIAS, c);
      addWhen(ACC, L.cr, c);
      f.get(L.cr)
        .get(L.j)
        .i32c(2)
        .op(Op.i32Shl)
        .op(Op.i32Add)
        .get(L.s)
        .memScalar(Op.f32Store, 2, 4 * c);
    }
    if (r + 1 < rows) f.get(L.cr).get(LDC).op(Op.i32Add).set(L.cr);
  }
}

/** Rows `i…` in groups of `rows` while a whole group fits: tiles of 2 columns, then a last single column. */
function rowGroups(f: FuncBuilder, L: Locals, k: number, rows: number, fma: boolean): void {
  exitWhen(
    f,
    () => f.get(L.i).i32c(rows).op(Op.i32Add).get(M).op(Op.i32GtS),
    () => {
      f.get(A)
        .get(L.i)
        .i32c(4 * k)
        .op(Op.i32Mul)
        .op(Op.i32Add)
        .set(L.pa);
      f.get(J0).set(L.j);
      const rowStart = (): void => {
        f.get(C).get(L.i).get(LDC).op(Op.i32Mul).op(Op.i32Add).set(L.cr);
      };
      exitWhen(
        f,
        () => f.get(L.j).i32c(2).op(Op.i32Add).get(J1).op(Op.i32GtS),
        () => {
          rowStart();
          tile(f, L, k, rows, 2, fma);
          f.get(L.j).i32c(2).op(Op.i32Add).set(L.j);
        },
      );
      f.get(L.j).get(J1).op(Op.i32LtS).op(Op.if).op(Op.blockVoid);
      rowStart();
      tile(f, L, k, rows, 1, fma);
      f.op(Op.end);
      f.get(L.i).i32c(rows).op(Op.i32Add).set(L.i);
    },
  );
}

/** The module's bytes for depth `k` (1 ≤ k): one export, `dot` (see the file's comment). */
export function dotModuleBytes(options: { k: number; fma: boolean; shared: boolean }): Uint8Array {
  const { k, fma } = options;
  const f = new FuncBuilder(new Array<number>(DOT_PARAMS).fill(I32), DOT_EXPORT);
  const L: Locals = {
    i: f.local(I32),
    j: f.local(I32),
    pa: f.local(I32),
    p: f.local(I32),
    q: f.local(I32),
    kk: f.local(I32),
    cr: f.local(I32),
    s: f.local(F32),
    acc: [0, 1, 2, 3].map(() => [f.local(V128), f.local(V128)]),
    bv: [f.local(V128), f.local(V128)],
    av: f.local(V128),
  };
  f.i32c(0).set(L.i);
  rowGroups(f, L, k, 4, fma);
  rowGroups(f, L, k, 1, fma);
  return encodeModule([f], { initialPages: 0, maximumPages: 65536, shared: options.shared });
}
