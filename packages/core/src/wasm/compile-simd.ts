import type { ElementwiseKernel } from '../kernel/define.js';
import { emitJs } from '../kernel/emit-js.js';
import { type Expr, topoOrder } from '../kernel/expr.js';
import { uniformTest } from '../kernel/uniform.js';
import { F32, FuncBuilder, I32, Op, Simd, V128, encodeModule } from './encoder.js';

/** How a kernel slot is addressed by the SIMD path: a full array, or one value broadcast to every element. */
export type SimdMode = 'full' | 'scalar';

/** Operations with no f32x4 instruction; a kernel that applies them to tensor values runs on the JS path. */
export const SIMD_UNSUPPORTED: ReadonlySet<string> = new Set(['exp', 'log', 'tanh', 'cos', 'sin', 'pow']);

/** A kernel variant compiled to WebAssembly, with the JavaScript that prepares its uniform arguments. */
export interface SimdVariant {
  /** The module: imports `env.memory`, exports `name`. */
  readonly bytes: Uint8Array;
  readonly name: string;
  /**
   * JS statements computing the uniform arguments `u0, u1...` (float64, from scalars `s0, s1...`), and
   * `return false` when a reciprocal would lose accuracy in float32 (the call then goes to the JS path).
   */
  readonly prelude: string;
  /** JS names of the uniform (f32) arguments after the pointers, as the prelude defines them. */
  readonly uniformNames: readonly string[];
}

/** The smallest normal float32 and its reciprocal's limit: reciprocals of values outside stay as divisions. */
const RECIP_SAFE_LO = 2 ** -126;
const RECIP_SAFE_HI = 2 ** 126;

/**
 * Compiles an elementwise kernel to one WebAssembly function `(n, ptr0..ptrK, u0..uM)` that runs over `n`
 * elements with f32x4 SIMD. Returns null when the body applies an operation without a SIMD form to tensor
 * values (see {@link SIMD_UNSUPPORTED}).
 *
 * - Sub-expressions that depend only on scalars and constants ("uniform") are computed once per call in
 *   float64 on the host and passed as f32 arguments, then splatted once before the loop.
 * - Division by a uniform value becomes multiplication by its reciprocal (computed in float64, then rounded);
 *   when the reciprocal is not a normal float32 the call falls back to the JS loop.
 * - The main loop handles 8 elements per iteration (two vectors), then one vector, then single lanes.
 * - Comparisons produce lane masks; they are converted to 1/0 only where used as numbers. `sign(x)`
 *   compared with 0 compares x.
 * - min/max against a uniform value use the one-instruction pmin/pmax (V8 lowers the NaN-propagating
 *   f32x4.min/max to about seven instructions); the call goes to the JS loop if that value is NaN or ±0.
 *
 * @param names kernel slots in order (inputs, then outputs that are not inputs): pointer arguments.
 * @param modes how each slot is addressed.
 */
