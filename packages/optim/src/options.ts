/**
 * One declaration of an algorithm's options — name, default, kind, range check with torch's message, torch's
 * snake_case name, required or not — from which constructor validation, param-group and `addParamGroup`
 * validation, `loadStateDict` option validation and the TypeScript options type all follow (Keras's
 * `base_optimizer.py` and torch's `OptimizerInfo`). It is the `options` part of `defineAlgorithm`
 * (`algorithm.ts`).
 *
 * Checks run at construction and load, never per element: a step reads options the declaration already
 * accepted. Schedule-valued options (a function of the step, an array, an iterator) pass the kind check here;
 * the range checks run on each value a schedule produces.
 */
import { Tensor, TypeError_, ValueError } from '@tsoptim/core';
import { toSnake } from './internal/names.js';

/** What an option's values must be. */
export type OptionKind =
  | { readonly type: 'float'; readonly nullable?: boolean }
  | { readonly type: 'int'; readonly nullable?: boolean }
  | { readonly type: 'boolean'; readonly nullable?: boolean }
  | { readonly type: 'tuple'; readonly length: number; readonly nullableEntries?: boolean }
  | { readonly type: 'enum'; readonly values: readonly (string | null)[] };

/** One option: its default, kind, range check (returning torch's message when the value is out of range). */
export interface OptionSpec<T = unknown> {
  readonly default: T;
  readonly kind: OptionKind;
  /** torch's name for it (default: the snake_case of the key); used in state dicts and messages. */
  readonly torch?: string;
  /** The caller must give it (torch's required arguments). */
  readonly required?: boolean;
  /** Returns torch's message when a plain value is out of range; never sees schedules. */
  check?(value: T): string | undefined;
  /** May be given as a schedule (default: true for numbers and tuples). */
  readonly schedulable?: boolean;
  /** Only the class sets it: rejected in constructor options and groups, accepted (and overridden) on load. */
  readonly fixed?: boolean;
}

/**
 * A value the algorithm keeps and updates in each group (Schedule-Free's `k`, Prodigy's `d`), saved as a group
 * entry as the reference code keeps it: never given by the caller (rejected in options and groups), set when a
 * group is built, and checked when a state dict is loaded.
 */
export interface RunningSpec {
  readonly kind: OptionKind;
  /** Its value in a new group, from the optimizer's defaults (Prodigy's `d` starts at `d0`). */
  readonly initial: unknown | ((defaults: Readonly<Record<string, unknown>>) => unknown);
  /** Returns a message when a loaded value is out of range. */
  check?(value: never): string | undefined;
  /** torch-style name in state dicts (default: the snake_case of the key). */
  readonly torch?: string;
}

/** The declared options of an algorithm, keyed as the TypeScript API spells them. */
export type OptionSpecs<O> = { readonly [K in keyof O]-?: OptionSpec<O[K]> };

/** Where a value is being checked: it goes into the message. */
export type OptionSite = 'options' | { group: number } | { stateDictGroup: number } | 'schedule';

/**
 * Group keys that learning-rate schedulers and SWA write into a group (torch's `initial_lr`, `max_lr`...):
 * accepted in groups and loaded state dicts of every optimizer.
 */
export const SCHEDULER_GROUP_KEYS: ReadonlySet<string> = new Set(['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum', 'swaLr']);

/** A compiled declaration. */
export interface OptionsDecl<O extends object> {
  /** The class name, used in messages. */
  readonly className: string;
  readonly specs: OptionSpecs<O>;
  /** Every default, in declaration order. */
  readonly defaults: Readonly<O>;
  /** Order the range checks run in (torch's order). */
  readonly order: readonly (keyof O & string)[];
  /** Running values the algorithm keeps in each group ({@link RunningSpec}); empty for most algorithms. */
  readonly running: Readonly<Record<string, RunningSpec>>;
  /** Whether `key` is a declared option (own keys only; running values are not options). */
  has(key: string): boolean;
  /** The running values of a new group, from the optimizer's defaults. */
  initialRunning(defaults: Readonly<Record<string, unknown>>): Record<string, unknown>;
  /**
   * Checks `values` (options, a group, or a loaded group): unknown names (with the likely intended name),
   * kinds, ranges, then `cross`. Throws before anything is changed.
   */
  check(values: Readonly<Record<string, unknown>>, site: OptionSite, extraKeys?: ReadonlySet<string>): void;
  /** A copy with another class name, defaults replaced, or fixed keys: AdamW from Adam. */
  extend(
    className: string,
    changes: { defaults?: Partial<O>; specs?: Partial<OptionSpecs<O>>; cross?: (o: Record<string, unknown>) => string | undefined },
  ): OptionsDecl<O>;
}

