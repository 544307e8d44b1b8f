import type { MatmulPlan } from '@tsoptim/core';
import { divmod } from './linalg-codegen.js';

/**
 * gpu.js sources for `out = op(a)·op(b) (+ bias) (+ out)`. Sizes and strides are literals (one compiled kernel
 * per shape), so loops have constant bounds, as GLSL requires; transposed operands are read in place through
 * their strides. Two forms:
 *
 * - **one per output**: one thread per output element, a dot product unrolled by 4 with four independent
 *   partial sums ({@link matmulSource});
 * - **tiled**: WebGL fragment shaders have no workgroup memory, so the blocking is done in registers instead.
 *   Each thread computes a `rows × cols` tile of outputs, so every value of op(A) fetched serves `cols`
 *   multiply-adds and every value of op(B) serves `rows`: texture fetches per multiply-add drop from 2 to
 *   `1/cols + 1/rows`. A thread's outputs leave as `vec4`s (gpu.js `Array(4)` results, 4 floats per texel), a
 *   4×4 tile as four of them through a kernel map (one render target each), a 2×2 tile as one. Then one pass
 *   over the `m·n` outputs ({@link tiledMatmulSources}' `unpack`, O(m·n) against the product's O(m·n·k)) moves
 *   each value to its place in the flat `[m·n]` layout every other kernel reads, and adds bias and the old
 *   output there. Tiles that hang over the last rows or columns read clamped (repeated) rows and columns; the
 *   unpack pass never reads those lanes.
 *
 * {@link chooseMatmulTile} picks the form.
 */

/** A thread's register tile of outputs, and the `vec4` groups it leaves in (`rows · cols / 4`). */
export interface MatmulTile {
  readonly rows: number;
  readonly cols: number;
  readonly groups: number;
}

/** 4×4 outputs per thread, four `vec4` results (needs a kernel map: WebGL's draw buffers). */
export const TILE_4X4: MatmulTile = { rows: 4, cols: 4, groups: 4 };
/** 2×2 outputs per thread, one `vec4` result. */
export const TILE_2X2: MatmulTile = { rows: 2, cols: 2, groups: 1 };

/**
 * Smallest product (`m·n·k` multiply-adds) that is tiled. Below it the second pass (a kernel launch and a
 * texture of `m·n` values) costs as much as the fetches the tile saves: on Mesa's llvmpipe the two forms tie
 * around `64·10·128 ≈ 2^16` and the tile wins from `64·4·784 ≈ 2^17.6` on.
 */
export const TILED_MATMUL_MIN_WORK = 2 ** 17;

/**
 * The rule: tile when the product is large enough ({@link TILED_MATMUL_MIN_WORK}) and both output dimensions
 * fill at least one tile (a product with fewer than 4 rows or columns, a matrix-vector product for instance,
 * would spend most of a tile's lanes on clamped copies). The tile is 4×4 where kernel maps are available,
 * 2×2 otherwise. Null: one thread per output.
 */
export function chooseMatmulTile(plan: Pick<MatmulPlan, 'm' | 'n' | 'k'>, kernelMap: boolean): MatmulTile | null {
  const { m, n, k } = plan;
  const tile = kernelMap ? TILE_4X4 : TILE_2X2;
  if (m < tile.rows || n < tile.cols || m * n * k < TILED_MATMUL_MIN_WORK) return null;
  return tile;
}

type MatmulArg = 'a' | 'b' | 'bias' | 'out';

/** Strides of op(A) `[rows, k]` and op(B) `[k, cols]` as stored. */
function strides(plan: MatmulPlan): { rsA: number; csA: number; rsB: number; csB: number } {
  const { m, n, k, transA, transB } = plan;
  return { rsA: transA ? 1 : k, csA: transA ? m : 1, rsB: transB ? 1 : n, csB: transB ? k : 1 };
}

/** The flat output's value from the product `sum` of output `(i, j)`: bias and the old output added. */
function epilogue(plan: MatmulPlan, sum: string): string {
  let r = sum;
  if (plan.bias !== null) r = `${r} + bias[j]`;
  if (plan.accumulate) r = `out[this.thread.x] + (${r})`;
  return r;
}

/** The arguments after the operands: `bias` then `out` (the old output) when used. */
function epilogueArgs(plan: MatmulPlan): MatmulArg[] {
  const args: MatmulArg[] = [];
  if (plan.bias !== null) args.push('bias');
  if (plan.accumulate) args.push('out');
  return args;
}

/** The unroll factor of the one-per-output kernel's inner loop (k is split into UNROLL-long runs plus a tail). */
const UNROLL = 4;

/**
 * One thread per output element: a dot product of a row of op(A) and a column of op(B), unrolled by 4 with
 * four independent partial sums (independent sums keep the shader's multiply-adds from chaining).
 * Arguments: `a, b` then `bias` and `out` (the old output) when used.
 */