export function compileSimd(
  kernel: ElementwiseKernel,
  names: readonly string[],
  modes: readonly SimdMode[],
  memory: { shared: boolean },
): SimdVariant | null {
  const roots = kernel.outputs.map((o) => kernel.body[o] as Expr);
  const { order } = topoOrder(roots);
  const isUniform = uniformTest();
  for (const nd of order) {
    if (!isUniform(nd) && (nd.kind === 'unary' || nd.kind === 'binary') && SIMD_UNSUPPORTED.has(nd.op)) return null;
  }
  const slot = new Map(names.map((n, i) => [n, i]));

  // Uniform values the vector code needs: as themselves, or as reciprocals (divisors).
  const uniformArgs: Expr[] = [];
  const uniformIndex = new Map<Expr, number>();
  const recipIndex = new Map<Expr, number>();
  const recipOf: Expr[] = [];
  const needUniform = (nd: Expr): void => {
    if (nd.kind === 'const' || uniformIndex.has(nd)) return;
    uniformIndex.set(nd, uniformArgs.length);
    uniformArgs.push(nd);
  };
  const isDivByUniform = (nd: Expr): boolean =>
    nd.kind === 'binary' && nd.op === 'div' && !isUniform(nd.a) && isUniform(nd.b) && nd.b.kind !== 'const';
  for (const nd of order) {
    if (isUniform(nd)) continue;
    if (isDivByUniform(nd)) {
      const b = (nd as Expr & { kind: 'binary' }).b;
      needUniform(b);
      if (!recipIndex.has(b)) {
        recipIndex.set(b, recipOf.length);
        recipOf.push(b);
      }
      continue;
    }
    const kids = nd.kind === 'unary' ? [nd.a] : nd.kind === 'binary' ? [nd.a, nd.b] : nd.kind === 'select' ? [nd.cond, nd.a, nd.b] : [];
    for (const c of kids) if (isUniform(c)) needUniform(c);
  }
  for (const r of roots) if (isUniform(r)) needUniform(r);

  // Host prelude: uniform values in float64.
  const scalarSlot = new Map(kernel.scalars.map((s, i) => [s, i]));
  const pre = emitJs(uniformArgs, { leaf: (nd) => `s${scalarSlot.get(nd.name)}` }, 'w');
  const preLines = [...pre.lines];
  pre.values.forEach((v, i) => preLines.push(`const u${i} = ${v};`));
  recipOf.forEach((b, j) => {
    const i = uniformIndex.get(b)!;
    preLines.push(`const r${j} = 1 / u${i};`);
    preLines.push(
      `if (u${i} !== 0 && (r${j} < ${-RECIP_SAFE_HI} || r${j} > ${RECIP_SAFE_HI} || (r${j} > ${-RECIP_SAFE_LO} && r${j} < ${RECIP_SAFE_LO}))) return false;`,
    );
  });
  // min/max against a uniform that is neither NaN nor ±0 (as float32) equals the one-instruction
  // pmin/pmax (`u < x ? u : x`): NaN in x still propagates and no ±0 tie can occur. Other values go to the
  // JS loop for that call.
  const pseudoMinMax = new Set<Expr>();
  for (const nd of order) {
    if (isUniform(nd) || nd.kind !== 'binary' || (nd.op !== 'min' && nd.op !== 'max')) continue;
    const u = isUniform(nd.b) ? nd.b : isUniform(nd.a) ? nd.a : null;
    if (u === null) continue;
    if (u.kind === 'const') {
      const v = Math.fround(u.value);
      if (!Number.isNaN(v) && v !== 0) pseudoMinMax.add(nd);
      continue;
    }
    pseudoMinMax.add(nd);
    const i = uniformIndex.get(u)!;
    preLines.push(`if (u${i} !== u${i} || Math.fround(u${i}) === 0) return false;`);
  }
  const nUniform = uniformArgs.length + recipOf.length;
  const uniformNames = [...uniformArgs.map((_, i) => `u${i}`), ...recipOf.map((_, j) => `r${j}`)];

  // The WebAssembly function.
  const params = [I32, ...names.map(() => I32), ...new Array<number>(nUniform).fill(F32)];
  const fname = 'run';
  const f = new FuncBuilder(params, fname);
  const pN = 0;
  const pPtr = (k: number): number => 1 + k;
  const pUni = (j: number): number => 1 + names.length + j;
  const off = f.local(I32);
  const end = f.local(I32);
  // Splats and constants, once.
  const splatUniform = new Map<Expr, number>();
  uniformArgs.forEach((nd, i) => {
    const l = f.local(V128);
    f.get(pUni(i)).simd(Simd.f32x4Splat).set(l);
    splatUniform.set(nd, l);
  });
  const splatRecip = new Map<Expr, number>();
  recipOf.forEach((nd, j) => {
    const l = f.local(V128);
    f.get(pUni(uniformArgs.length + j))
      .simd(Simd.f32x4Splat)
      .set(l);
    splatRecip.set(nd, l);
  });
  const constLocal = new Map<string, number>();
  const constInit: [number, number][] = [];
  const constLocalOf = (v: number): number => {
    const key = Object.is(v, -0) ? '-0' : String(v);
    let l = constLocal.get(key);
    if (l === undefined) {
      l = f.local(V128);
      constLocal.set(key, l);
      constInit.push([l, v]);
    }
    return l;
  };
  // Scalar-mode input tensors: one value, loaded and splatted once.
  const inputLocal = new Map<string, number>();
  const scalarLoads: [number, number][] = [];
  for (const name of kernel.inputs) {
    const k = slot.get(name)!;
    const l = f.local(V128);
    inputLocal.set(name, l);
    if (modes[k] === 'scalar') scalarLoads.push([k, l]);
  }
  // Value locals of varying nodes; masks flagged.
  const valueLocal = new Map<Expr, number>();
  const isMask = new Map<Expr, boolean>();
  const varying = order.filter((nd) => !isUniform(nd) && nd.kind !== 'input');
  for (const nd of varying) valueLocal.set(nd, f.local(V128));

  // Constant initialisation is emitted after all constants are known; record code positions by building
  // the loop body into a separate builder first.
  const body = new FuncBuilder(params, fname);
  const ONE = (): number => constLocalOf(1);
  const ZERO = (): number => constLocalOf(0);
  const pushNum = (b: FuncBuilder, nd: Expr): void => {
    if (nd.kind === 'const') {
      b.get(constLocalOf(nd.value));
      return;
    }
    if (isUniform(nd)) {
      b.get(splatUniform.get(nd)!);
      return;
    }
    if (nd.kind === 'input') {
      b.get(inputLocal.get(nd.name)!);
      return;
    }
    b.get(valueLocal.get(nd)!);
    if (isMask.get(nd)) b.get(ONE()).simd(Simd.and);
  };
  const pushMask = (b: FuncBuilder, nd: Expr): void => {
    if (!isUniform(nd) && nd.kind !== 'input' && isMask.get(nd)) {
      b.get(valueLocal.get(nd)!);
      return;
    }
    pushNum(b, nd);
    b.get(ZERO()).simd(Simd.f32x4Ne);
  };
  const emitNode = (b: FuncBuilder, nd: Expr): void => {
    let mask = false;
    switch (nd.kind) {
      case 'unary': {
        const op = nd.op;
        if (op === 'sign') {
          // copysign(1, x) where x < 0 or x > 0; x itself for ±0 and NaN (as Math.sign).
          pushNum(b, nd.a);
          b.i32x4Const(-0x80000000).simd(Simd.and).get(ONE()).simd(Simd.or);
          pushNum(b, nd.a);
          pushNum(b, nd.a);
          b.get(ZERO()).simd(Simd.f32x4Lt);
          pushNum(b, nd.a);
          b.get(ZERO()).simd(Simd.f32x4Gt).simd(Simd.or).simd(Simd.bitselect);
        } else if (op === 'not') {
          if (!isUniform(nd.a) && nd.a.kind !== 'input' && isMask.get(nd.a)) {
            b.get(valueLocal.get(nd.a)!).simd(Simd.not);
          } else {
            pushNum(b, nd.a);
            b.get(ZERO()).simd(Simd.f32x4Eq);
          }
          mask = true;
        } else {
          pushNum(b, nd.a);
          b.simd(opcode(UNARY, op));
        }
        break;
      }
      case 'binary': {
        const op = nd.op;
        if (op in ARITH) {
          if (op === 'div' && recipIndex.has(nd.b) && isUniform(nd.b) && nd.b.kind !== 'const') {
            pushNum(b, nd.a);
            b.get(splatRecip.get(nd.b)!).simd(Simd.f32x4Mul);
          } else if (op === 'div' && nd.b.kind === 'const' && exactReciprocal(nd.b.value) !== null) {
            // x / 2^k = x · 2^-k exactly.
            pushNum(b, nd.a);
            b.get(constLocalOf(exactReciprocal(nd.b.value)!)).simd(Simd.f32x4Mul);
          } else if (pseudoMinMax.has(nd)) {
            const [x, u] = isUniform(nd.b) ? [nd.a, nd.b] : [nd.b, nd.a];
            pushNum(b, x);
            pushNum(b, u);
            b.simd(op === 'min' ? Simd.f32x4Pmin : Simd.f32x4Pmax);
          } else {
            pushNum(b, nd.a);
            pushNum(b, nd.b);
            b.simd(ARITH[op]!);
          }
        } else if (op in CMP) {
          // sign(x) compared with 0 orders as x does (NaN included): compare x.
          const bare = (e: Expr): Expr =>
            e.kind === 'unary' && e.op === 'sign' && !isUniform(e) && isZero(nd.a === e ? nd.b : nd.a) ? e.a : e;
          pushNum(b, bare(nd.a));
          pushNum(b, bare(nd.b));
          b.simd(CMP[op]!);
          mask = true;
        } else {
          pushMask(b, nd.a);
          pushMask(b, nd.b);
          b.simd(opcode(LOGIC, op));
          mask = true;
        }
        break;
      }
      case 'select':
        pushNum(b, nd.a);
        pushNum(b, nd.b);
        pushMask(b, nd.cond);
        b.simd(Simd.bitselect);
        break;
      default:
        throw new Error('unexpected leaf');
    }
    isMask.set(nd, mask);
    b.set(valueLocal.get(nd)!);
  };

  const usedInputs = new Set(order.filter((nd) => nd.kind === 'input').map((nd) => (nd as { name: string }).name));
  const fullInputs = kernel.inputs.filter((name) => usedInputs.has(name) && modes[slot.get(name)!] === 'full');
  /** One copy of the body: vector at `memOffset` bytes past `off`, or one lane. */
  const copy = (b: FuncBuilder, lane: boolean, memOffset: number): void => {
    for (const name of fullInputs) {
      b.get(pPtr(slot.get(name)!))
        .get(off)
        .op(Op.i32Add);
      if (lane) b.mem(Simd.load32Zero, 2, 0);
      else b.mem(Simd.load, 4, memOffset);
      b.set(inputLocal.get(name)!);
    }
    for (const nd of varying) emitNode(b, nd);
    kernel.outputs.forEach((o, j) => {
      b.get(pPtr(slot.get(o)!))
        .get(off)
        .op(Op.i32Add);
      pushNum(b, roots[j]!);
      if (lane) {
        b.mem(Simd.store32Lane, 2, 0);
        b.code.byte(0);
      } else {
        b.mem(Simd.store, 4, memOffset);
      }
    });
  };
  // Main loop: 8 elements per iteration.
  body.i32c(0).set(off);
  body.get(pN).i32c(-8).op(Op.i32And).i32c(2).op(Op.i32Shl).set(end);
  body.op(Op.block).op(Op.blockVoid).op(Op.loop).op(Op.blockVoid);
  body.get(off).get(end).op(Op.i32GeU).op(Op.brIf).code.u32(1);
  copy(body, false, 0);
  copy(body, false, 16);
  body.get(off).i32c(32).op(Op.i32Add).set(off);
  body.op(Op.br).code.u32(0);
  body.op(Op.end).op(Op.end);
  // One more vector when 4 or more remain.
  body.get(pN).i32c(4).op(Op.i32And).op(Op.if).op(Op.blockVoid);
  copy(body, false, 0);
  body.get(off).i32c(16).op(Op.i32Add).set(off);
  body.op(Op.end);
  // Single lanes.
  body.get(pN).i32c(2).op(Op.i32Shl).set(end);
  body.op(Op.block).op(Op.blockVoid).op(Op.loop).op(Op.blockVoid);
  body.get(off).get(end).op(Op.i32GeU).op(Op.brIf).code.u32(1);
  copy(body, true, 0);
  body.get(off).i32c(4).op(Op.i32Add).set(off);
  body.op(Op.br).code.u32(0);
  body.op(Op.end).op(Op.end);

  // Prologue: constants and scalar-mode loads; then the body.
  for (const [l, v] of constInit) f.f32x4Const(v).set(l);
  for (const [k, l] of scalarLoads) f.get(pPtr(k)).mem(Simd.load32Splat, 2, 0).set(l);
  f.code.bytes(body.code.toUint8Array());

  const bytes = encodeModule([f], { initialPages: 0, maximumPages: 65536, shared: memory.shared });
  return { bytes, name: fname, prelude: preLines.join('\n'), uniformNames };
}