/** How {@link defineOptions} is configured beyond the specs. */
export interface OptionsConfig<O> {
  /** The order torch checks options in (the rest follow in declaration order). */
  readonly order?: readonly (keyof O & string)[];
  /** A check over several options (SGD's Nesterov rule). */
  readonly cross?: (o: Record<string, unknown>) => string | undefined;
  /** Running values kept in each group ({@link RunningSpec}). */
  readonly running?: Readonly<Record<string, RunningSpec>>;
}

/** Python's `repr` of a float: `1.0`, `-1e-08`, `1e+16`, `nan`, `inf` — how torch prints numbers in messages. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const s = String(x);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

/** A value as a message shows it: numbers as Python floats, strings quoted, objects by kind. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return pyFloat(v);
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'function') return 'a function';
  if (Tensor.isTensor(v)) return 'a Tensor';
  if (Array.isArray(v)) return v.length > 4 ? `an array of ${v.length} values` : `[${v.map(describeValue).join(', ')}]`;
  const name = Object.getPrototypeOf(v) === null ? 'Object' : ((v as object).constructor?.name ?? 'Object');
  return name === 'Object' ? 'an object' : `a ${name}`;
}

function where(site: OptionSite): string {
  if (site === 'options') return '';
  if (site === 'schedule') return ' (a scheduled value)';
  if ('group' in site) return ` in parameter group ${site.group}`;
  return ` in parameter group ${site.stateDictGroup} of the loaded state dict`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The declared name `key` most likely meant: its camelCase, a torch name, or a near-miss spelling. */
export function suggestName(key: string, names: readonly string[], torchNames: ReadonlyMap<string, string>): string | undefined {
  const byTorch = torchNames.get(key);
  if (byTorch !== undefined) return byTorch;
  const lower = key.toLowerCase().replace(/_/g, '');
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const n of names) {
    const d = editDistance(lower, n.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = n;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(key.length / 3)));
  return bestD <= limit ? best : undefined;
}

function isScheduleLike(v: unknown): boolean {
  if (typeof v === 'function') return true;
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Tensor.isTensor(v)) return false;
  return typeof (v as { next?: unknown }).next === 'function' || typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function';
}

const tensorNote = 'a Tensor is not accepted as an option value (torch takes one only for its capturable CUDA steps); pass a number';

function kindText(kind: OptionKind): string {
  switch (kind.type) {
    case 'float':
      return kind.nullable ? 'a number or null' : 'a number (or a schedule: a function, an iterator, an array of 2+ numbers)';
    case 'int':
      return kind.nullable ? 'an integer or null' : 'an integer';
    case 'boolean':
      return kind.nullable ? 'true, false or null' : 'true or false';
    case 'tuple':
      return `an array of ${kind.length} numbers`;
    case 'enum':
      return `one of ${kind.values.map((v) => (v === null ? 'null' : `'${v}'`)).join(', ')}`;
  }
}

