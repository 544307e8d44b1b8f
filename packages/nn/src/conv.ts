import { RuntimeError, type Tensor, ValueError, defineKernel, defineReduction, enableSimdGemm, k } from '@tsoptim/core';
import { sum as coreSum, zeros } from './internal/alloc.js';
import { productGrad } from './internal/backward.js';
import { viewAs } from './internal/shape-utils.js';
import { type Input, Variable, record } from './variable.js';

/** An int or a (height, width) pair, as torch's `_pair`. */
export type Pair = number | readonly [number, number];

function pair(x: Pair, what: string): [number, number] {
  const p: [number, number] = typeof x === 'number' ? [x, x] : [x[0], x[1]];
  if (!p.every((v) => Number.isInteger(v))) throw new ValueError(`${what} must be an integer or a pair of integers`);
  return p;
}

/**
 * Index tables of the unfold ("im2col") of a `[N, C, H, W]` input: row `(n, oh, ow)`, column `(c, kh, kw)` holds
 * the flat index of the input element under that kernel position, or -1 where the window lies over padding.
 * Built on the host once per shape and reused (a small cache), then applied by the backend's `gatherRows`.
 */
const tables = new Map<string, Int32Array>();

function unfoldTable(
  n: number,
  c: number,
  h: number,
  w: number,
  kh: number,
  kw: number,
  [sh, sw]: [number, number],
  [ph, pw]: [number, number],
  oh: number,
  ow: number,
  channelsInRows: boolean,
): Int32Array {
  const key = [n, c, h, w, kh, kw, sh, sw, ph, pw, channelsInRows ? 1 : 0].join(',');
  let t = tables.get(key);
  if (t !== undefined) return t;
  const kk = kh * kw;
  const cols = channelsInRows ? kk : c * kk;
  t = new Int32Array(n * c * oh * ow * kk);
  let q = 0;
  for (let b = 0; b < n; b++) {
    // channelsInRows (pooling): rows (n, c, oh, ow), columns (kh, kw). Else (convolution): rows (n, oh, ow), columns (c, kh, kw).
    for (let a = 0; a < (channelsInRows ? c : 1); a++) {
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          for (let ch = channelsInRows ? a : 0; ch < (channelsInRows ? a + 1 : c); ch++) {
            const base = (b * c + ch) * h * w;
            for (let i = 0; i < kh; i++) {
              const iy = y * sh - ph + i;
              for (let j = 0; j < kw; j++) {
                const ix = x * sw - pw + j;
                t[q++] = iy < 0 || iy >= h || ix < 0 || ix >= w ? -1 : base + iy * w + ix;
              }
            }
          }
        }
      }
    }
  }
  if (q !== n * (channelsInRows ? c : 1) * oh * ow * cols) throw new RuntimeError('unfold table size mismatch');
  if (tables.size >= 32) tables.delete(tables.keys().next().value!);
  tables.set(key, t);
  return t;
}

/** A `[size]` view as rows of one element, for the backend's row operations. */
function asRows(t: Tensor): Tensor {
  return viewAs(t, [t.size, 1]);
}

function outSize(inSize: number, kSize: number, stride: number, pad: number, what: string): number {
  const o = Math.floor((inSize + 2 * pad - kSize) / stride) + 1;
  if (o <= 0)
    throw new RuntimeError(`${what}: output size is too small (input ${inSize}, kernel ${kSize}, stride ${stride}, padding ${pad})`);
  return o;
}

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Step of the window (default 1). */
  readonly stride?: Pair;
  /** Zeros added on each side (default 0). */
  readonly padding?: Pair;
}

/**
 * A 2-d convolution (cross-correlation, as torch's `F.conv2d`, groups 1, dilation 1): input `[N, C, H, W]`,
 * weight `[O, C, kH, kW]`, optional bias `[O]`, output `[N, O, oH, oW]`.
 *
 * Runs as backend operations: the input is unfolded ("im2col") by `gatherRows` through an index table (−1
 * for padding), multiplied by the weight with one `matmul` (`[N·oH·oW, C·kH·kW] · Wᵀ + b`), and permuted to
 * `[N, O, oH, oW]`. Backward: `∂W = gᵀ·cols`, `∂b = Σ g`, `∂x` = the columns' gradient `g·W` folded back by
 * `scatterAddRows`.
 *
 * @param x - `[N, C, H, W]`.
 * @param weight - `[O, C, kH, kW]`.
 * @param bias - `[O]`, or null.
 * @param options - `stride`, `padding`.
 * @throws RuntimeError when shapes do not fit or the output would be empty.
 * @example
 * const y = conv2d(images, conv.weight, conv.bias, { padding: 2 });
 */
