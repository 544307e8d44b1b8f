import { ValueError } from '../errors.js';
import { type Shape, shapeSize, stridesOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * Arguments of {@link Backend.matmul}: `out[m×n] = op(a)·op(b) (+ bias) (+ out)`.
 *
 * Each operand is read as a row-major matrix over its last dimension: a tensor of shape `[..., c]` is the
 * matrix `[size / c, c]` (a 1-d tensor is one row). `op(x)` is `x`, or `xᵀ` with `transA` / `transB`; no
 * transpose is materialised by the caller. `out` holds `m·n` elements, row-major, and must not share storage
 * with `a`, `b` or `bias`.
 */
export interface MatmulArgs {
  readonly a: Tensor;
  readonly b: Tensor;
  readonly out: Tensor;
  /** Use `aᵀ` (a is stored `[k, m]`). */
  readonly transA?: boolean;
  /** Use `bᵀ` (b is stored `[n, k]`). */
  readonly transB?: boolean;
  /** `n` values added to every row of the product. */
  readonly bias?: Tensor | null;
  /** Add the product to `out` instead of overwriting it. */
  readonly accumulate?: boolean;
}

/** A matmul call checked and resolved, shared by every backend. */
export interface MatmulPlan {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: Tensor;
  readonly b: Tensor;
  readonly out: Tensor;
  readonly bias: Tensor | null;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly accumulate: boolean;
}

function live(t: unknown, what: string, op: string): Tensor {
  if (!Tensor.isTensor(t)) throw new ValueError(`${op}: '${what}' is not a tensor`);
  if (t.isDisposed) throw new ValueError(`${op}: tensor '${what}' has been disposed`);
  return t;
}

function asMatrix(t: Tensor): [number, number] {
  if (t.shape.length === 0) return [1, 1];
  return [shapeSize(t.shape.slice(0, -1)), t.shape[t.shape.length - 1]!];
}

/** Resolves a matmul call; throws a {@link ValueError} naming the problem. */
export function planMatmul(args: MatmulArgs): MatmulPlan {
  const a = live(args.a, 'a', 'matmul');
  const b = live(args.b, 'b', 'matmul');
  const out = live(args.out, 'out', 'matmul');
  const bias = args.bias == null ? null : live(args.bias, 'bias', 'matmul');
  const transA = args.transA === true;
  const transB = args.transB === true;
  const [ar, ac] = asMatrix(a);
  const [br, bc] = asMatrix(b);
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [k2, n] = transB ? [bc, br] : [br, bc];
  if (k !== k2) throw new ValueError(`matmul: shapes cannot be multiplied (${m}x${k} and ${k2}x${n})`);
  if (out.size !== m * n) throw new ValueError(`matmul: out has ${out.size} elements, ${m * n} expected (${m}x${n})`);
  if (bias !== null && bias.size !== n) throw new ValueError(`matmul: bias has ${bias.size} elements, ${n} expected`);
  for (const t of [b, out, ...(bias === null ? [] : [bias])]) {
    if (t.backend !== a.backend) throw new ValueError('matmul: tensors are on different backends');
  }
  return { m, n, k, a, b, out, bias, transA, transB, accumulate: args.accumulate === true };
}

/** Arguments of {@link Backend.permute}: `out` ← `src` with its dimensions reordered (torch's `permute`). */
export interface PermuteArgs {
  readonly src: Tensor;
  /** Shape `perm.map((d) => src.shape[d])`; must not share storage with `src`. */
  readonly out: Tensor;
  /** A permutation of `0 … rank − 1`: output dimension `i` is source dimension `perm[i]`. */
  readonly perm: readonly number[];
}

/** A permute call resolved: the output's shape and, per output dimension, the stride into the source. */
export interface PermutePlan {
  readonly src: Tensor;
  readonly out: Tensor;
  readonly shape: Shape;
  readonly strides: readonly number[];
}

/** Resolves a permute call; throws a {@link ValueError} naming the problem. */
export function planPermute(args: PermuteArgs): PermutePlan {
  const src = live(args.src, 'src', 'permute');
  const out = live(args.out, 'out', 'permute');
  const rank = src.shape.length;
  const perm = args.perm;
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((d) => !Number.isInteger(d) || d < 0 || d >= rank)) {
    throw new ValueError(`permute: [${perm.join(', ')}] is not a permutation of the ${rank} dimensions`);
  }
  if (out.size !== src.size) throw new ValueError(`permute: out has ${out.size} elements, ${src.size} expected`);
  if (out.backend !== src.backend) throw new ValueError('permute: tensors are on different backends');
  const inStrides = stridesOf(src.shape);
  return { src, out, shape: perm.map((d) => src.shape[d]!), strides: perm.map((d) => inStrides[d]!) };
}

/**
 * Arguments of {@link Backend.gatherRows} and {@link Backend.scatterAddRows}: rows of the leading dimension
 * moved by index. Gather: `out[r] = src[indices[r]]`. Scatter-add: `out[indices[r]] += src[r]`, rows that
 * repeat adding up. An index of -1 stands for a row of zeros: gather writes zeros, scatter-add skips the row
 * (this is how convolutions read zero padding through an index table).
 */
export interface RowsArgs {
  readonly src: Tensor;
  readonly out: Tensor;
  readonly indices: Int32Array;
  /**
   * The caller guarantees every index is in `[-1, rows)` (an index table built by library code, such as a
   * convolution's): the range check over the indices is skipped. Out-of-range indices are never a memory
   * error on any backend, only wrong values.
   */
  readonly trusted?: boolean;
}

/** A rows call resolved. */
export interface RowsPlan {
  readonly src: Tensor;
  readonly out: Tensor;
  readonly indices: Int32Array;
  /** Elements per row. */
  readonly rowSize: number;
  /** Rows of the indexed (full) tensor. */
  readonly rows: number;
}

/** Resolves a gather (`scatter` false) or scatter-add call; throws a {@link ValueError} naming the problem. */
export function planRows(args: RowsArgs, scatter: boolean): RowsPlan {
  const op = scatter ? 'scatterAddRows' : 'gatherRows';
  const src = live(args.src, 'src', op);
  const out = live(args.out, 'out', op);
  const full = scatter ? out : src;
  const compact = scatter ? src : out;
  if (full.shape.length === 0) throw new ValueError(`${op}: the indexed tensor has no leading dimension`);
  const rows = full.shape[0]!;
  const rowSize = rows === 0 ? 0 : full.size / rows;
  const indices = args.indices;
  if (compact.size !== indices.length * rowSize) {
    throw new ValueError(`${op}: ${compact.size} elements for ${indices.length} rows of ${rowSize}`);
  }
  // One tight pass for the range (index tables of convolutions hold millions of entries), then the message.
  let lo = 0;
  let hi = -1;
  for (let r = 0; r < (args.trusted === true ? 0 : indices.length); r++) {
    const i = indices[r]!;
    if (i < lo) lo = i;
    if (i > hi) hi = i;
  }
  if (lo < -1 || hi >= rows) {
    const bad = indices.find((i) => i < -1 || i >= rows)!;
    throw new ValueError(`${op}: index ${bad} is out of bounds for dimension 0 with size ${rows}`);
  }
  if (out.backend !== src.backend) throw new ValueError(`${op}: tensors are on different backends`);
  return { src, out, indices, rowSize, rows };
}
