/**
 * Measures the host matrix products behind `matmul` and `linear`, and one training step of the MNIST MLP.
 *
 *     node_modules/.bin/tsx --conditions=@tsoptim/source packages/nn/bench/matmul.ts
 */
import { createRng, rand, tensor } from '@tsoptim/core';
import { Adam } from '@tsoptim/optim';
import { Linear, ReLU, Sequential, crossEntropy, tidy } from '../src/index.js';
import { gemmNN, gemmNNPacked, gemmNT, gemmTN, gemmTNPacked } from '../src/internal/matmul-cpu.js';

const rng = createRng(0);
const randArr = (n: number): Float32Array => rand([n], rng, -1, 1).data.slice();

function time(f: () => void, minMs = 500): number {
  for (let i = 0; i < 3; i++) f();
  let it = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    f();
    it++;
  }
  return (performance.now() - t0) / it / 1000;
}

for (const [n, k, m] of [
  [64, 784, 128],
  [128, 128, 10],
  [256, 256, 256],
  [512, 512, 512],
] as const) {
  const A = randArr(n * k);
  const B = randArr(k * m);
  const Bt = randArr(m * k);
  const At = randArr(k * n);
  const C = new Float32Array(n * m);
  const gf = (s: number) => ((2 * n * k * m) / s / 1e9).toFixed(2);
  console.log(
    `${n}×${k}×${m}: A·Bᵀ ${gf(time(() => gemmNT(A, Bt, C, n, k, m)))}` +
      ` | A·B packed ${gf(time(() => gemmNNPacked(A, B, C, n, k, m)))}, i-k-j ${gf(time(() => gemmNN(A, B, C, n, k, m)))}` +
      ` | Aᵀ·B packed ${gf(time(() => gemmTNPacked(At, B, C, k, n, m)))}, p-i-j ${gf(time(() => gemmTN(At, B, C, k, n, m)))} GFLOP/s`,
  );
}

const model = new Sequential(new Linear(784, 128, { seed: 1 }), new ReLU(), new Linear(128, 10, { seed: 2 }));
const opt = new Adam(model.parameters(), { lr: 1e-3 });
const x = tensor(randArr(64 * 784), { shape: [64, 784] });
const y = Int32Array.from({ length: 64 }, (_, i) => i % 10);
const s = time(
  () =>
    tidy(() => {
      opt.zeroGrad();
      crossEntropy(model.forward(x), y).backward();
      opt.step();
    }),
  1000,
);
console.log(`MLP 784-128-10, batch 64, forward + backward + Adam: ${(s * 1e3).toFixed(2)} ms/step`);