export function conv2d(x: Input, weight: Input, bias: Input | null = null, options: Conv2dOptions = {}): Variable {
  const vx = Variable.from(x);
  const vw = Variable.from(weight);
  const vb = bias === null ? null : Variable.from(bias);
  if (vx.ndim !== 4) throw new RuntimeError(`Expected 4D input to conv2d, but got input of size: [${vx.shape.join(', ')}]`);
  if (vw.ndim !== 4) throw new RuntimeError(`conv2d expects a 4-d weight, got ${vw.ndim}-d`);
  const [n, c, h, w] = vx.shape as [number, number, number, number];
  const [o, cw, kh, kw] = vw.shape as [number, number, number, number];
  if (cw !== c) {
    throw new RuntimeError(
      `Given groups=1, weight of size [${vw.shape.join(', ')}], expected input[${vx.shape.join(', ')}] to have ${cw} channels, but got ${c} channels instead`,
    );
  }
  if (vb !== null && vb.size !== o) throw new RuntimeError(`conv2d expects a bias of shape [${o}], got [${vb.shape.join(', ')}]`);
  const stride = pair(options.stride ?? 1, 'stride');
  const padding = pair(options.padding ?? 0, 'padding');
  if (stride[0] <= 0 || stride[1] <= 0) throw new RuntimeError('non-positive stride is not supported');
  if (padding[0] < 0 || padding[1] < 0) throw new RuntimeError('negative padding is not supported');
  const oh = outSize(h, kh, stride[0], padding[0], 'conv2d');
  const ow = outSize(w, kw, stride[1], padding[1], 'conv2d');
  const X = vx.value;
  const W = vw.value;
  const backend = enableSimdGemm(X.backend);
  const rows = n * oh * ow;
  const ckk = c * kh * kw;
  const table = unfoldTable(n, c, h, w, kh, kw, stride, padding, oh, ow, false);
  const cols = zeros([rows, ckk], { backend });
  backend.gatherRows({ src: asRows(X), out: asRows(cols), indices: table, trusted: true });
  const prod = zeros([n, oh * ow, o], { backend });
  backend.matmul({ a: cols, b: viewAs(W, [o, ckk]), transB: true, bias: vb === null ? null : vb.value, out: prod });
  const out = zeros([n, o, oh, ow], { backend });
  backend.permute({ src: prod, out: viewAs(out, [n, o, oh * ow]), perm: [0, 2, 1] });
  const parents = vb === null ? [vx, vw] : [vx, vw, vb];
  return record('conv2d', out, parents, (g, needs) => {
    const g2 = zeros([n, oh * ow, o], { backend });
    backend.permute({ src: viewAs(g, [n, o, oh * ow]), out: g2, perm: [0, 2, 1] });
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      const dcols = zeros([rows, ckk], { backend });
      backend.matmul({ a: g2, b: viewAs(W, [o, ckk]), out: dcols });
      dx = zeros(vx.shape, { backend });
      backend.scatterAddRows({ src: asRows(dcols), out: asRows(dx), indices: table, trusted: true });
    }
    if (needs[1]) dw = productGrad(vw, { a: g2, b: cols, transA: true });
    if (vb !== null && needs[2]) db = coreSum(viewAs(g2, [rows, o]), { axes: [0] });
    return [dx, dw, db];
  });
}

const maxR = defineReduction({ name: 'nn_pool_max', inputs: ['x'], body: ({ x }) => x, combine: 'max' });
/** The window's gradient: `g` at the window's maximum (every tied maximum), 0 elsewhere. */
const poolGradK = defineKernel({
  name: 'nn_pool_grad',
  inputs: ['x', 'm', 'g'],
  outputs: ['out'],
  body: ({ x, m, g }) => ({ out: k.select(k.eq(x, m), g, 0) }),
});

/** Options of {@link maxPool2d}. */
export interface MaxPool2dOptions {
  /** Step of the window (default: the kernel size). */
  readonly stride?: Pair;
}

/**
 * 2-d max pooling (torch's `F.max_pool2d` without padding or dilation): input `[N, C, H, W]`, output
 * `[N, C, oH, oW]`, each the maximum of its `kH × kW` window.
 *
 * Runs as backend operations: the windows are gathered by `gatherRows` into `[N·C·oH·oW, kH·kW]` and reduced
 * with a max reduction; backward routes each output's gradient to its window's maximum and folds the windows
 * back with `scatterAddRows`. Where a window holds its maximum more than once, every copy receives the
 * gradient (torch gives it to the first); after a ReLU such ties are zeros, whose gradient the ReLU drops.
 *
 * @param x - `[N, C, H, W]`.
 * @param kernelSize - window size.
 * @param options - `stride`.
 * @throws RuntimeError for another rank or an empty output.
 * @example
 * const y = maxPool2d(relu(conv2d(x, w, b)), 2);
 */
export function maxPool2d(x: Input, kernelSize: Pair, options: MaxPool2dOptions = {}): Variable {
  const v = Variable.from(x);
  if (v.ndim !== 4) throw new RuntimeError(`max_pool2d expects a 4-d input [N, C, H, W], got [${v.shape.join(', ')}]`);
  const [n, c, h, w] = v.shape as [number, number, number, number];
  const [kh, kw] = pair(kernelSize, 'kernel_size');
  const stride = pair(options.stride ?? [kh, kw], 'stride');
  if (kh <= 0 || kw <= 0 || stride[0] <= 0 || stride[1] <= 0) throw new RuntimeError('max_pool2d: kernel size and stride must be positive');
  const oh = outSize(h, kh, stride[0], 0, 'max_pool2d');
  const ow = outSize(w, kw, stride[1], 0, 'max_pool2d');
  const X = v.value;
  const backend = X.backend;
  const rows = n * c * oh * ow;
  const kk = kh * kw;
  const table = unfoldTable(n, c, h, w, kh, kw, stride, [0, 0], oh, ow, true);
  const cols = zeros([rows, kk], { backend });
  backend.gatherRows({ src: asRows(X), out: asRows(cols), indices: table, trusted: true });
  const out = zeros([n, c, oh, ow], { backend });
  backend.reduce(maxR, { tensors: { x: cols }, out, axes: [1] });
  return record('maxPool2d', out, [v], (g) => {
    const dcols = zeros([rows, kk], { backend });
    backend.run(poolGradK, { tensors: { x: cols, m: viewAs(out, [rows, 1]), g: viewAs(g, [rows, 1]), out: dcols } });
    const dx = zeros(v.shape, { backend });
    backend.scatterAddRows({ src: asRows(dcols), out: asRows(dx), indices: table, trusted: true });
    return [dx];
  });
}
