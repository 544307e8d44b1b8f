/** Pixels per image (28 × 28). */
export const PIXELS = 784;

/** Images and labels, one row of 784 pixels in [0, 1] per image. */
export interface DigitSet {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly size: number;
}

/** A training and a test set. */
export interface DigitSplit {
  readonly train: DigitSet;
  readonly test: DigitSet;
}

/** Sizes of {@link splitDigits}'s sets. */
export interface SplitOptions {
  /** Keep the first `trainLimit` training images (class-balanced order). */
  readonly trainLimit?: number;
  /** Keep the first `testLimit` test images (class-balanced order). */
  readonly testLimit?: number;
}

/**
 * The `mnist` package's digits (`raw[d]`: digit d's images, 784 values each, concatenated) split as the demo
 * in apps/bench splits them: the first 80 % of each digit's images train, the rest test, both interleaved
 * 0, 1, …, 9, 0, 1, … so that any prefix is close to class-balanced.
 */
export function splitDigits(raw: readonly ArrayLike<number>[], options: SplitOptions = {}): DigitSplit {
  const train: [number, number][][] = [];
  const test: [number, number][][] = [];
  raw.forEach((digit, label) => {
    const count = Math.floor(digit.length / PIXELS);
    const cut = Math.floor(count * 0.8);
    train.push(Array.from({ length: cut }, (_, i) => [label, i] as [number, number]));
    test.push(Array.from({ length: count - cut }, (_, i) => [label, cut + i] as [number, number]));
  });
  const interleave = (byDigit: [number, number][][]): [number, number][] => {
    const out: [number, number][] = [];
    const longest = Math.max(...byDigit.map((d) => d.length));
    for (let i = 0; i < longest; i++) for (const d of byDigit) if (i < d.length) out.push(d[i]!);
    return out;
  };
  const pack = (rows: [number, number][]): DigitSet => {
    const x = new Float32Array(rows.length * PIXELS);
    const y = new Int32Array(rows.length);
    rows.forEach(([label, i], r) => {
      const src = raw[label]!;
      for (let j = 0; j < PIXELS; j++) x[r * PIXELS + j] = src[i * PIXELS + j]!;
      y[r] = label;
    });
    return { x, y, size: rows.length };
  };
  return {
    train: pack(interleave(train).slice(0, options.trainLimit)),
    test: pack(interleave(test).slice(0, options.testLimit)),
  };
}
