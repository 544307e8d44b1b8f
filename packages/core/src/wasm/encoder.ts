/**
 * A minimal WebAssembly binary encoder: just what the kernel compiler needs (one imported memory, functions
 * with i32/f32/v128 parameters and locals, the control flow of a loop, and the SIMD instructions it emits).
 * No external assembler: the module is built from bytes here.
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Core opcodes used by the compiler. */
export const Op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  else: 0x05,
  br: 0x0c,
  brIf: 0x0d,
  call: 0x10,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Shl: 0x74,
  blockVoid: 0x40,
  f32Const: 0x43,
  f32Load: 0x2a,
  f32Store: 0x38,
  f32Add: 0x92,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
export const Simd = {
  load: 0x00,
  load32Splat: 0x09,
  store: 0x0b,
  const: 0x0c,
  i8x16Shuffle: 0x0d,
  f32x4Splat: 0x13,
  f32x4ExtractLane: 0x1f,
  f32x4Eq: 0x41,
  f32x4Ne: 0x42,
  f32x4Lt: 0x43,
  f32x4Gt: 0x44,
  f32x4Le: 0x45,
  f32x4Ge: 0x46,
  not: 0x4d,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  xor: 0x51,
  bitselect: 0x52,
  store32Lane: 0x5a,
  load32Zero: 0x5c,
  f32x4Floor: 0x68,
  f32x4Abs: 0xe0,
  f32x4Neg: 0xe1,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
  f32x4Pmin: 0xea,
  f32x4Pmax: 0xeb,
  /** Relaxed SIMD: `a·b + c`, fused or not as the hardware does it (validate before use). */
  f32x4RelaxedMadd: 0x105,
} as const;

/** A growable byte buffer with LEB128 helpers. */
export class Bytes {
  private buf = new Uint8Array(256);
  length = 0;

  byte(b: number): this {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b & 0xff;
    return this;
  }

  bytes(bs: ArrayLike<number>): this {
    for (let i = 0; i < bs.length; i++) this.byte(bs[i]!);
    return this;
  }

  /** Unsigned LEB128. */
  u32(v: number): this {
    let x = v >>> 0;
    do {
      let b = x & 0x7f;
      x >>>= 7;
      if (x !== 0) b |= 0x80;
      this.byte(b);
    } while (x !== 0);
    return this;
  }

  /** Signed LEB128 (32-bit). */
  i32(v: number): this {
    let x = v | 0;
    for (;;) {
      const b = x & 0x7f;
      x >>= 7;
      if ((x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0)) {
        this.byte(b);
        return this;
      }
      this.byte(b | 0x80);
    }
  }

  str(s: string): this {
    const enc = new TextEncoder().encode(s);
    this.u32(enc.length);
    return this.bytes(enc);
  }

  /** A length-prefixed copy of another buffer. */
  vec(inner: Bytes): this {
    this.u32(inner.length);
    return this.bytes(inner.toUint8Array());
  }

  toUint8Array(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** A function body under construction. */
export class FuncBuilder {
  readonly code = new Bytes();
  private readonly localTypes: number[] = [];

  constructor(
    readonly params: readonly number[],
    readonly name: string,
  ) {}

  /** Declares a local of `type`; returns its index. */
  local(type: number): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  op(o: number): this {
    this.code.byte(o);
    return this;
  }

  get(i: number): this {
    this.code.byte(Op.localGet).u32(i);
    return this;
  }

  set(i: number): this {
    this.code.byte(Op.localSet).u32(i);
    return this;
  }

  i32c(v: number): this {
    this.code.byte(Op.i32Const).i32(v);
    return this;
  }

  simd(o: number): this {
    this.code.byte(0xfd).u32(o);
    return this;
  }

  /** A SIMD memory instruction with its memarg (alignment log2, offset). */
  mem(o: number, alignLog2: number, offset: number): this {
    this.code.byte(0xfd).u32(o).u32(alignLog2).u32(offset);
    return this;
  }

  /** A scalar memory instruction (`f32.load`, `f32.store`...) with its memarg. */
  memScalar(o: number, alignLog2: number, offset: number): this {
    this.code.byte(o).u32(alignLog2).u32(offset);
    return this;
  }

  /** `call` of the function at `index` in the module. */
  call(index: number): this {
    this.code.byte(Op.call).u32(index);
    return this;
  }

  /** `v128.const` of four equal f32 lanes. */
  f32x4Const(v: number): this {
    this.code.byte(0xfd).u32(Simd.const);
    const f = new Float32Array([v, v, v, v]);
    this.code.bytes(new Uint8Array(f.buffer));
    return this;
  }

  /** `v128.const` of four equal i32 lanes. */
  i32x4Const(v: number): this {
    this.code.byte(0xfd).u32(Simd.const);
    const f = new Int32Array([v, v, v, v]);
    this.code.bytes(new Uint8Array(f.buffer));
    return this;
  }

  /** The encoded body: local declarations then code then `end`. */
  encode(): Bytes {
    const body = new Bytes();
    const groups: [number, number][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    body.u32(groups.length);
    for (const [count, t] of groups) body.u32(count).byte(t);
    body.bytes(this.code.toUint8Array()).byte(Op.end);
    const out = new Bytes();
    return out.vec(body);
  }
}

/** The imported memory's limits. */
export interface MemoryImport {
  readonly initialPages: number;
  readonly maximumPages: number;
  readonly shared: boolean;
}

/**
 * Assembles a module that imports `env.memory` and exports each function by name. Functions take only
 * parameters and return nothing.
 */
export function encodeModule(funcs: readonly FuncBuilder[], memory: MemoryImport): Uint8Array {
  const out = new Bytes().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, content: Bytes): void => {
    out.byte(id).vec(content);
  };
  // Types: one per function (duplicates are harmless).
  const types = new Bytes().u32(funcs.length);
  for (const f of funcs) {
    types.byte(0x60).u32(f.params.length);
    for (const p of f.params) types.byte(p);
    types.u32(0);
  }
  section(1, types);
  const imports = new Bytes().u32(1).str('env').str('memory').byte(0x02);
  imports
    .byte(memory.shared ? 0x03 : 0x01)
    .u32(memory.initialPages)
    .u32(memory.maximumPages);
  section(2, imports);
  const fsec = new Bytes().u32(funcs.length);
  funcs.forEach((_, i) => fsec.u32(i));
  section(3, fsec);
  const exp = new Bytes().u32(funcs.length);
  funcs.forEach((f, i) => exp.str(f.name).byte(0x00).u32(i));
  section(7, exp);
  const code = new Bytes().u32(funcs.length);
  for (const f of funcs) code.bytes(f.encode().toUint8Array());
  section(10, code);
  return out.toUint8Array();
}
