import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The folder of committed reference fixtures (tooling/fixtures/data). */
export const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/data/', import.meta.url));

const cache = new Map<string, unknown>();

/** Reads `tooling/fixtures/data/<area>/<name>.json` (cached). */
export function loadFixture<T = any>(area: string, name: string): T {
  const key = `${area}/${name}`;
  let v = cache.get(key);
  if (v === undefined) {
    v = JSON.parse(readFileSync(`${FIXTURE_DIR}${area}/${name}.json`, 'utf8'));
    cache.set(key, v);
  }
  return v as T;
}

/** Absolute + relative closeness, elementwise, as numpy's isclose: |a − b| ≤ atol + rtol·|b|. */
export function isClose(a: number, b: number, atol: number, rtol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

/** The first index where two flat arrays differ beyond tolerance, with both values; null when close. */
export function firstMismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  rtol: number,
): { index: number; actual: number; expected: number } | null {
  if (actual.length !== expected.length) return { index: -1, actual: actual.length, expected: expected.length };
  for (let i = 0; i < expected.length; i++) {
    if (!isClose(actual[i]!, expected[i]!, atol, rtol)) return { index: i, actual: actual[i]!, expected: expected[i]! };
  }
  return null;
}

/** Flattens nested arrays (or a number) into a plain number array. */
export function flatten(x: unknown): number[] {
  if (typeof x === 'number') return [x];
  if (Array.isArray(x)) return x.flatMap(flatten);
  throw new Error(`not a number or nested array: ${JSON.stringify(x)}`);
}

/**
 * Rewrites Python's float spellings in a torch message as JavaScript prints them ("-1.0" → "-1",
 * "1e-08" → "1e-8"), so that torch's message compares with ours.
 */
export function jsNumbersInMessage(message: string): string {
  return message.replace(/-?\d+\.\d+(e[+-]?\d+)?|-?\d+e[+-]?\d+/g, (m) => String(Number(m)));
}
