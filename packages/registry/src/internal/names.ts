/**
 * Option-name spelling: configs use torch's / AllenNLP's snake_case (`weight_decay`, `T_max`), the TypeScript
 * API camelCase (`weightDecay`, `tMax`).
 */

/** `weight_decay` → `weightDecay`, `T_max` → `tMax`, `T_0` → `t0`; camelCase names pass through unchanged. */
export function camelCase(key: string): string {
  if (!key.includes('_')) return key;
  const lowered = key.replace(/^[A-Z](?=_|$)/, (c) => c.toLowerCase());
  return lowered.replace(/_+([A-Za-z0-9])/g, (_, ch: string) => ch.toUpperCase());
}

/** `weightDecay` → `weight_decay` (for messages that quote a config's spelling). */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
}

/** A value as a message shows it: strings quoted, everything else as JSON (functions by name). */
export function show(value: unknown): string {
  if (typeof value === 'function') return `<function ${value.name || 'anonymous'}>`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The kind of a value, as error messages name it. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** True for a plain object (a JSON object), not an array, null or class instance with a custom prototype. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** `; did you mean "x"?` for the known name closest to a mistyped one (spelling-insensitive, or within 2 edits), else ''. */
export function didYouMean(key: string, names: readonly string[]): string {
  if (key.length > 40) return '';
  const flat = (s: string) => s.toLowerCase().replace(/_/g, '');
  const same = names.find((n) => flat(n) === flat(key));
  if (same !== undefined) return `; did you mean ${JSON.stringify(same)}?`;
  let best = '';
  let bestD = 3;
  for (const n of names) {
    const d = distance(flat(key), flat(n));
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return best === '' ? '' : `; did you mean ${JSON.stringify(best)}?`;
}
