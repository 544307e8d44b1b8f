import { FuncBuilder, I32, Op, Simd, V128, encodeModule } from './encoder.js';

/**
 * A single-precision GEMM in WebAssembly SIMD, emitted with the module encoder (no external assembler):
 * `C[m×n] (+)= op(A)[m×k] · op(B)[k×n]` over operands addressed by row and column strides in one memory.
 *
 * The structure is XNNPACK's f32 GEMM for 128-bit vectors:
 *
 * - **Packing.** `op(B)` is copied once per call into panels of {@link GEMM_NR} = 8 columns, each panel `k`
 *   rows of 8 contiguous floats (the tail panel zero-padded). Any layout of B packs the same way, so a
 *   transposed B costs about what a plain one does: a row-major B copies two vectors per row, a transposed
 *   one loads a vector of four steps of k per column and transposes 4×4 blocks with shuffles.
 * - **Micro-kernel.** A `mr × 8` register tile (`mr ≤` {@link GEMM_MR}): per step of `k`, two vector loads of
 *   the packed panel, one broadcast load (`v128.load32_splat`) per row of A, and `2·mr` multiply-adds into
 *   `2·mr` accumulators that stay in registers for the whole block. A is read in place through its strides,
 *   so a transposed A needs no copy either.
 * - **Blocking.** `k` is split into blocks of {@link GEMM_KC} so a panel block (8 KiB) and the rows of A it
 *   meets stay in L1; the first block writes C (or adds to it), the following ones add.
 * - **FMA.** With relaxed SIMD (`f32x4.relaxed_madd`, detected at run time by validating a module that uses
 *   it), each multiply-add is one instruction where the hardware fuses it; otherwise a multiply then an add,
 *   each rounded to float32 (the exact fallback). Either way the result is a float32 GEMM: the sums differ
 *   from a float64 reference by rounding only.
 *
 * Exports: `k1..k{MR}` (micro-kernels), `panel` (all rows of one panel block), `pack`, `drive` (a whole
 * product, or one thread's share of its panels).
 */

/** Rows of the register tile. */
export const GEMM_MR = 4;
/** Columns of the register tile (two f32x4 vectors) and of a packed panel. */
export const GEMM_NR = 8;
/** Depth of one k-block. */
export const GEMM_KC = 256;

/** Index of `panel` and `pack` among the module's functions. */
const PANEL = GEMM_MR;

function brIf(f: FuncBuilder, depth: number): void {
  f.op(Op.brIf).code.u32(depth);
}

function br(f: FuncBuilder, depth: number): void {
  f.op(Op.br).code.u32(depth);
}

