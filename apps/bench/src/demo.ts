/**
 * A small real fit: linear regression y = X·w + b on seeded data, trained with SGD (momentum) and Adam.
 * Prints the loss falling. (The full MNIST demo replaces this.)
 */
import { Parameter, createRng, tensor } from '@tsoptim/core';
import { Adam, type Optimizer, SGD } from '@tsoptim/optim';

const rng = createRng(0);
const n = 256;
const d = 8;
const trueW = Array.from({ length: d }, () => rng.normal());
const X = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
const y = X.map((row) => row.reduce((a, x, j) => a + x * trueW[j]!, 0.5) + 0.01 * rng.normal());

function fit(name: string, make: (params: Parameter[]) => Optimizer): void {
  const w = new Parameter(tensor(new Float32Array(d)));
  const b = new Parameter(tensor(0));
  const opt = make([w, b]);
  const closure = (): number => {
    const wv = w.data;
    const bv = b.data[0]!;
    const gw = new Float32Array(d);
    let gb = 0;
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const r = X[i]!.reduce((a, x, j) => a + x * wv[j]!, bv) - y[i]!;
      loss += (r * r) / n;
      for (let j = 0; j < d; j++) gw[j]! += (2 * r * X[i]![j]!) / n;
      gb += (2 * r) / n;
    }
    w.setGrad(gw);
    b.setGrad(gb);
    return loss;
  };
  const losses: string[] = [];
  for (let step = 0; step <= 100; step++) {
    const loss = opt.step(closure)!;
    if (step % 20 === 0) losses.push(`${step}: ${loss.toExponential(3)}`);
  }
  console.log(`${name.padEnd(14)} ${losses.join('  ')}`);
}

console.log('linear regression, 256 samples × 8 features; loss by step');
fit('SGD momentum', (p) => new SGD(p, { lr: 0.05, momentum: 0.9 }));
fit('Adam', (p) => new Adam(p, { lr: 0.1 }));
