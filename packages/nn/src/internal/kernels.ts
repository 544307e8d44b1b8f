/**
 * The elementwise kernels and reductions of @tsoptim/nn, defined once at module scope. Every backend
 * compiles them in its own way; inputs broadcast against the first output.
 */
import { defineKernel, defineReduction, k } from '@tsoptim/core';

/** `out ← a + b`. */
export const addK = /*#__PURE__*/ defineKernel({
  name: 'nn_add',
  inputs: ['a', 'b'],
  outputs: ['out'],
  body: ({ a, b }) => ({ out: k.add(a, b) }),
});
/** `out ← a − b`. */
export const subK = /*#__PURE__*/ defineKernel({
  name: 'nn_sub',
  inputs: ['a', 'b'],
  outputs: ['out'],
  body: ({ a, b }) => ({ out: k.sub(a, b) }),
});
/** `out ← a · b`. */
export const mulK = /*#__PURE__*/ defineKernel({
  name: 'nn_mul',
  inputs: ['a', 'b'],
  outputs: ['out'],
  body: ({ a, b }) => ({ out: k.mul(a, b) }),
});
/** `out ← a / b`. */
export const divK = /*#__PURE__*/ defineKernel({
  name: 'nn_div',
  inputs: ['a', 'b'],
  outputs: ['out'],
  body: ({ a, b }) => ({ out: k.div(a, b) }),
});
/** `out ← alpha · x` (x may broadcast: expands a reduced gradient). */
export const scaledK = /*#__PURE__*/ defineKernel({
  name: 'nn_scaled',
  inputs: ['x'],
  scalars: ['alpha'],
  outputs: ['out'],
  body: ({ x }, { alpha }) => ({ out: k.mul(alpha, x) }),
});
/** `out ← x` (x may broadcast). */
export const copyK = /*#__PURE__*/ defineKernel({ name: 'nn_copy', inputs: ['x'], outputs: ['out'], body: ({ x }) => ({ out: x }) });
/** `y ← y + x` (the gradient accumulator; x may broadcast). */
export const accumulateK = /*#__PURE__*/ defineKernel({
  name: 'nn_acc',
  inputs: ['x', 'y'],
  outputs: ['y'],
  body: ({ x, y }) => ({ y: k.add(y, x) }),
});
/** d/db of a / b: `out ← −g · a / b²`. */
export const divGradBK = /*#__PURE__*/ defineKernel({
  name: 'nn_div_grad_b',
  inputs: ['g', 'a', 'b'],
  outputs: ['out'],
  body: ({ g, a, b }) => ({ out: k.neg(k.div(k.mul(g, a), k.mul(b, b))) }),
});

/** `out ← max(x, 0)`. */
export const reluK = /*#__PURE__*/ defineKernel({
  name: 'nn_relu',
  inputs: ['x'],
  outputs: ['out'],
  body: ({ x }) => ({ out: k.max(x, 0) }),
});
/** `out ← g` where x > 0, else 0. */
export const reluGradK = /*#__PURE__*/ defineKernel({
  name: 'nn_relu_grad',
  inputs: ['g', 'x'],
  outputs: ['out'],
  body: ({ g, x }) => ({ out: k.select(k.gt(x, 0), g, 0) }),
});
/** `out ← tanh x`. */
export const tanhK = /*#__PURE__*/ defineKernel({
  name: 'nn_tanh',
  inputs: ['x'],
  outputs: ['out'],
  body: ({ x }) => ({ out: k.tanh(x) }),
});
/** `out ← g · (1 − y²)`, y = tanh x. */
export const tanhGradK = /*#__PURE__*/ defineKernel({
  name: 'nn_tanh_grad',
  inputs: ['g', 'y'],
  outputs: ['out'],
  body: ({ g, y }) => ({ out: k.mul(g, k.sub(1, k.mul(y, y))) }),
});
/** `out ← 1 / (1 + e^−x)`. */
export const sigmoidK = /*#__PURE__*/ defineKernel({
  name: 'nn_sigmoid',
  inputs: ['x'],
  outputs: ['out'],
  body: ({ x }) => ({ out: k.div(1, k.add(1, k.exp(k.neg(x)))) }),
});
/** `out ← g · y · (1 − y)`, y = σ(x). */
export const sigmoidGradK = /*#__PURE__*/ defineKernel({
  name: 'nn_sigmoid_grad',
  inputs: ['g', 'y'],
  outputs: ['out'],
  body: ({ g, y }) => ({ out: k.mul(g, y, k.sub(1, y)) }),
});
/** `out ← e^x`. */
export const expK = /*#__PURE__*/ defineKernel({ name: 'nn_exp', inputs: ['x'], outputs: ['out'], body: ({ x }) => ({ out: k.exp(x) }) });
/** `out ← ln x`. */
export const logK = /*#__PURE__*/ defineKernel({ name: 'nn_log', inputs: ['x'], outputs: ['out'], body: ({ x }) => ({ out: k.log(x) }) });

