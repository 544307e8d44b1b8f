/** Python's float `%`: the result takes the sign of the divisor (floor modulo). */
export function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** Python's `bisect.bisect_right` on a sorted array. */
export function bisectRight(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < sorted[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A value's type name for messages (`Array`, `number`, the class name of an object). */
export function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'Array';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'Object';
  return typeof x;
}

/** Plain-data deep copy for state dicts (numbers, strings, booleans, null, arrays, plain objects). */
export function copyData<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copyData) as T;
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    // defineProperty: a `__proto__` key stays an ordinary key instead of setting the copy's prototype.
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(out, k, { value: copyData(x), enumerable: true, writable: true, configurable: true });
    return out as T;
  }
  return v;
}
