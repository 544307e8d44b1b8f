import type { PermutePlan } from '@tsoptim/core';

/**
 * gpu.js sources for the Backend's matrix and data-movement operations. Every size and stride is written
 * into the source as a literal (one compiled kernel per shape), so loops have constant bounds, as GLSL
 * requires. Tensors are flat `[size]` gpu.js values (see codegen.ts); index arithmetic runs in float32,
 * exact below 2^24 (checked by the backend).
 */

/** `(q, c) = (⌊x / d⌋, x mod d)` for non-negative integer-valued floats, robust to division rounding. */
export function divmod(q: string, c: string, x: string, d: number): string {
  return `const ${q} = Math.floor((${x} + 0.5) / ${d}); const ${c} = ${x} - ${q} * ${d};`;
}

/** One thread per output element: the source offset from the output coordinates and permuted strides. */
export function permuteSource(plan: PermutePlan): string {
  const { shape, strides } = plan;
  const lines = ['function permute(src) {', 'let off = 0;', 'const x0 = this.thread.x;'];
  let x = 'x0';
  for (let d = shape.length - 1; d >= 0; d--) {
    if (d === 0) {
      lines.push(`off += ${x} * ${strides[d]};`);
      break;
    }
    lines.push(divmod(`x${shape.length - d}`, `c${d}`, x, shape[d]!));
    lines.push(`off += c${d} * ${strides[d]};`);
    x = `x${shape.length - d}`;
  }
  lines.push('return src[off];', '}');
  return lines.join('\n');
}

/** `out[r] = src[idx[r]]`, rows of `rowSize`. */
export function gatherSource(rowSize: number): string {
  return [
    'function gather(src, idx) {',
    divmod('r', 'c', 'this.thread.x', rowSize),
    'const i = idx[r];',
    'if (i < 0) {',
    'return 0;',
    '}',
    `return src[i * ${rowSize} + c];`,
    '}',
  ].join('\n');
}

/**
 * `out[row] += Σ src[r]` over the compact rows `r` whose index is `row`: the host sorts the compact rows by
 * destination (`list`, with `start[row] … start[row + 1]` the run of one destination row), so each thread
 * sums at most `maxCount` rows and repeated indices add up without write conflicts.
 */
export function scatterAddSource(rowSize: number, maxCount: number): string {
  const lines = ['function scatterAdd(out, src, start, list) {', divmod('row', 'c', 'this.thread.x', rowSize)];
  lines.push('let s = out[this.thread.x];', 'const b = start[row];', 'const e = start[row + 1];');
  lines.push(`for (let q = 0; q < ${maxCount}; q++) {`, 'if (b + q < e) {', `s += src[list[b + q] * ${rowSize} + c];`, '}', '}');
  lines.push('return s;', '}');
  return lines.join('\n');
}

/**
 * The destination-sorted table of a scatter: `start` (rows + 1 offsets), `list` (compact rows; rows with
 * index -1 are left out), longest run.
 */
export function scatterTable(indices: Int32Array, rows: number): { start: Float32Array; list: Float32Array; maxCount: number } {
  const count = new Int32Array(rows + 1);
  for (const i of indices) if (i >= 0) count[i + 1]!++;
  let maxCount = 0;
  for (let r = 0; r < rows; r++) {
    maxCount = Math.max(maxCount, count[r + 1]!);
    count[r + 1]! += count[r]!;
  }
  const start = Float32Array.from(count);
  const fill = Int32Array.from(count);
  const list = new Float32Array(Math.max(1, count[rows]!));
  indices.forEach((row, r) => {
    if (row >= 0) list[fill[row]!++] = r;
  });
  return { start, list, maxCount };
}