/** Whether `v` fits `kind`; `plain` is false for a schedule (which is checked per produced value). */
function kindOk(v: unknown, spec: OptionSpec): { ok: boolean; plain: boolean } {
  const kind = spec.kind;
  const schedulable = spec.schedulable ?? (kind.type === 'float' || kind.type === 'tuple');
  switch (kind.type) {
    case 'float':
    case 'int': {
      if (typeof v === 'number') return { ok: kind.type === 'float' || Number.isInteger(v) || !Number.isFinite(v), plain: true };
      if (v === null && kind.nullable) return { ok: true, plain: false };
      if (!schedulable) return { ok: false, plain: false };
      // A schedule array has one value per step; a single value in an array is a mistake (torch's per-group
      // lists belong to schedulers), so it needs at least two.
      if (Array.isArray(v)) return { ok: v.length > 1 && v.every((x) => typeof x === 'number'), plain: false };
      return { ok: isScheduleLike(v), plain: false };
    }
    case 'boolean':
      return { ok: typeof v === 'boolean' || (v === null && kind.nullable === true), plain: true };
    case 'enum':
      return { ok: kind.values.includes(v as string | null), plain: true };
    case 'tuple': {
      if (Array.isArray(v)) {
        if (v.length === kind.length && v.every((x) => typeof x === 'number' || (x === null && kind.nullableEntries))) {
          return { ok: true, plain: true };
        }
        if (!schedulable) return { ok: false, plain: false };
        if (v.length === kind.length && v.every((x) => typeof x === 'number' || isScheduleLike(x))) return { ok: true, plain: false };
        // An array of tuples: one per step.
        const perStep =
          v.length > 0 && v.every((x) => Array.isArray(x) && x.length === kind.length && x.every((y) => typeof y === 'number'));
        return { ok: perStep, plain: false };
      }
      return { ok: schedulable && isScheduleLike(v), plain: false };
    }
  }
}

/**
 * Declares an algorithm's options. `specs` lists every option in the order the defaults (and state dicts)
 * keep; `order` the order torch checks them in; `cross` a check over several options (SGD's Nesterov rule).
 *
 * @example
 * const SGD_OPTIONS = defineOptions<Required<SGDOptions>>('SGD', {
 *   lr: { default: 1e-3, kind: { type: 'float' }, check: nonNegative('Invalid learning rate') },
 *   ...
 * });
 */
export function defineOptions<O extends object>(className: string, specs: OptionSpecs<O>, config: OptionsConfig<O> = {}): OptionsDecl<O> {
  const running = new Map<string, RunningSpec>(Object.entries(config.running ?? {}));
  const table = new Map<string, OptionSpec>(Object.entries(specs) as [string, OptionSpec][]);
  const names = [...table.keys()];
  const torchNames = new Map<string, string>();
  for (const [k, s] of table) {
    const t = s.torch ?? toSnake(k);
    if (t !== k) torchNames.set(t, k);
  }
  const defaults = Object.fromEntries(names.map((k) => [k, table.get(k)!.default])) as O;
  const order = [...(config.order ?? []), ...names.filter((n) => !config.order?.includes(n as keyof O & string))] as (keyof O & string)[];

  const decl: OptionsDecl<O> = {
    className,
    specs,
    defaults: Object.freeze(defaults),
    order,
    running: Object.freeze(Object.fromEntries(running)),
    has: (key) => table.has(key),
    initialRunning(defaults) {
      const out: Record<string, unknown> = {};
      for (const [k, r] of running)
        out[k] = typeof r.initial === 'function' ? (r.initial as (d: typeof defaults) => unknown)(defaults) : r.initial;
      return out;
    },
    check(values, site, extraKeys) {
      const at = where(site);
      const loading = typeof site === 'object' && 'stateDictGroup' in site;
      for (const key of Object.keys(values)) {
        if (key === 'params' || key === 'paramNames') continue;
        const run = running.get(key);
        if (run !== undefined) {
          if (loading || site === 'schedule') continue;
          throw new TypeError_(
            `${className} does not take the option \`${key}\`${at}: it is a running value the optimizer keeps in each group`,
          );
        }
        const spec = table.get(key);
        if (spec === undefined) {
          if (extraKeys?.has(key)) continue;
          const guess = suggestName(key, names, torchNames);
          const shown = loading ? toSnake(key) : key;
          const hint = guess === undefined ? '' : `; did you mean \`${loading ? (table.get(guess)!.torch ?? toSnake(guess)) : guess}\`?`;
          throw new TypeError_(`${className} got an unknown option \`${shown}\`${at}${hint}`);
        }
        if (spec.fixed && !loading && values[key] !== spec.default && site !== 'schedule') {
          throw new TypeError_(`${className} does not take the option \`${key}\`${at}: it is always ${describeValue(spec.default)}`);
        }
      }
      const plain = new Map<string, boolean>();
      for (const key of names) {
        const spec = table.get(key)!;
        const has = Object.hasOwn(values, key);
        const v = has ? values[key] : undefined;
        if (v === undefined) {
          if (spec.required) throw new TypeError_(`${className} requires the option \`${key}\`${at}`);
          continue;
        }
        if (Tensor.isTensor(v)) throw new TypeError_(`${className}: option \`${key}\`${at}: ${tensorNote}`);
        const r = kindOk(v, spec);
        if (!r.ok) {
          throw new TypeError_(`${className}: option \`${key}\`${at} must be ${kindText(spec.kind)}, got ${describeValue(v)}`);
        }
        plain.set(key, r.plain);
      }
      for (const key of order) {
        const spec = table.get(key)!;
        if (plain.get(key) !== true) continue;
        if (spec.check === undefined) {
          // No range to check, but NaN is never a setting.
          const v = values[key];
          if (typeof v === 'number' && Number.isNaN(v)) throw new ValueError(`Invalid ${spec.torch ?? toSnake(key)} value: nan`);
          continue;
        }
        const msg = spec.check(values[key] as never);
        if (msg !== undefined) throw new ValueError(msg);
      }
      if (config.cross !== undefined) {
        const msg = config.cross(values as Record<string, unknown>);
        if (msg !== undefined) throw new ValueError(msg);
      }
      if (loading) checkRunning(className, running, values, at);
    },
    extend(name, changes) {
      const next: Record<string, OptionSpec> = {};
      for (const [k, s] of table) {
        const override = (changes.specs as Record<string, OptionSpec> | undefined)?.[k];
        const base = override ?? s;
        const d =
          changes.defaults !== undefined && Object.hasOwn(changes.defaults, k)
            ? (changes.defaults as Record<string, unknown>)[k]
            : base.default;
        next[k] = { ...base, default: d };
      }
      const cross = changes.cross ?? config.cross;
      return defineOptions<O>(name, next as unknown as OptionSpecs<O>, {
        order,
        ...(cross === undefined ? {} : { cross }),
        ...(config.running === undefined ? {} : { running: config.running }),
      });
    },
  };
  return decl;
}

