/**
 * Single-threaded float32 matrix products on host arrays (row-major): the three forms a linear layer's
 * forward and backward passes need.
 *
 * - `gemmNT`: `C[n×m] = A[n×k] · B[m×k]ᵀ` — dot products of rows with a 2×4 register tile (eight float64
 *   accumulators, six loads per eight multiply-adds, no stores in the inner loop), `k` blocked by 256 so the
 *   rows stay in L1. The fastest form in JavaScript (≈ 4.4 GFLOP/s on one core of the reference machine).
 * - `gemmNN` / `gemmTN`: `A·B` and `Aᵀ·B` in i-k-j (resp. p-i-j) order, 4 rows of C per pass, blocked over
 *   k/i and j. No transpose is materialised, but every multiply-add loads and stores C: ≈ 2.3 GFLOP/s.
 * - `gemmNNPacked` / `gemmTNPacked`: pack the operands that are not in row-dot order into a reused scratch
 *   buffer (O(km + kn) moves against O(nkm) products) and run `gemmNT`: 1.5–3× faster than the unpacked
 *   loops at the sizes of an MLP, so `matmul` and `linear` use these (packing is what BLAS does too).
 *
 * Each form overwrites C (after adding `bias[j]` to every row when given).
 */

const KB = 256;
const JB = 512;

/** `C = A·Bᵀ (+ bias)`: A is n×k, B is m×k, C is n×m. */
export function gemmNT(
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  n: number,
  k: number,
  m: number,
  bias: Float32Array | null = null,
): void {
  for (let i = 0; i < n; i++) {
    const ci = i * m;
    if (bias === null) C.fill(0, ci, ci + m);
    else C.set(bias.subarray(0, m), ci);
  }
  for (let p0 = 0; p0 < k; p0 += KB) {
    const p1 = Math.min(p0 + KB, k);
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const a0 = i * k;
      const a1 = a0 + k;
      const c0 = i * m;
      const c1 = c0 + m;
      let j = 0;
      for (; j + 3 < m; j += 4) {
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
          const x0 = A[a0 + p]!;
          const x1 = A[a1 + p]!;
          const y0 = B[b0 + p]!;
          const y1 = B[b1 + p]!;
          const y2 = B[b2 + p]!;
          const y3 = B[b3 + p]!;
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
      for (; j < m; j++) {
        const b0 = j * k;
        let s0 = 0;
        let s1 = 0;
        for (let p = p0; p < p1; p++) {
          const y = B[b0 + p]!;
          s0 += A[a0 + p]! * y;
          s1 += A[a1 + p]! * y;
        }
        C[c0 + j] += s0;
        C[c1 + j] += s1;
      }
    }
    for (; i < n; i++) {
      const a0 = i * k;
      const c0 = i * m;
      for (let j = 0; j < m; j++) {
        const b0 = j * k;
        let s = 0;
        for (let p = p0; p < p1; p++) s += A[a0 + p]! * B[b0 + p]!;
        C[c0 + j] += s;
      }
    }
  }
}

/** `C = A·B`: A is n×k, B is k×m, C is n×m. */
export function gemmNN(A: Float32Array, B: Float32Array, C: Float32Array, n: number, k: number, m: number): void {
  C.fill(0, 0, n * m);
  for (let j0 = 0; j0 < m; j0 += JB) {
    const j1 = Math.min(j0 + JB, m);
    for (let p0 = 0; p0 < k; p0 += KB) {
      const p1 = Math.min(p0 + KB, k);
      let i = 0;
      for (; i + 3 < n; i += 4) {
        const c0 = i * m;
        const c1 = c0 + m;
        const c2 = c1 + m;
        const c3 = c2 + m;
        for (let p = p0; p < p1; p++) {
          const x0 = A[i * k + p]!;
          const x1 = A[(i + 1) * k + p]!;
          const x2 = A[(i + 2) * k + p]!;
          const x3 = A[(i + 3) * k + p]!;
          const bp = p * m;
          for (let j = j0; j < j1; j++) {
            const y = B[bp + j]!;
            C[c0 + j] += x0 * y;
            C[c1 + j] += x1 * y;
            C[c2 + j] += x2 * y;
            C[c3 + j] += x3 * y;
          }
        }
      }
      for (; i < n; i++) {
        const c0 = i * m;
        for (let p = p0; p < p1; p++) {
          const x = A[i * k + p]!;
          if (x === 0) continue;
          const bp = p * m;
          for (let j = j0; j < j1; j++) C[c0 + j] += x * B[bp + j]!;
        }
      }
    }
  }
}