/** `i8x16.shuffle` of two vectors by f32 lanes (0–3: the first operand, 4–7: the second). */
function shuffle32(f: FuncBuilder, lanes: readonly [number, number, number, number]): void {
  f.simd(Simd.i8x16Shuffle);
  for (const l of lanes) f.code.bytes([4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
}

function f32Zero(f: FuncBuilder): void {
  f.op(Op.f32Const).code.bytes([0, 0, 0, 0]);
}

/**
 * `k{mr}(a, rsA, csA, b, c, ldc, kc, nr, acc, scratch)`: the `mr × 8` tile of C at byte address `c` (row
 * stride `ldc` bytes) gets `Σ_p A[r, p] · panel[p]` over `kc` steps; A's element (r, p) is at
 * `a + r·rsA + p·csA`; the panel at `b` holds `kc` rows of 8 floats. `nr < 8` writes only the first `nr`
 * columns (through `scratch`, 32·mr bytes); `acc ≠ 0` adds to C instead of overwriting it.
 */
function microKernel(mr: number, fma: boolean): FuncBuilder {
  const f = new FuncBuilder(new Array<number>(10).fill(I32), `k${mr}`);
  const [A, RSA, CSA, B, C, LDC, KC, NR, ACC, SCR] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
  const ar: number[] = [];
  for (let r = 0; r < mr; r++) ar.push(f.local(I32));
  const cr = f.local(I32);
  const j = f.local(I32);
  const addr = f.local(I32);
  const acc: [number, number][] = [];
  for (let r = 0; r < mr; r++) acc.push([f.local(V128), f.local(V128)]);
  const b0 = f.local(V128);
  const b1 = f.local(V128);
  const av = f.local(V128);
  for (let r = 0; r < mr; r++) {
    f.get(A);
    if (r > 0) f.get(RSA).i32c(r).op(Op.i32Mul).op(Op.i32Add);
    f.set(ar[r]!);
  }
  // for (; kc != 0; kc--) { ... }
  f.op(Op.block).op(Op.blockVoid);
  f.get(KC).op(Op.i32Eqz);
  brIf(f, 0);
  f.op(Op.loop).op(Op.blockVoid);
  f.get(B).mem(Simd.load, 4, 0).set(b0);
  f.get(B).mem(Simd.load, 4, 16).set(b1);
  for (let r = 0; r < mr; r++) {
    f.get(ar[r]!).mem(Simd.load32Splat, 2, 0).set(av);
    for (let h = 0; h < 2; h++) {
      const bv = h === 0 ? b0 : b1;
      const x = acc[r]![h]!;
      if (fma) f.get(av).get(bv).get(x).simd(Simd.f32x4RelaxedMadd).set(x);
      else f.get(x).get(av).get(bv).simd(Simd.f32x4Mul).simd(Simd.f32x4Add).set(x);
    }
    f.get(ar[r]!).get(CSA).op(Op.i32Add).set(ar[r]!);
  }
  f.get(B).i32c(32).op(Op.i32Add).set(B);
  f.get(KC).i32c(1).op(Op.i32Sub).op(Op.localTee).code.u32(KC);
  brIf(f, 0);
  f.op(Op.end);
  f.op(Op.end);
  // Store the tile.
  f.get(NR).i32c(GEMM_NR).op(Op.i32Eq).op(Op.if).op(Op.blockVoid);
  f.get(C).set(cr);
  for (let r = 0; r < mr; r++) {
    const [x0, x1] = acc[r]!;
    f.get(ACC).op(Op.if).op(Op.blockVoid);
    f.get(x0).get(cr).mem(Simd.load, 4, 0).simd(Simd.f32x4Add).set(x0);
    f.get(x1).get(cr).mem(Simd.load, 4, 16).simd(Simd.f32x4Add).set(x1);
    f.op(Op.end);
    f.get(cr).get(x0).mem(Simd.store, 4, 0);
    f.get(cr).get(x1).mem(Simd.store, 4, 16);
    if (r + 1 < mr) f.get(cr).get(LDC).op(Op.i32Add).set(cr);
  }
  f.op(Op.else);
  for (let r = 0; r < mr; r++) {
    f.get(SCR)
      .get(acc[r]![0]!)
      .mem(Simd.store, 4, r * 32);
    f.get(SCR)
      .get(acc[r]![1]!)
      .mem(Simd.store, 4, r * 32 + 16);
  }
  f.get(C).set(cr);
  for (let r = 0; r < mr; r++) {
    f.i32c(0).set(j);
    f.op(Op.block).op(Op.blockVoid);
    f.op(Op.loop).op(Op.blockVoid);
    f.get(j).get(NR).op(Op.i32GeS);
    brIf(f, 1);
    f.get(cr).get(j).i32c(2).op(Op.i32Shl).op(Op.i32Add).set(addr);
    f.get(addr);
    // tile + C[addr] when accumulating, else tile
    f.get(SCR)
      .get(j)
      .i32c(2)
      .op(Op.i32Shl)
      .op(Op.i32Add)
      .memScalar(Op.f32Load, 2, r * 32);
    f.get(addr).memScalar(Op.f32Load, 2, 0).op(Op.f32Add);
    f.get(SCR)
      .get(j)
      .i32c(2)
      .op(Op.i32Shl)
      .op(Op.i32Add)
      .memScalar(Op.f32Load, 2, r * 32);
    f.get(ACC).op(Op.select);
    f.memScalar(Op.f32Store, 2, 0);
    f.get(j).i32c(1).op(Op.i32Add).set(j);
    br(f, 0);
    f.op(Op.end);
    f.op(Op.end);
    if (r + 1 < mr) f.get(cr).get(LDC).op(Op.i32Add).set(cr);
  }
  f.op(Op.end);
  return f;
}

/**
 * `panel(a, rsA, csA, b, c, ldc, m, kc, nr, acc, scratch)`: every row of one panel block, `GEMM_MR` rows per
 * micro-kernel call, then the remaining rows with the matching smaller kernel.
 */
function panelFunc(): FuncBuilder {
  const f = new FuncBuilder(new Array<number>(11).fill(I32), 'panel');
  const [A, RSA, CSA, B, C, LDC, M, KC, NR, ACC, SCR] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
  const args = (): void => {
    f.get(A).get(RSA).get(CSA).get(B).get(C).get(LDC).get(KC).get(NR).get(ACC).get(SCR);
  };
  f.op(Op.block).op(Op.blockVoid);
  f.op(Op.loop).op(Op.blockVoid);
  f.get(M).i32c(GEMM_MR).op(Op.i32LtS);
  brIf(f, 1);
  args();
  f.call(GEMM_MR - 1);
  f.get(A).get(RSA).i32c(GEMM_MR).op(Op.i32Mul).op(Op.i32Add).set(A);
  f.get(C).get(LDC).i32c(GEMM_MR).op(Op.i32Mul).op(Op.i32Add).set(C);
  f.get(M).i32c(GEMM_MR).op(Op.i32Sub).set(M);
  br(f, 0);
  f.op(Op.end);
  f.op(Op.end);
  for (let t = 1; t < GEMM_MR; t++) {
    f.get(M).i32c(t).op(Op.i32Eq).op(Op.if).op(Op.blockVoid);
    args();
    f.call(t - 1);
    f.op(Op.end);
  }
  return f;
}

/**
 * `pack(src, rsB, csB, dst, k, n)`: `op(B)` (element (p, j) at `src + p·rsB + j·csB`) into panels of 8
 * columns at `dst`: panel `q` holds `k` rows of 8 floats (columns `8q…8q+7`, zeros past `n`).
 */
function packFunc(): FuncBuilder {
  const f = new FuncBuilder(new Array<number>(6).fill(I32), 'pack');
  const [SRC, RSB, CSB, DST, K, N] = [0, 1, 2, 3, 4, 5] as const;
  const j0 = f.local(I32);
  const w = f.local(I32);
  const rowp = f.local(I32);
  const p = f.local(I32);
  const vec = f.local(I32);
  const cols: number[] = [];
  for (let c = 0; c < GEMM_NR; c++) cols.push(f.local(V128));
  const t = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  f.op(Op.block).op(Op.blockVoid);
  f.op(Op.loop).op(Op.blockVoid);
  f.get(j0).get(N).op(Op.i32GeS);
  brIf(f, 1);
  // w = min(8, n - j0); vec = (w == 8 && csB == 4)
  f.get(N).get(j0).op(Op.i32Sub).i32c(GEMM_NR).get(N).get(j0).op(Op.i32Sub).i32c(GEMM_NR).op(Op.i32LtS).op(Op.select).set(w);
  f.get(w).i32c(GEMM_NR).op(Op.i32Eq).get(CSB).i32c(4).op(Op.i32Eq).op(Op.i32And).set(vec);
  f.get(SRC).get(j0).get(CSB).op(Op.i32Mul).op(Op.i32Add).set(rowp);
  f.get(K).set(p);
  // A full panel of a transposed B (rsB = 4: each column of op(B) contiguous): four steps of k at a time,
  // one vector load per column, two 4×4 transposes by shuffles, two vector stores per row of the panel.
  f.get(w).i32c(GEMM_NR).op(Op.i32Eq).get(RSB).i32c(4).op(Op.i32Eq).op(Op.i32And).get(CSB).i32c(4).op(Op.i32Ne).op(Op.i32And);
  f.op(Op.if).op(Op.blockVoid);
  f.op(Op.block).op(Op.blockVoid);
  f.op(Op.loop).op(Op.blockVoid);
  f.get(p).i32c(4).op(Op.i32LtS);
  brIf(f, 1);
  for (let c = 0; c < GEMM_NR; c++) {
    f.get(rowp);
    if (c > 0) f.get(CSB).i32c(c).op(Op.i32Mul).op(Op.i32Add);
    f.mem(Simd.load, 2, 0).set(cols[c]!);
  }
  for (let half = 0; half < 2; half++) {
    const [r0, r1, r2, r3] = cols.slice(half * 4, half * 4 + 4) as [number, number, number, number];
    f.get(r0).get(r1);
    shuffle32(f, [0, 4, 1, 5]);
    f.set(t[0]!);
    f.get(r0).get(r1);
    shuffle32(f, [2, 6, 3, 7]);
    f.set(t[1]!);
    f.get(r2).get(r3);
    shuffle32(f, [0, 4, 1, 5]);
    f.set(t[2]!);
    f.get(r2).get(r3);
    shuffle32(f, [2, 6, 3, 7]);
    f.set(t[3]!);
    // Row q of the four steps: (t0, t2) give steps 0 and 1, (t1, t3) steps 2 and 3.
    for (let q = 0; q < 4; q++) {
      f.get(DST)
        .get(q < 2 ? t[0]! : t[1]!)
        .get(q < 2 ? t[2]! : t[3]!);
      shuffle32(f, q % 2 === 0 ? [0, 1, 4, 5] : [2, 3, 6, 7]);
      f.mem(Simd.store, 4, q * 32 + half * 16);
    }
  }
  f.get(DST).i32c(128).op(Op.i32Add).set(DST);
  f.get(rowp).i32c(16).op(Op.i32Add).set(rowp);
  f.get(p).i32c(4).op(Op.i32Sub).set(p);
  br(f, 0);
  f.op(Op.end);
  f.op(Op.end);
  f.op(Op.end);
  f.op(Op.block).op(Op.blockVoid);
  f.get(p).op(Op.i32Eqz);
  brIf(f, 0);
  f.op(Op.loop).op(Op.blockVoid);
  f.get(vec).op(Op.if).op(Op.blockVoid);
  f.get(DST).get(rowp).mem(Simd.load, 2, 0).mem(Simd.store, 4, 0);
  f.get(DST).get(rowp).mem(Simd.load, 2, 16).mem(Simd.store, 4, 16);
  f.op(Op.else);
  f.get(w).i32c(GEMM_NR).op(Op.i32Eq).op(Op.if).op(Op.blockVoid);
  for (let c = 0; c < GEMM_NR; c++) {
    f.get(DST).get(rowp);
    if (c > 0) f.get(CSB).i32c(c).op(Op.i32Mul).op(Op.i32Add);
    f.memScalar(Op.f32Load, 2, 0).memScalar(Op.f32Store, 2, c * 4);
  }
  f.op(Op.else);
  for (let c = 0; c < GEMM_NR; c++) {
    f.get(DST);
    f.i32c(c).get(w).op(Op.i32LtS).op(Op.if).code.byte(0x7d); // if (result f32)
    f.get(rowp);
    if (c > 0) f.get(CSB).i32c(c).op(Op.i32Mul).op(Op.i32Add);
    f.memScalar(Op.f32Load, 2, 0);
    f.op(Op.else);
    f32Zero(f);
    f.op(Op.end);
    f.memScalar(Op.f32Store, 2, c * 4);
  }
  f.op(Op.end);
  f.op(Op.end);
  f.get(DST).i32c(32).op(Op.i32Add).set(DST);
  f.get(rowp).get(RSB).op(Op.i32Add).set(rowp);
  f.get(p).i32c(1).op(Op.i32Sub).op(Op.localTee).code.u32(p);
  brIf(f, 0);
  f.op(Op.end);
  f.op(Op.end);
  f.get(j0).i32c(GEMM_NR).op(Op.i32Add).set(j0);
  br(f, 0);
  f.op(Op.end);
  f.op(Op.end);
  return f;
}

/**
 * `drive(a, rsA, csA, bp, c, ldc, m, n, k, acc, tile)`: the whole product over packed panels at `bp` (as
 * `pack` wrote them for `n` columns and depth `k`): k blocks of {@link GEMM_KC}, then panels, each through
 * `panel`. The first k block overwrites C unless `acc`; later blocks add. One call per product (or per
 * thread's share of the panels).
 */
function driveFunc(): FuncBuilder {
  const f = new FuncBuilder(new Array<number>(11).fill(I32), 'drive');
  const [A, RSA, CSA, BP, C, LDC, M, N, K, ACC, TILE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
  const p0 = f.local(I32);
  const kc = f.local(I32);
  const accNow = f.local(I32);
  const j0 = f.local(I32);
  const bptr = f.local(I32);
  const cptr = f.local(I32);
  const aptr = f.local(I32);
  const panelBytes = f.local(I32);
  f.get(K)
    .i32c(GEMM_NR * 4)
    .op(Op.i32Mul)
    .set(panelBytes);
  f.op(Op.block).op(Op.blockVoid);
  f.op(Op.loop).op(Op.blockVoid);
  f.get(p0).get(K).op(Op.i32GeS);
  brIf(f, 1);
  // kc = min(KC, k - p0); accNow = acc | (p0 > 0)
  f.get(K).get(p0).op(Op.i32Sub).i32c(GEMM_KC).get(K).get(p0).op(Op.i32Sub).i32c(GEMM_KC).op(Op.i32LtS).op(Op.select).set(kc);
  f.get(ACC).get(p0).i32c(0).op(Op.i32GtS).op(Op.i32Or).set(accNow);
  f.get(A).get(p0).get(CSA).op(Op.i32Mul).op(Op.i32Add).set(aptr);
  f.get(BP)
    .get(p0)
    .i32c(GEMM_NR * 4)
    .op(Op.i32Mul)
    .op(Op.i32Add)
    .set(bptr);
  f.get(C).set(cptr);
  f.i32c(0).set(j0);
  f.op(Op.block).op(Op.blockVoid);
  f.op(Op.loop).op(Op.blockVoid);
  f.get(j0).get(N).op(Op.i32GeS);
  brIf(f, 1);
  f.get(aptr).get(RSA).get(CSA).get(bptr).get(cptr).get(LDC).get(M).get(kc);
  // nr = min(8, n - j0)
  f.get(N).get(j0).op(Op.i32Sub).i32c(GEMM_NR).get(N).get(j0).op(Op.i32Sub).i32c(GEMM_NR).op(Op.i32LtS).op(Op.select);
  f.get(accNow).get(TILE);
  f.call(PANEL);
  f.get(bptr).get(panelBytes).op(Op.i32Add).set(bptr);
  f.get(cptr)
    .i32c(GEMM_NR * 4)
    .op(Op.i32Add)
    .set(cptr);
  f.get(j0).i32c(GEMM_NR).op(Op.i32Add).set(j0);
  br(f, 0);
  f.op(Op.end);
  f.op(Op.end);
  f.get(p0).i32c(GEMM_KC).op(Op.i32Add).set(p0);
  br(f, 0);
  f.op(Op.end);
  f.op(Op.end);
  return f;
}

/** The module's bytes: micro-kernels `k1..k{MR}`, `panel`, `pack`, `drive`. */
export function gemmModuleBytes(options: { fma: boolean; shared: boolean }): Uint8Array {
  const funcs: FuncBuilder[] = [];
  for (let mr = 1; mr <= GEMM_MR; mr++) funcs.push(microKernel(mr, options.fma));
  funcs.push(panelFunc(), packFunc(), driveFunc());
  if (funcs.indexOf(funcs[PANEL]!) !== PANEL) throw new Error('unreachable');
  return encodeModule(funcs, { initialPages: 0, maximumPages: 65536, shared: options.shared });
}

let relaxed: boolean | null = null;

/** True when this runtime validates relaxed SIMD's `f32x4.relaxed_madd` (checked once). */
export function relaxedSimdAvailable(): boolean {
  if (relaxed !== null) return relaxed;
  relaxed = false;
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return relaxed;
  try {
    const f = new FuncBuilder([], 'probe');
    const l = f.local(V128);
    f.f32x4Const(1).f32x4Const(2).f32x4Const(3).simd(Simd.f32x4RelaxedMadd).set(l);
    relaxed = WebAssembly.validate(encodeModule([f], { initialPages: 0, maximumPages: 1, shared: false }) as BufferSource);
  } catch {
    relaxed = false;
  }
  return relaxed;
}

/** The exported functions of a GEMM module. */
export interface GemmExports {
  readonly panel: (
    a: number,
    rsA: number,
    csA: number,
    b: number,
    c: number,
    ldc: number,
    m: number,
    kc: number,
    nr: number,
    acc: number,
    scratch: number,
  ) => void;
  readonly pack: (src: number, rsB: number, csB: number, dst: number, k: number, n: number) => void;
  readonly drive: (
    a: number,
    rsA: number,
    csA: number,
    bp: number,
    c: number,
    ldc: number,
    m: number,
    n: number,
    k: number,
    acc: number,
    tile: number,
  ) => void;
}

/** Name of the export a helper thread runs (see {@link runGemm}'s `split`). */
export const GEMM_DRIVE = 'drive';

/** One product, every address and stride in bytes. */
export interface GemmCall {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** A's element (i, p) is at `a + i·rsA + p·csA`. */
  readonly a: number;
  readonly rsA: number;
  readonly csA: number;
  /** B's element (p, j) is at `b + p·rsB + j·csB`. */
  readonly b: number;
  readonly rsB: number;
  readonly csB: number;
  /** C is row-major with row stride `ldc` bytes. */
  readonly c: number;
  readonly ldc: number;
  /** Add to C's values instead of overwriting them. */
  readonly accumulate: boolean;
}

/** Bytes of scratch {@link runGemm} needs: packed B plus two tiles (one per thread). */
export function gemmScratchBytes(n: number, k: number): number {
  return Math.ceil(n / GEMM_NR) * GEMM_NR * k * 4 + 2 * GEMM_MR * GEMM_NR * 4;
}

/**
 * Runs one product with a module's exports; `scratch` is a 16-byte aligned address with
 * {@link gemmScratchBytes} free bytes. `m`, `n`, `k` must be positive. With `split`, B is packed here, then
 * the panels are shared between this thread (the first half) and a helper running `drive` on the rest:
 * `split(here, there)` must run `drive(...here)` and `drive(...there)` concurrently.
 */
export function runGemm(
  ex: GemmExports,
  call: GemmCall,
  scratch: number,
  split: ((here: number[], there: number[]) => void) | null = null,
): void {
  const { m, n, k } = call;
  const tile = scratch + Math.ceil(n / GEMM_NR) * GEMM_NR * k * 4;
  ex.pack(call.b, call.rsB, call.csB, scratch, k, n);
  const acc = call.accumulate ? 1 : 0;
  const panels = Math.ceil(n / GEMM_NR);
  if (split === null || panels < 2) {
    ex.drive(call.a, call.rsA, call.csA, scratch, call.c, call.ldc, m, n, k, acc, tile);
    return;
  }
  const n1 = Math.ceil(panels / 2) * GEMM_NR;
  const here = [call.a, call.rsA, call.csA, scratch, call.c, call.ldc, m, n1, k, acc, tile];
  const there = [
    call.a,
    call.rsA,
    call.csA,
    scratch + (n1 / GEMM_NR) * k * GEMM_NR * 4,
    call.c + n1 * 4,
    call.ldc,
    m,
    n - n1,
    k,
    acc,
    tile + GEMM_MR * GEMM_NR * 4,
  ];
  split(here, there);
}