/** Σ e^x (softmax's denominator, the input already shifted by its max). */
export const sumExpR = /*#__PURE__*/ defineReduction({ name: 'nn_sumexp', inputs: ['x'], body: ({ x }) => k.exp(x), combine: 'sum' });
/** ln Σ e^x (log-softmax's normaliser, the input already shifted by its max): one logarithm per output. */
export const logSumExpR = /*#__PURE__*/ defineReduction({
  name: 'nn_logsumexp',
  inputs: ['x'],
  body: ({ x }) => k.exp(x),
  combine: 'sum',
  finalize: (acc) => k.log(acc),
});
/** `out ← e^t / s`. */
export const softmaxOutK = /*#__PURE__*/ defineKernel({
  name: 'nn_softmax_out',
  inputs: ['t', 's'],
  outputs: ['out'],
  body: ({ t, s }) => ({ out: k.div(k.exp(t), s) }),
});
/** log-softmax backward: `out ← g − e^y · Σg`. */
export const logSoftmaxGradK = /*#__PURE__*/ defineKernel({
  name: 'nn_log_softmax_grad',
  inputs: ['g', 'y', 'sg'],
  outputs: ['out'],
  body: ({ g, y, sg }) => ({ out: k.sub(g, k.mul(k.exp(y), sg)) }),
});
/** softmax backward: `out ← y · (g − Σ g·y)`. */
export const softmaxGradK = /*#__PURE__*/ defineKernel({
  name: 'nn_softmax_grad',
  inputs: ['g', 'y', 'gy'],
  outputs: ['out'],
  body: ({ g, y, gy }) => ({ out: k.mul(y, k.sub(g, gy)) }),
});

/** Batch norm, per channel: `invstd ← 1 / sqrt(ss·invM + eps)` from the sum of squared deviations. */
export const bnInvStdK = /*#__PURE__*/ defineKernel({
  name: 'nn_bn_invstd',
  inputs: ['ss'],
  scalars: ['invM', 'eps'],
  outputs: ['invstd'],
  body: ({ ss }, { invM, eps }) => ({ invstd: k.div(1, k.sqrt(k.add(k.mul(ss, invM), eps))) }),
});
/** Batch norm, per channel: running statistics `r ← (1 − m)·r + m·batch` (unbiased variance). */
export const bnRunningK = /*#__PURE__*/ defineKernel({
  name: 'nn_bn_running',
  inputs: ['mean', 'ss', 'rm', 'rv'],
  scalars: ['m', 'invM1'],
  outputs: ['rm', 'rv'],
  body: ({ mean, ss, rm, rv }, { m, invM1 }) => ({
    rm: k.add(k.mul(k.sub(1, m), rm), k.mul(m, mean)),
    rv: k.add(k.mul(k.sub(1, m), rv), k.mul(m, k.mul(ss, invM1))),
  }),
});
/** Batch norm with batch statistics: `x̂ ← xc · invstd`, `y ← x̂ · w + b`. */
export const bnNormK = /*#__PURE__*/ defineKernel({
  name: 'nn_bn_norm',
  inputs: ['xc', 'invstd', 'w', 'b'],
  outputs: ['xhat', 'y'],
  body: ({ xc, invstd, w, b }) => {
    const xhat = k.mul(xc, invstd);
    return { xhat, y: k.add(k.mul(xhat, w), b) };
  },
});
/** Batch norm with running statistics: `x̂ ← (x − rm) / sqrt(rv + eps)`, `y ← x̂ · w + b`. */
export const bnEvalK = /*#__PURE__*/ defineKernel({
  name: 'nn_bn_eval',
  inputs: ['x', 'rm', 'rv', 'w', 'b'],
  scalars: ['eps'],
  outputs: ['xhat', 'y'],
  body: ({ x, rm, rv, w, b }, { eps }) => {
    const xhat = k.div(k.sub(x, rm), k.sqrt(k.add(rv, eps)));
    return { xhat, y: k.add(k.mul(xhat, w), b) };
  },
});
/** Batch norm backward, batch statistics: `dx ← w · invstd · (g − Σg/M − x̂ · Σ(g·x̂)/M)`. */
export const bnGradK = /*#__PURE__*/ defineKernel({
  name: 'nn_bn_grad',
  inputs: ['g', 'xhat', 'w', 'invstd', 'sg', 'sgx'],
  scalars: ['invM'],
  outputs: ['dx'],
  body: ({ g, xhat, w, invstd, sg, sgx }, { invM }) => ({
    dx: k.mul(w, invstd, k.sub(k.sub(g, k.mul(sg, invM)), k.mul(xhat, sgx, invM))),
  }),
});
/** Batch norm backward, running statistics: `dx ← g · w / sqrt(rv + eps)`. */
export const bnEvalGradK = /*#__PURE__*/ defineKernel({
  name: 'nn_bn_eval_grad',
  inputs: ['g', 'w', 'rv'],
  scalars: ['eps'],
  outputs: ['dx'],
  body: ({ g, w, rv }, { eps }) => ({ dx: k.div(k.mul(g, w), k.sqrt(k.add(rv, eps))) }),
});

/** `alpha · Σ a·b` (the negative log-likelihood from a class mask and log-probabilities). */
export const scaledDotR = /*#__PURE__*/ defineReduction({
  name: 'nn_scaled_dot',
  inputs: ['a', 'b'],
  scalars: ['alpha'],
  body: ({ a, b }) => k.mul(a, b),
  combine: 'sum',
  finalize: (acc, _count, { alpha }) => k.mul(acc, alpha),
});
/**
 * Class-loss backward from the log-probabilities y: `out ← alpha · g · (m − w · e^y)` (m the weighted one-hot
 * mask; w its row sums for cross-entropy, zeros for nll; w and g may broadcast).
 */
export const crossEntropyGradK = /*#__PURE__*/ defineKernel({
  name: 'nn_class_grad',
  inputs: ['m', 'y', 'w', 'g'],
  scalars: ['alpha'],
  outputs: ['out'],
  body: ({ m, y, w, g }, { alpha }) => ({ out: k.mul(alpha, g, k.sub(m, k.mul(w, k.exp(y)))) }),
});