export function matmulSource(plan: MatmulPlan): { source: string; args: MatmulArg[] } {
  const { n, k } = plan;
  const { rsA, csA, rsB, csB } = strides(plan);
  // With k = 0 the operands are empty (no device value): the product is zero and they are not passed.
  const args: MatmulArg[] = [...(k === 0 ? [] : (['a', 'b'] as const)), ...epilogueArgs(plan)];
  const lines = [`function matmul(${args.join(', ')}) {`, divmod('i', 'j', 'this.thread.x', n)];
  lines.push(`const a0 = i * ${rsA}; const b0 = j * ${csB};`);
  lines.push('let s0 = 0; let s1 = 0; let s2 = 0; let s3 = 0;');
  const full = Math.floor(k / UNROLL);
  if (full > 0) {
    lines.push(`for (let q = 0; q < ${full}; q++) {`, `const p = q * ${UNROLL};`);
    for (let u = 0; u < UNROLL; u++) {
      lines.push(`s${u} += a[a0 + (p + ${u}) * ${csA}] * b[(p + ${u}) * ${rsB} + b0];`);
    }
    lines.push('}');
  }
  for (let p = full * UNROLL; p < k; p++) lines.push(`s0 += a[a0 + ${p * csA}] * b[${p * rsB} + b0];`);
  lines.push(`return ${epilogue(plan, '(s0 + s1) + (s2 + s3)')};`, '}');
  return { source: lines.join('\n'), args };
}

/** The two kernels of a tiled product. */
export interface TiledMatmulSources {
  /** Root function (returns group 0) and the kernel-map sub-functions `o1`… (groups 1…), over `size` tiles. */
  readonly product: { readonly source: string; readonly subKernels: Readonly<Record<string, string>>; readonly size: number };
  /** Over the `m·n` outputs: arguments `t0`… (the product's groups), then `bias` and `out` when used. */
  readonly unpack: { readonly source: string; readonly args: readonly string[] };
}

/**
 * A tiled product (k > 0). Tile `(ti, tj)` (thread `ti · ⌈n / cols⌉ + tj`) holds outputs `(ti·rows + r,
 * tj·cols + c)`; its element `e = r·cols + c` is component `e mod 4` of group `⌊e / 4⌋`.
 */
export function tiledMatmulSources(plan: MatmulPlan, tile: MatmulTile): TiledMatmulSources {
  const { m, n, k } = plan;
  const { rows, cols, groups } = tile;
  const { rsA, csA, rsB, csB } = strides(plan);
  const tilesPerRow = Math.ceil(n / cols);
  const lines = ['function matmulTile(a, b) {', divmod('ti', 'tj', 'this.thread.x', tilesPerRow)];
  for (let r = 0; r < rows; r++) lines.push(`const a${r} = Math.min(ti * ${rows} + ${r}, ${m - 1}) * ${rsA};`);
  for (let c = 0; c < cols; c++) lines.push(`const b${c} = Math.min(tj * ${cols} + ${c}, ${n - 1}) * ${csB};`);
  const acc = (r: number, c: number): string => `s${r}_${c}`;
  for (let r = 0; r < rows; r++)
    lines.push(
      range(cols)
        .map((c) => `let ${acc(r, c)} = 0;`)
        .join(' '),
    );
  lines.push(`for (let p = 0; p < ${k}; p++) {`, `const pa = p * ${csA}; const pb = p * ${rsB};`);
  for (let c = 0; c < cols; c++) lines.push(`const y${c} = b[pb + b${c}];`);
  for (let r = 0; r < rows; r++) {
    lines.push(
      `const x${r} = a[a${r} + pa];`,
      range(cols)
        .map((c) => `${acc(r, c)} += x${r} * y${c};`)
        .join(' '),
    );
  }
  lines.push('}');
  const group = (g: number): string => {
    const elems = range(4).map((q) => 4 * g + q);
    return `[${elems.map((e) => acc(Math.floor(e / cols), e % cols)).join(', ')}]`;
  };
  const subKernels: Record<string, string> = {};
  for (let g = 1; g < groups; g++) {
    subKernels[`o${g}`] = `function o${g}(v) { return v; }`;
    lines.push(`o${g}(${group(g)});`);
  }
  lines.push(`return ${group(0)};`, '}');

  const packed = range(groups).map((g) => `t${g}`);
  const args = epilogueArgs(plan);
  const unpack = [`function unpack(${[...packed, ...args].join(', ')}) {`, divmod('i', 'j', 'this.thread.x', n)];
  unpack.push(divmod('ti', 'r', 'i', rows), divmod('tj', 'c', 'j', cols), `const q = ti * ${tilesPerRow} + tj;`);
  unpack.push(`const e = r * ${cols} + c;`, divmod('g', 'ch', 'e', 4), 'let v = t0[q];');
  for (let g = 1; g < groups; g++) unpack.push(`if (g > ${g - 0.5}) {`, `v = t${g}[q];`, '}');
  unpack.push('let s = v[3];');
  for (let ch = 2; ch >= 0; ch--) unpack.push(`if (ch < ${ch + 0.5}) {`, `s = v[${ch}];`, '}');
  unpack.push(`return ${epilogue(plan, 's')};`, '}');
  return {
    product: { source: lines.join('\n'), subKernels, size: Math.ceil(m / rows) * tilesPerRow },
    unpack: { source: unpack.join('\n'), args: [...packed, ...args] },
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
