/**
 * The CPU backend's JavaScript matrix product, for what the WebAssembly GEMM does not take (tensors outside
 * the WebAssembly memory, `simd: false`): both operands packed into dot-product order (op(A) as `m×k` rows,
 * op(B)ᵀ as `n×k` rows), then a 2×4 register tile of float64 accumulators over `k` blocks of 256. About
 * 4 GFLOP/s on one core of the reference machine; the SIMD GEMM is several times faster.
 */

const KB = 256;
let packA = new Float32Array(0);
let packB = new Float32Array(0);

/** `dst[i·k + p] = op(src)[i, p]` for an `r×k` op(src) stored row-major, transposed (`trans`) or not. */
function pack(src: Float32Array, rows: number, k: number, trans: boolean, dst: Float32Array): void {
  if (!trans) {
    dst.set(src.subarray(0, rows * k));
    return;
  }
  // src is stored k×rows.
  const T = 32;
  for (let p0 = 0; p0 < k; p0 += T) {
    const p1 = Math.min(p0 + T, k);
    for (let i0 = 0; i0 < rows; i0 += T) {
      const i1 = Math.min(i0 + T, rows);
      for (let p = p0; p < p1; p++) for (let i = i0; i < i1; i++) dst[i * k + p] = src[p * rows + i]!;
    }
  }
}

/**
 * `C[m×n] (+)= op(A)·op(B) (+ bias)`, C row-major. `bias` (n values) is added to every row; `accumulate`
 * keeps C's values and adds to them.
 */
export function gemmJs(
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  bias: Float32Array | null,
  accumulate: boolean,
): void {
  if (packA.length < m * k) packA = new Float32Array(m * k);
  if (packB.length < n * k) packB = new Float32Array(n * k);
  const a = transA ? packA : A;
  const b = transB ? B : packB;
  if (transA) pack(A, m, k, true, packA);
  if (!transB) pack(B, n, k, true, packB);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    if (!accumulate) {
      if (bias === null) C.fill(0, ci, ci + n);
      else C.set(bias.subarray(0, n), ci);
    } else if (bias !== null) {
      for (let j = 0; j < n; j++) C[ci + j] += bias[j]!;
    }
  }
  for (let p0 = 0; p0 < k; p0 += KB) {
    const p1 = Math.min(p0 + KB, k);
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const a0 = i * k;
      const a1 = a0 + k;
      const c0 = i * n;
      const c1 = c0 + n;
      let j = 0;
      for (; j + 3 < n; j += 4) {
        const b0 = j * k;
        const b1 = b0 + k;
        const b2 = b1 + k;
        const b3 = b2 + k;
        let s00 = 0;
        let s01 = 0;
        let s02 = 0;
        let s03 = 0;
        let s10 = 0;
        let s11 = 0;
        let s12 = 0;
        let s13 = 0;
        for (let p = p0; p < p1; p++) {
          const x0 = a[a0 + p]!;
          const x1 = a[a1 + p]!;
          const y0 = b[b0 + p]!;
          const y1 = b[b1 + p]!;
          const y2 = b[b2 + p]!;
          const y3 = b[b3 + p]!;
          s00 += x0 * y0;
          s01 += x0 * y1;
          s02 += x0 * y2;
          s03 += x0 * y3;
          s10 += x1 * y0;
          s11 += x1 * y1;
          s12 += x1 * y2;
          s13 += x1 * y3;
        }
        C[c0 + j] += s00;
        C[c0 + j + 1] += s01;
        C[c0 + j + 2] += s02;
        C[c0 + j + 3] += s03;
        C[c1 + j] += s10;
        C[c1 + j + 1] += s11;
        C[c1 + j + 2] += s12;
        C[c1 + j + 3] += s13;
      }
      for (; j < n; j++) {
        const b0 = j * k;
        let s0 = 0;
        let s1 = 0;
        for (let p = p0; p < p1; p++) {
          const y = b[b0 + p]!;
          s0 += a[a0 + p]! * y;
          s1 += a[a1 + p]! * y;
        }
        C[c0 + j] += s0;
        C[c1 + j] += s1;
      }
    }
    for (; i < m; i++) {
      const a0 = i * k;
      const c0 = i * n;
      for (let j = 0; j < n; j++) {
        const b0 = j * k;
        let s = 0;
        for (let p = p0; p < p1; p++) s += a[a0 + p]! * b[b0 + p]!;
        C[c0 + j] += s;
      }
    }
  }
}
