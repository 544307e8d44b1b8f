import { FuncBuilder, I32, Op, Simd, V128, encodeModule } from './encoder.js';

/**
 * A single-precision GEMM in WebAssembly SIMD, emitted with the module encoder (no external assembler):
 * `C[m×n] (+)= op(A)[m×k] · op(B)[k×n] (+ bias)` over operands addressed by row and column strides in one
 * memory.
 *
 * The structure is BLIS's, with XNNPACK's f32 micro-kernel for 128-bit vectors:
 *
 * - **Packing.** Both operands are copied once per call into the order the micro-kernel reads them, so any
 *   layout (plain or transposed) costs about the same: `op(B)` into panels of {@link GEMM_NR} = 8 columns
 *   (`k` rows of 8 contiguous floats each, the tail panel zero-padded), `op(A)` into panels of `mr` rows
 *   (`k` steps of `mr` contiguous floats, zero-padded past `m`). Full 4×4 blocks are transposed with
 *   shuffles (a transposed B, a row-major A); already-contiguous runs are copied a vector at a time.
 * - **Micro-kernel.** An `mr × 8` register tile: per step of `k`, two vector loads of the B panel, one
 *   broadcast load (`v128.load32_splat`) per row from the A panel (one pointer for all rows), and `2·mr`
 *   multiply-adds into `2·mr` accumulators that stay in registers for the whole k block. `mr` is 4 for the
 *   separate multiply and add (8 accumulators, 2 B vectors, a broadcast and a product: 12 of the 15 vector
 *   registers V8 allocates on x64, so its scheduler, which hoists a block's loads, spills nothing).
 * - **Blocking.** `k` is split evenly into blocks of at most {@link GEMM_KC} (784 = 4 × 196, not 3 × 256 +
 *   16), so a B panel block (≤ 8 KiB) stays in L1 while the packed rows of A stream past it from L2 (blocking
 *   the rows too measured slower on 512³). The first block writes C (adding the bias, or C itself when
 *   accumulating); later ones add.
 * - **FMA.** With relaxed SIMD (`f32x4.relaxed_madd`, detected at run time by validating a module that uses
 *   it), each multiply-add is one instruction where the hardware fuses it; otherwise a multiply then an add,
 *   each rounded to float32 (the exact fallback). Either way the result is a float32 GEMM: the sums differ
 *   from a float64 reference by rounding only.
 *
 * Exports: `kernel` (one tile), `packA`, `packB`, `drive` (a whole product over packed operands, or one
 * thread's share of its panels).
 */

/** Rows of the register tile (and of a packed A panel). */
export const GEMM_MR = 4;
/** Columns of the register tile (two f32x4 vectors) and of a packed B panel. */
export const GEMM_NR = 8;
/** Largest depth of one k block. */
export const GEMM_KC = 256;

/** Index of `kernel` among the module's functions. */
const KERNEL = 0;

export function brIf(f: FuncBuilder, depth: number): void {
  f.op(Op.brIf).code.u32(depth);
}

function br(f: FuncBuilder, depth: number): void {
  f.op(Op.br).code.u32(depth);
}

/** `i8x16.shuffle` of two vectors by f32 lanes (0–3: the first operand, 4–7: the second). */
/**
 * A loop that tests first: `block; loop; exit; br_if 1; body; br 0; end; end`. `exit` pushes the condition
 * that leaves it; `body` does the work and the step (inside it, depth 0 is the loop and 1 the block).
 */
export function exitWhen(f: FuncBuilder, exit: () => void, body: () => void): void {
  f.op(Op.block).op(Op.blockVoid);
  f.op(Op.loop).op(Op.blockVoid);
  exit();
  brIf(f, 1);
  body();
  br(f, 0);
  f.op(Op.end);
  f.op(Op.end);
}