/** A loaded group's running values: each present, of its kind and in range. */
function checkRunning(
  className: string,
  running: ReadonlyMap<string, RunningSpec>,
  values: Readonly<Record<string, unknown>>,
  at: string,
): void {
  for (const [key, r] of running) {
    const name = r.torch ?? toSnake(key);
    if (!Object.hasOwn(values, key) || values[key] === undefined) {
      throw new ValueError(`${className}: running value \`${name}\`${at} is missing`);
    }
    const v = values[key];
    const ok =
      r.kind.type === 'boolean'
        ? typeof v === 'boolean'
        : r.kind.type === 'int'
          ? typeof v === 'number' && Number.isInteger(v)
          : typeof v === 'number' && Number.isFinite(v);
    const want = r.kind.type === 'boolean' ? 'true or false' : r.kind.type === 'int' ? 'an integer' : 'a finite number';
    if (!ok) throw new ValueError(`${className}: running value \`${name}\`${at} must be ${want}, got ${describeValue(v)}`);
    const msg = r.check?.(v as never);
    if (msg !== undefined) throw new ValueError(`${className}: running value \`${name}\`${at}: ${msg}`);
  }
}

// ── Builders for the common kinds and torch's range messages ─────────────────────────────────────────

/** A float option; `check` returns torch's message for an out-of-range value. */
export function float(def: number, check?: (v: number) => string | undefined, extra: Partial<OptionSpec<number>> = {}): OptionSpec<number> {
  return { default: def, kind: { type: 'float' }, ...(check ? { check } : {}), ...extra };
}

/** An integer option (not schedulable). */
export function int(def: number, check?: (v: number) => string | undefined, extra: Partial<OptionSpec<number>> = {}): OptionSpec<number> {
  return { default: def, kind: { type: 'int' }, schedulable: false, ...(check ? { check } : {}), ...extra };
}

/** A boolean option. */
export function bool(def: boolean, extra: Partial<OptionSpec<boolean>> = {}): OptionSpec<boolean> {
  return { default: def, kind: { type: 'boolean' }, ...extra };
}

/** A pair of numbers (`betas`), with a check over both. */
export function pair(
  def: readonly [number, number],
  check?: (v: readonly [number, number]) => string | undefined,
): OptionSpec<readonly [number, number]> {
  return { default: def, kind: { type: 'tuple', length: 2 }, ...(check ? { check } : {}) };
}