/** `C = Aᵀ·B`: A is k×n, B is k×m, C is n×m. */
export function gemmTN(A: Float32Array, B: Float32Array, C: Float32Array, k: number, n: number, m: number): void {
  C.fill(0, 0, n * m);
  const IB = 64;
  for (let j0 = 0; j0 < m; j0 += JB) {
    const j1 = Math.min(j0 + JB, m);
    for (let i0 = 0; i0 < n; i0 += IB) {
      const i1 = Math.min(i0 + IB, n);
      for (let p = 0; p < k; p++) {
        const ap = p * n;
        const bp = p * m;
        let i = i0;
        for (; i + 3 < i1; i += 4) {
          const x0 = A[ap + i]!;
          const x1 = A[ap + i + 1]!;
          const x2 = A[ap + i + 2]!;
          const x3 = A[ap + i + 3]!;
          const c0 = i * m;
          const c1 = c0 + m;
          const c2 = c1 + m;
          const c3 = c2 + m;
          for (let j = j0; j < j1; j++) {
            const y = B[bp + j]!;
            C[c0 + j] += x0 * y;
            C[c1 + j] += x1 * y;
            C[c2 + j] += x2 * y;
            C[c3 + j] += x3 * y;
          }
        }
        for (; i < i1; i++) {
          const x = A[ap + i]!;
          if (x === 0) continue;
          const c0 = i * m;
          for (let j = j0; j < j1; j++) C[c0 + j] += x * B[bp + j]!;
        }
      }
    }
  }
}

let packA = new Float32Array(0);
let packB = new Float32Array(0);

/** `dst[c×r] = srcᵀ` for a row-major `src[r×c]`, in 32×32 tiles. */
function transposeInto(src: Float32Array, r: number, c: number, dst: Float32Array): void {
  const T = 32;
  for (let i0 = 0; i0 < r; i0 += T) {
    const i1 = Math.min(i0 + T, r);
    for (let j0 = 0; j0 < c; j0 += T) {
      const j1 = Math.min(j0 + T, c);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) dst[j * r + i] = src[i * c + j]!;
    }
  }
}

/**
 * `C = A·B` by packing `Bᵀ` (k×m → m×k, O(km) moves against O(nkm) products) and running {@link gemmNT}:
 * the dot-product form keeps its accumulators in registers and runs about twice as fast as the i-k-j loop.
 */
export function gemmNNPacked(A: Float32Array, B: Float32Array, C: Float32Array, n: number, k: number, m: number): void {
  if (packB.length < k * m) packB = new Float32Array(k * m);
  transposeInto(B, k, m, packB);
  gemmNT(A, packB, C, n, k, m);
}

/** `C = Aᵀ·B` by packing both operands (A: k×n → n×k, B: k×m → m×k) and running {@link gemmNT}. */
export function gemmTNPacked(A: Float32Array, B: Float32Array, C: Float32Array, k: number, n: number, m: number): void {
  if (packA.length < k * n) packA = new Float32Array(k * n);
  if (packB.length < k * m) packB = new Float32Array(k * m);
  transposeInto(A, k, n, packA);
  transposeInto(B, k, m, packB);
  gemmNT(packA, packB, C, n, k, m);
}