/** f32x4 instructions by operation. */
const UNARY: Record<string, number> = { neg: Simd.f32x4Neg, abs: Simd.f32x4Abs, sqrt: Simd.f32x4Sqrt, floor: Simd.f32x4Floor };
const ARITH: Record<string, number> = {
  add: Simd.f32x4Add,
  sub: Simd.f32x4Sub,
  mul: Simd.f32x4Mul,
  div: Simd.f32x4Div,
  min: Simd.f32x4Min,
  max: Simd.f32x4Max,
};
const CMP: Record<string, number> = {
  lt: Simd.f32x4Lt,
  le: Simd.f32x4Le,
  gt: Simd.f32x4Gt,
  ge: Simd.f32x4Ge,
  eq: Simd.f32x4Eq,
  ne: Simd.f32x4Ne,
};
const LOGIC: Record<string, number> = { and: Simd.and, or: Simd.or };

function opcode(table: Record<string, number>, op: string): number {
  const o = table[op];
  if (o === undefined) throw new Error(`no SIMD form for ${op}`);
  return o;
}

function isZero(e: Expr): boolean {
  return e.kind === 'const' && e.value === 0;
}

/** `1/c` when both `c` and `1/c` are exact float32 values (c a power of two), else null. */
function exactReciprocal(c: number): number | null {
  const r = 1 / c;
  return Number.isFinite(r) && r !== 0 && Math.fround(c) === c && Math.fround(r) === r && r * c === 1 ? r : null;
}

/** True when this runtime validates a module using f32x4 instructions. */
export function simdAvailable(): boolean {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return false;
  try {
    const f = new FuncBuilder([], 'probe');
    const l = f.local(V128);
    f.f32x4Const(1).f32x4Const(2).simd(Simd.f32x4Add).set(l);
    return WebAssembly.validate(encodeModule([f], { initialPages: 0, maximumPages: 1, shared: false }) as BufferSource);
  } catch {
    return false;
  }
}
