/**
 * One declaration of a scheduler's options — name, default, check, torch's name, required — from which the
 * runtime validation is derived: unknown names (with the likely intended one), missing required options, and
 * each value's type and range, all before the constructor changes anything.
 */
import { TypeError_, ValueError } from '@tsoptim/core';

/** What a check knows about the option it checks. */
export interface OptionContext {
  /** The class or function whose option it is (`'StepLR'`). */
  readonly owner: string;
  /** The option's name in the TypeScript API (`'stepSize'`). */
  readonly name: string;
  /** torch's name (`'step_size'`), for torch's messages. */
  readonly torchName: string;
}

/** One option. */
export interface OptionDecl {
  readonly name: string;
  /** The value taken when the option is absent or `undefined`. */
  readonly default?: unknown;
  /** Throws a tsoptim error for a bad value (`undefined` never reaches it). */
  readonly check?: (value: unknown, ctx: OptionContext) => void;
  /** torch's spelling (default: `name` in snake_case). */
  readonly torchName?: string;
  /** The option has no default and must be given. */
  readonly required?: boolean;
}

/** A declared option table, ready to read options objects. */
export interface OptionTable {
  readonly owner: string;
  readonly decls: ReadonlyMap<string, OptionDecl & { torchName: string }>;
}

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k: string): string =>
  k.replace(/^[A-Z](?=_|$)/, (c) => c.toLowerCase()).replace(/_+([A-Za-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Declares the options of `owner`. */
export function declareOptions(owner: string, decls: readonly OptionDecl[]): OptionTable {
  const map = new Map<string, OptionDecl & { torchName: string }>();
  for (const d of decls) map.set(d.name, { ...d, torchName: d.torchName ?? snake(d.name) });
  return { owner, decls: map };
}

/** A table with more options (a subclass's on top of the base's). */
export function extendOptions(base: OptionTable, owner: string, decls: readonly OptionDecl[]): OptionTable {
  return declareOptions(owner, [...base.decls.values(), ...decls]);
}

/** A value as messages show it. */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'function') return `<function ${v.name || 'anonymous'}>`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  try {
    const s = JSON.stringify(v);
    if (s === undefined) return Object.prototype.toString.call(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** A value's kind as messages name it (`number`, `string`, `array`, `null`...). */
export function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** The declared name a mistyped key most likely meant: torch's spelling, another case, or a near miss. */
export function suggest(key: string, names: readonly string[], torchNames: ReadonlyMap<string, string> = new Map()): string | undefined {
  const byTorch = torchNames.get(key);
  if (byTorch !== undefined) return byTorch;
  const c = camel(key);
  const lower = c.toLowerCase();
  const exact = names.find((n) => n.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  if (key.length > 40) return undefined;
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(key.length / 4)) + 1;
  for (const n of names) {
    const d = distance(lower, n.toLowerCase());
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return best;
}

/**
 * Reads an options object against a table: rejects a non-object, unknown names (naming the owner and the
 * likely intended name), missing required options, and bad values (each option's check); returns the options
 * with defaults filled in. Reads own properties only, so `__proto__` or `constructor` keys are unknown names.
 *
 * @throws TypeError_ `StepLR() missing 1 required option: 'stepSize'` (torch: `missing 1 required positional
 * argument`), `StepLR() got an unexpected option 'step_size'; did you mean 'stepSize'?` (torch: `unexpected
 * keyword argument`), and the checks' errors.
 */
export function readOptions<T extends object>(table: OptionTable, options: unknown): T {
  const { owner, decls } = table;
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError_(`${owner}() options must be an object, got ${kind(options)} ${show(options)}`);
  }
  const given = options as Record<string, unknown>;
  const names = [...decls.keys()];
  for (const key of Object.keys(given)) {
    if (decls.has(key)) continue;
    const torchNames = new Map([...decls.values()].map((d) => [d.torchName, d.name] as const));
    const hint = suggest(key, names, torchNames);
    throw new TypeError_(
      `${owner}() got an unexpected option '${key}'${hint === undefined ? '' : `; did you mean '${hint}'?`} (options: ${names.join(', ')})`,
    );
  }
  const missing = [...decls.values()].filter((d) => d.required === true && (!Object.hasOwn(given, d.name) || given[d.name] === undefined));
  if (missing.length > 0) {
    const list = missing.map((d) => `'${d.name}'`);
    throw new TypeError_(
      `${owner}() missing ${missing.length} required option${missing.length === 1 ? '' : 's'}: ${list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`}`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const d of decls.values()) {
    const v = Object.hasOwn(given, d.name) ? given[d.name] : undefined;
    if (v === undefined) {
      if (d.default !== undefined) out[d.name] = d.default;
      continue;
    }
    d.check?.(v, { owner, name: d.name, torchName: d.torchName });
    out[d.name] = v;
  }
  return out as T;
}

// ---- checks ------------------------------------------------------------------------------------------------

type Check = (value: unknown, ctx: OptionContext) => void;

/** Throws `<Owner>: option 'name' must be <expected>, got <kind> <value>`. */
export function typeError(ctx: OptionContext, expected: string, v: unknown): never {
  throw new TypeError_(`${ctx.owner}: option '${ctx.name}' must be ${expected}, got ${kind(v)} ${show(v)}`);
}

/** A number (finite unless `allowInfinite`), optionally within bounds; `message` gives torch's wording for a range error. */
export function num(
  opts: {
    min?: number;
    max?: number;
    minExclusive?: boolean;
    maxExclusive?: boolean;
    int?: boolean;
    allowInfinite?: boolean;
    message?: (v: number, ctx: OptionContext) => string;
  } = {},
): Check {
  return (v, ctx) => {
    if (typeof v !== 'number' || Number.isNaN(v) || (!opts.allowInfinite && !Number.isFinite(v))) {
      if (typeof v === 'number' && opts.message !== undefined) throw new ValueError(opts.message(v, ctx));
      typeError(ctx, opts.int ? 'an integer' : 'a finite number', v);
    }
    const bad =
      (opts.int === true && !Number.isInteger(v)) ||
      (opts.min !== undefined && (opts.minExclusive ? v <= opts.min : v < opts.min)) ||
      (opts.max !== undefined && (opts.maxExclusive ? v >= opts.max : v > opts.max));
    if (!bad) return;
    if (opts.message !== undefined) throw new ValueError(opts.message(v, ctx));
    const range = [
      opts.int ? 'an integer' : 'a number',
      opts.min === undefined ? '' : ` ${opts.minExclusive ? '>' : '>='} ${opts.min}`,
      opts.min !== undefined && opts.max !== undefined ? ' and' : '',
      opts.max === undefined ? '' : ` ${opts.maxExclusive ? '<' : '<='} ${opts.max}`,
    ].join('');
    throw new ValueError(`${ctx.owner}: option '${ctx.name}' must be ${range}, got ${show(v)}`);
  };
}

/** One of the listed strings; `message` gives torch's wording. */
export function oneOf(values: readonly string[], message?: (v: unknown, ctx: OptionContext) => string): Check {
  return (v, ctx) => {
    if (typeof v === 'string' && values.includes(v)) return;
    if (message !== undefined) throw new ValueError(message(v, ctx));
    throw new ValueError(`${ctx.owner}: option '${ctx.name}' must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${show(v)}`);
  };
}

/** `true` or `false`. */
export const bool: Check = (v, ctx) => {
  if (typeof v !== 'boolean') typeError(ctx, 'true or false', v);
};

/** A function. */
export const fn: Check = (v, ctx) => {
  if (typeof v !== 'function') typeError(ctx, 'a function', v);
};

/** `null`, or what `check` accepts. */
export function nullable(check: Check): Check {
  return (v, ctx) => {
    if (v !== null) check(v, ctx);
  };
}

/** One value that `each` accepts, or a non-empty list of them (one per driven group). */
export function perGroup(each: Check): Check {
  return (v, ctx) => {
    if (!Array.isArray(v)) return each(v, ctx);
    if (v.length === 0) typeError(ctx, 'a value or a non-empty list of one value per parameter group', v);
    for (const x of v) each(x, ctx);
  };
}

/** A list of integers (`milestones`). */
export function intList(v: unknown, ctx: OptionContext): void {
  const list =
    typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function'
      ? [...(v as Iterable<unknown>)]
      : v;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'number' && Number.isInteger(x))) typeError(ctx, 'a list of integers', v);
}