function shuffle32(f: FuncBuilder, lanes: readonly [number, number, number, number]): void {
  f.simd(Simd.i8x16Shuffle);
  for (const l of lanes) f.code.bytes([4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
}

function f32Zero(f: FuncBuilder): void {
  f.op(Op.f32Const).code.bytes([0, 0, 0, 0]);
}

/** Pushes `min(a, b)` of two i32 values pushed by `pushA` / `pushB` (each pushed twice: keep them cheap). */
function pushMin(f: FuncBuilder, pushA: () => void, pushB: () => void): void {
  pushA();
  pushB();
  pushA();
  pushB();
  f.op(Op.i32LtS).op(Op.select);
}

/** `local ← min(a, b)`, see {@link pushMin}. */
function setMin(f: FuncBuilder, local: number, pushA: () => void, pushB: () => void): void {
  pushMin(f, pushA, pushB);
  f.set(local);
}

/**
 * Transposes the four vectors in locals `rows` (four rows of four lanes) into `out` (four columns), with
 * `tmp` (four locals) for the interleaved halves.
 */
function transpose4(f: FuncBuilder, rows: readonly number[], tmp: readonly number[], out: readonly number[]): void {
  const [r0, r1, r2, r3] = rows as [number, number, number, number];
  f.get(r0).get(r1);
  shuffle32(f, [0, 4, 1, 5]);
  f.set(tmp[0]!);
  f.get(r0).get(r1);
  shuffle32(f, [2, 6, 3, 7]);
  f.set(tmp[1]!);
  f.get(r2).get(r3);
  shuffle32(f, [0, 4, 1, 5]);
  f.set(tmp[2]!);
  f.get(r2).get(r3);
  shuffle32(f, [2, 6, 3, 7]);
  f.set(tmp[3]!);
  // Column q: (t0, t2) give columns 0 and 1, (t1, t3) columns 2 and 3.
  for (let q = 0; q < 4; q++) {
    f.get(q < 2 ? tmp[0]! : tmp[1]!).get(q < 2 ? tmp[2]! : tmp[3]!);
    shuffle32(f, q % 2 === 0 ? [0, 1, 4, 5] : [2, 3, 6, 7]);
    f.set(out[q]!);
  }
}

/**
 * `kernel(ap, bp, c, ldc, kc, rows, nr, acc, bias, tile)`: the `mr × 8` tile of C at byte address `c` (row
 * stride `ldc` bytes) gets `Σ_p apanel[p] ⊗ bpanel[p]` over `kc ≥ 1` steps, the A panel at `ap` holding `mr`
 * floats per step and the B panel at `bp` 8. Only the first `rows` rows and `nr` columns are written (a
 * partial tile goes through `tile`, 32·mr bytes). `acc ≠ 0` adds to C; `bias ≠ 0` is the address of 8
 * floats added to every row.
 */
function kernelFunc(mr: number, fma: boolean): FuncBuilder {
  const f = new FuncBuilder(new Array<number>(10).fill(I32), 'kernel');
  const [AP, BP, C, LDC, KC, ROWS, NR, ACC, BIAS, TILE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
  const cr = f.local(I32);
  const j = f.local(I32);
  const addr = f.local(I32);
  const acc: [number, number][] = [];
  for (let r = 0; r < mr; r++) acc.push([f.local(V128), f.local(V128)]);
  const b0 = f.local(V128);
  const b1 = f.local(V128);
  const av = f.local(V128);
  // do { ... } while (--kc)
  f.op(Op.loop).op(Op.blockVoid);
  f.get(BP).mem(Simd.load, 4, 0).set(b0);
  f.get(BP).mem(Simd.load, 4, 16).set(b1);
  for (let r = 0; r < mr; r++) {
    f.get(AP)
      .mem(Simd.load32Splat, 2, 4 * r)
      .set(av);
    for (let h = 0; h < 2; h++) {
      const bv = h === 0 ? b0 : b1;
      const x = acc[r]![h]!;
      if (fma) f.get(av).get(bv).get(x).simd(Simd.f32x4RelaxedMadd).set(x);
      else f.get(x).get(av).get(bv).simd(Simd.f32x4Mul).simd(Simd.f32x4Add).set(x);
    }
  }
  f.get(AP)
    .i32c(4 * mr)
    .op(Op.i32Add)
    .set(AP);
  f.get(BP).i32c(32).op(Op.i32Add).set(BP);
  f.get(KC).i32c(1).op(Op.i32Sub).op(Op.localTee).code.u32(KC);
  brIf(f, 0);
  f.op(Op.end);
  // The bias (first k block only).
  f.get(BIAS).op(Op.if).op(Op.blockVoid);
  f.get(BIAS).mem(Simd.load, 2, 0).set(b0);
  f.get(BIAS).mem(Simd.load, 2, 16).set(b1);
  for (let r = 0; r < mr; r++) {
    for (let h = 0; h < 2; h++)
      f.get(acc[r]![h]!)
        .get(h === 0 ? b0 : b1)
        .simd(Simd.f32x4Add)
        .set(acc[r]![h]!);
  }
  f.op(Op.end);
  // A full tile: straight to C.
  f.get(NR).i32c(GEMM_NR).op(Op.i32Eq).get(ROWS).i32c(mr).op(Op.i32Eq).op(Op.i32And).op(Op.if).op(Op.blockVoid);
  f.get(C).set(cr);
  for (let r = 0; r < mr; r++) {
    const [x0, x1] = acc[r]!;
    f.get(ACC).op(Op.if).op(Op.blockVoid);
    f.get(x0).get(cr).mem(Simd.load, 2, 0).simd(Simd.f32x4Add).set(x0);
    f.get(x1).get(cr).mem(Simd.load, 2, 16).simd(Simd.f32x4Add).set(x1);
    f.op(Op.end);
    f.get(cr).get(x0).mem(Simd.store, 2, 0);
    f.get(cr).get(x1).mem(Simd.store, 2, 16);
    if (r + 1 < mr) f.get(cr).get(LDC).op(Op.i32Add).set(cr);
  }
  f.op(Op.else);
  // A partial tile: through the scratch tile, element by element.
  for (let r = 0; r < mr; r++) {
    f.get(TILE)
      .get(acc[r]![0]!)
      .mem(Simd.store, 4, r * 32);
    f.get(TILE)
      .get(acc[r]![1]!)
      .mem(Simd.store, 4, r * 32 + 16);
  }
  f.get(C).set(cr);
  for (let r = 0; r < mr; r++) {
    f.i32c(r).get(ROWS).op(Op.i32LtS).op(Op.if).op(Op.blockVoid);
    f.i32c(0).set(j);
    exitWhen(
      f,
      () => f.get(j).get(NR).op(Op.i32GeS),
      () => {
        f.get(cr).get(j).i32c(2).op(Op.i32Shl).op(Op.i32Add).set(addr);
        f.get(addr);
        // tile + C[addr] when accumulating, else tile
        f.get(TILE)
          .get(j)
          .i32c(2)
          .op(Op.i32Shl)
          .op(Op.i32Add)
          .memScalar(Op.f32Load, 2, r * 32);
        f.get(addr).memScalar(Op.f32Load, 2, 0).op(Op.f32Add);
        f.get(TILE)
          .get(j)
          .i32c(2)
          .op(Op.i32Shl)
          .op(Op.i32Add)
          .memScalar(Op.f32Load, 2, r * 32);
        f.get(ACC).op(Op.select);
        f.memScalar(Op.f32Store, 2, 0);
        f.get(j).i32c(1).op(Op.i32Add).set(j);
      },
    );
    if (r + 1 < mr) f.get(cr).get(LDC).op(Op.i32Add).set(cr);
    f.op(Op.end);
  }
  f.op(Op.end);
  return f;
}

/**
 * `{name}(src, rs, cs, dst, k, n)`: the `k × n` matrix whose element (p, j) is at `src + p·rs + j·cs` into panels
 * of `width` columns at `dst`: panel `q` holds `k` rows of `width` floats (columns `width·q…`, zeros past `n`).
 * `packB` packs op(B) into panels of 8 columns; `packA` packs op(A)ᵀ (rs and cs swapped) into panels of 4, i.e.
 * 4 rows of op(A) per panel, `k` steps of 4 floats.
 *
 * Full panels take vector paths: a contiguous row of the panel (`cs` = 4) is copied a vector at a time; where
 * each column is contiguous (`rs` = 4: a transposed B, a row-major A), four steps at a time are loaded as one
 * vector per column and transposed 4×4 by shuffles. Anything else goes element by element.
 */
function packFunc(width: number, name: string): FuncBuilder {
  const f = new FuncBuilder(new Array<number>(6).fill(I32), name);
  const [SRC, RS, CS, DST, K, N] = [0, 1, 2, 3, 4, 5] as const;
  const j0 = f.local(I32);
  const w = f.local(I32);
  const rowp = f.local(I32);
  const p = f.local(I32);
  const vec = f.local(I32);
  const cols: number[] = [];
  for (let c = 0; c < width; c++) cols.push(f.local(V128));
  const t = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const out = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  exitWhen(
    f,
    () => f.get(j0).get(N).op(Op.i32GeS),
    () => {
      setMin(
        f,
        w,
        () => f.get(N).get(j0).op(Op.i32Sub),
        () => f.i32c(width),
      );
      // vec = (w == width && cs == 4)
      f.get(w).i32c(width).op(Op.i32Eq).get(CS).i32c(4).op(Op.i32Eq).op(Op.i32And).set(vec);
      f.get(SRC).get(j0).get(CS).op(Op.i32Mul).op(Op.i32Add).set(rowp);
      f.get(K).set(p);
      // A full panel with contiguous columns (rs = 4): four steps at a time, one vector load per column,
      // width/4 transposes by shuffles, width/4 vector stores per row of the panel.
      f.get(w).i32c(width).op(Op.i32Eq).get(RS).i32c(4).op(Op.i32Eq).op(Op.i32And).get(CS).i32c(4).op(Op.i32Ne).op(Op.i32And);
      f.op(Op.if).op(Op.blockVoid);
      exitWhen(
        f,
        () => f.get(p).i32c(4).op(Op.i32LtS),
        () => {
          for (let c = 0; c < width; c++) {
            f.get(rowp);
            if (c > 0) f.get(CS).i32c(c).op(Op.i32Mul).op(Op.i32Add);
            f.mem(Simd.load, 2, 0).set(cols[c]!);
          }
          for (let part = 0; part < width / 4; part++) {
            transpose4(f, cols.slice(part * 4, part * 4 + 4), t, out);
            // Row q of the four steps.
            for (let q = 0; q < 4; q++)
              f.get(DST)
                .get(out[q]!)
                .mem(Simd.store, 4, (q * width + part * 4) * 4);
          }
          f.get(DST)
            .i32c(16 * width)
            .op(Op.i32Add)
            .set(DST);
          f.get(rowp).i32c(16).op(Op.i32Add).set(rowp);
          f.get(p).i32c(4).op(Op.i32Sub).set(p);
        },
      );
      f.op(Op.end);
      f.op(Op.block).op(Op.blockVoid);
      f.get(p).op(Op.i32Eqz);
      brIf(f, 0);
      f.op(Op.loop).op(Op.blockVoid);
      f.get(vec).op(Op.if).op(Op.blockVoid);
      for (let v = 0; v < width / 4; v++)
        f.get(DST)
          .get(rowp)
          .mem(Simd.load, 2, 16 * v)
          .mem(Simd.store, 4, 16 * v);
      f.op(Op.else);
      for (let c = 0; c < width; c++) {
        f.get(DST);
        f.i32c(c).get(w).op(Op.i32LtS).op(Op.if).code.byte(0x7d); // if (result f32)
        f.get(rowp);
        if (c > 0) f.get(CS).i32c(c).op(Op.i32Mul).op(Op.i32Add);
        f.memScalar(Op.f32Load, 2, 0);
        f.op(Op.else);
        f32Zero(f);
        f.op(Op.end);
        f.memScalar(Op.f32Store, 2, c * 4);
      }
      f.op(Op.end);
      f.get(DST)
        .i32c(4 * width)
        .op(Op.i32Add)
        .set(DST);
      f.get(rowp).get(RS).op(Op.i32Add).set(rowp);
      f.get(p).i32c(1).op(Op.i32Sub).op(Op.localTee).code.u32(p);
      brIf(f, 0);
      f.op(Op.end);
      f.op(Op.end);
      f.get(j0).i32c(width).op(Op.i32Add).set(j0);
    },
  );
  return f;
}

/**
 * `drive(ap, bp, c, ldc, m, n, k, kcb, acc, bias, tile)`: the whole product over packed operands (as
 * `packA` and `packB` wrote them for `m`, `n`, depth `k`): k blocks of `kcb`, within each every B panel
 * against all the A panels (streamed from L2 past the B panel block in L1). The first k block
 * overwrites C (plus `bias` when not 0) unless `acc`; later blocks add. One call per product (or per
 * thread's share of the panels).
 */
function driveFunc(mr: number): FuncBuilder {
  const f = new FuncBuilder(new Array<number>(11).fill(I32), 'drive');
  const [AP, BP, C, LDC, M, N, K, KCB, ACC, BIAS, TILE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
  const p0 = f.local(I32);
  const kc = f.local(I32);
  const accNow = f.local(I32);
  const biasNow = f.local(I32);
  const j0 = f.local(I32);
  const nr = f.local(I32);
  const i = f.local(I32);
  const bptr = f.local(I32);
  const aptr = f.local(I32);
  const cptr = f.local(I32);
  const aStep = f.local(I32);
  // One A panel's step to the next: mr·k floats.
  f.get(K)
    .i32c(4 * mr)
    .op(Op.i32Mul)
    .set(aStep);
  // for (p0 = 0; p0 < k; p0 += kcb)
  exitWhen(
    f,
    () => f.get(p0).get(K).op(Op.i32GeS),
    () => {
      setMin(
        f,
        kc,
        () => f.get(K).get(p0).op(Op.i32Sub),
        () => f.get(KCB),
      );
      f.get(ACC).get(p0).i32c(0).op(Op.i32GtS).op(Op.i32Or).set(accNow);
      f.i32c(0).get(BIAS).get(p0).op(Op.select).set(biasNow);
      // for (j0 = 0; j0 < n; j0 += 8)
      f.i32c(0).set(j0);
      exitWhen(
        f,
        () => f.get(j0).get(N).op(Op.i32GeS),
        () => {
          setMin(
            f,
            nr,
            () => f.get(N).get(j0).op(Op.i32Sub),
            () => f.i32c(GEMM_NR),
          );
          // bptr = bp + j0·k·4 + p0·32
          f.get(BP).get(j0).get(K).op(Op.i32Mul).i32c(2).op(Op.i32Shl).op(Op.i32Add).get(p0).i32c(5).op(Op.i32Shl).op(Op.i32Add).set(bptr);
          // aptr = ap + p0·mr·4; cptr = c + j0·4
          f.get(AP)
            .get(p0)
            .i32c(4 * mr)
            .op(Op.i32Mul)
            .op(Op.i32Add)
            .set(aptr);
          f.get(C).get(j0).i32c(2).op(Op.i32Shl).op(Op.i32Add).set(cptr);
          // for (i = 0; i < m; i += mr): kernel(aptr, bptr, cptr, ldc, kc, min(mr, m − i), nr, accNow, bias, tile)
          f.i32c(0).set(i);
          f.op(Op.loop).op(Op.blockVoid);
          f.get(aptr).get(bptr).get(cptr).get(LDC).get(kc);
          pushMin(
            f,
            () => f.get(M).get(i).op(Op.i32Sub),
            () => f.i32c(mr),
          );
          f.get(nr).get(accNow);
          // bias + j0·4 on the first k block, else 0
          f.get(biasNow).get(j0).i32c(2).op(Op.i32Shl).op(Op.i32Add).i32c(0).get(biasNow).op(Op.select);
          f.get(TILE);
          f.call(KERNEL);
          f.get(aptr).get(aStep).op(Op.i32Add).set(aptr);
          f.get(cptr).get(LDC).i32c(mr).op(Op.i32Mul).op(Op.i32Add).set(cptr);
          f.get(i).i32c(mr).op(Op.i32Add).op(Op.localTee).code.u32(i);
          f.get(M).op(Op.i32LtS);
          brIf(f, 0);
          f.op(Op.end);
          f.get(j0).i32c(GEMM_NR).op(Op.i32Add).set(j0);
        },
      );
      f.get(p0).get(KCB).op(Op.i32Add).set(p0);
    },
  );
  return f;
}

/** The module's bytes: `kernel`, `packA`, `packB`, `drive`. */
export function gemmModuleBytes(options: { fma: boolean; shared: boolean }): Uint8Array {
  const funcs = [kernelFunc(GEMM_MR, options.fma), packFunc(GEMM_MR, 'packA'), packFunc(GEMM_NR, 'packB'), driveFunc(GEMM_MR)];
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
  /** Packs op(A)ᵀ: `packA(a, csA, rsA, dst, k, m)`. */
  readonly packA: (src: number, rs: number, cs: number, dst: number, k: number, n: number) => void;
  readonly packB: (src: number, rs: number, cs: number, dst: number, k: number, n: number) => void;
  readonly drive: (
    ap: number,
    bp: number,
    c: number,
    ldc: number,
    m: number,
    n: number,
    k: number,
    kcb: number,
    acc: number,
    bias: number,
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
  /** Address of `n` floats added to every row of C (with `accumulate` too), or 0. */
  readonly bias?: number;
}

const panelsB = (n: number): number => Math.ceil(n / GEMM_NR);
const panelsA = (m: number): number => Math.ceil(m / GEMM_MR);

/** Bytes of scratch {@link runGemm} needs: packed A and B plus two tiles (one per thread). */
export function gemmScratchBytes(m: number, n: number, k: number): number {
  return (panelsA(m) * GEMM_MR + panelsB(n) * GEMM_NR) * k * 4 + 2 * GEMM_MR * GEMM_NR * 4;
}

/**
 * Runs one product with a module's exports; `scratch` is a 16-byte aligned address with
 * {@link gemmScratchBytes} free bytes. `m`, `n`, `k` must be positive. With `split`, A and B are packed
 * here, then the B panels are shared between this thread (the first half) and a helper running `drive` on
 * the rest: `split(here, there)` must run `drive(...here)` and `drive(...there)` concurrently.
 */
export function runGemm(
  ex: GemmExports,
  call: GemmCall,
  scratch: number,
  split: ((here: number[], there: number[]) => void) | null = null,
): void {
  const { m, n, k } = call;
  const bp = scratch + panelsA(m) * GEMM_MR * k * 4;
  const tile = bp + panelsB(n) * GEMM_NR * k * 4;
  ex.packA(call.a, call.csA, call.rsA, scratch, k, m);
  ex.packB(call.b, call.rsB, call.csB, bp, k, n);
  const acc = call.accumulate ? 1 : 0;
  const bias = call.bias ?? 0;
  // k split evenly into blocks of at most GEMM_KC
  const kcb = Math.ceil(k / Math.ceil(k / GEMM_KC));
  const panels = panelsB(n);
  if (split === null || panels < 2) {
    ex.drive(scratch, bp, call.c, call.ldc, m, n, k, kcb, acc, bias, tile);
    return;
  }
  const n1 = Math.ceil(panels / 2) * GEMM_NR;
  const here = [scratch, bp, call.c, call.ldc, m, n1, k, kcb, acc, bias, tile];
  const there = [
    scratch,
    bp + n1 * k * 4,
    call.c + n1 * 4,
    call.ldc,
    m,
    n - n1,
    k,
    kcb,
    acc,
    bias === 0 ? 0 : bias + n1 * 4,
    tile + GEMM_MR * GEMM_NR * 4,
  ];
  split(here, there);
}
