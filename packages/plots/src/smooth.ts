/**
 * A moving average over `window` points, then every `stride`-th point (so that a chart of thousands of
 * noisy batch losses stays readable and small). The x values are 1-based point numbers.
 *
 * @example
 * const { x, y } = smooth(losses, 25, 5);
 */
export function smooth(values: readonly number[], window: number, stride: number): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= window) sum -= values[i - window]!;
    const n = Math.min(i + 1, window);
    if (i % stride === stride - 1 || i === values.length - 1) {
      x.push(i + 1);
      y.push(sum / n);
    }
  }
  return { x, y };
}