/** `Invalid <what>: <v>` unless v ≥ 0 (torch: `if not 0.0 <= v`). */
export function nonNegative(what: string): (v: number) => string | undefined {
  return (v) => (v >= 0 ? undefined : `${what}: ${pyFloat(v)}`);
}

/** `Invalid <what>: <v>` unless lo ≤ v ≤ hi (open ends as said). */
export function inRange(
  what: string,
  lo: number,
  hi: number,
  open: { lo?: boolean; hi?: boolean } = {},
): (v: number) => string | undefined {
  return (v) => ((open.lo ? v > lo : v >= lo) && (open.hi ? v < hi : v <= hi) ? undefined : `${what}: ${pyFloat(v)}`);
}

/** torch's beta check: `Invalid beta parameter at index i: …` unless 0 ≤ βᵢ < 1. */
export function betasCheck(v: readonly [number, number]): string | undefined {
  for (let i = 0; i < 2; i++) {
    const b = v[i]!;
    if (!(b >= 0 && b < 1)) return `Invalid beta parameter at index ${i}: ${pyFloat(b)}`;
  }
  return undefined;
}

const offOnly = (name: string, why: string) => (v: boolean | null) => (v === true ? `${name}: ${why}` : undefined);

/**
 * torch's `foreach`, `capturable`, `differentiable`, `fused`. `fused: true` is accepted where torch has a
 * fused CPU kernel (Adam, AdamW, SGD, Adagrad): every tsoptim step already is one fused pass per tensor.
 */
export function baseSpecs(opts: { fused: boolean; capturable?: boolean }): {
  foreach: OptionSpec<boolean | null>;
  capturable: OptionSpec<boolean>;
  differentiable: OptionSpec<boolean>;
  fused: OptionSpec<boolean | null>;
} {
  return {
    foreach: { default: null, kind: { type: 'boolean', nullable: true } },
    capturable: bool(false, {
      check: offOnly('capturable', 'capturable=true is a CUDA-graph option; tsoptim steps never need capturing') as never,
    }),
    differentiable: bool(false, {
      check: offOnly('differentiable', 'differentiable=true (autograd through the optimizer step) is not supported') as never,
    }),
    fused: {
      default: null,
      kind: { type: 'boolean', nullable: true },
      ...(opts.fused
        ? {}
        : { check: offOnly('fused', 'fused=true selects torch CUDA kernels; every tsoptim step is already one fused pass per tensor') }),
    },
  };
}

/** `Invalid <what>: <v>` unless v > 0 (SparseAdam's lr and eps). */
export function positive(what: string): (v: number) => string | undefined {
  return (v) => (v > 0 ? undefined : `${what}: ${pyFloat(v)}`);
}

/** The base specs of an algorithm torch gives no `fused` option. */
export function withoutFused<T extends { fused: unknown }>(specs: T): Omit<T, 'fused'> {
  const { fused: _, ...rest } = specs;
  return rest;
}

/** The base specs of an algorithm torch gives no `capturable` option. */
export function withoutCapturable<T extends { capturable: unknown }>(specs: T): Omit<T, 'capturable'> {
  const { capturable: _, ...rest } = specs;
  return rest;
}

/**
 * Rejects option names a constructor does not take, naming the class and the likely intended name, and `null`
 * values — for constructors whose options are not all group options (labml's strategies, flags of the class).
 *
 * @throws TypeError_ `<Class> got an unknown option \`x\`; did you mean \`y\`?`
 */
export function rejectUnknownOptions(className: string, options: unknown, names: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options) || Tensor.isTensor(options)) {
    throw new TypeError_(`${className} options must be an object, got ${describeValue(options)}`);
  }
  const torchNames = new Map(names.map((n) => [toSnake(n), n] as const).filter(([t, n]) => t !== n));
  for (const key of Object.keys(options)) {
    if (names.includes(key)) {
      const v = (options as Record<string, unknown>)[key];
      if (v === null) throw new TypeError_(`${className}: option \`${key}\` is null; leave it out to take its default`);
      continue;
    }
    const guess = suggestName(key, names, torchNames);
    throw new TypeError_(`${className} got an unknown option \`${key}\`${guess === undefined ? '' : `; did you mean \`${guess}\`?`}`);
  }
}
