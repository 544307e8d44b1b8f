/**
 * Schedule-valued options. Any option may be given as
 * - a function of the step, `(step) => value` (step = optimizer steps completed, 0 on the first step);
 * - an array, one value per step, the last repeating once the steps run past its end;
 * - an iterator or generator, one value per step; once exhausted its last value repeats (thinc's behaviour).
 *   An iterable that is not an iterator (a Set...) is read through one iterator of its own.
 * A tuple-valued option (`betas`) takes a function returning tuples, an array of tuples, an iterator of
 * tuples, or a tuple whose entries are schedules (`[warmup, 0.999]`).
 *
 * What an option expects (a number, or a tuple such as `betas`) is read from the optimizer class's default for
 * it. Options given to a constructor become the optimizer's defaults, so `withDefaults` notes, for each value it
 * merges, the class default it replaces ({@link noteOptionDefault}); an array of numbers is then a per-step
 * schedule for a number option and a plain value for a tuple option. For optimizers built without
 * `withDefaults`, torch's tuple options are recognised by name (`betas`, `etas`, `stepSizes`).
 *
 * An iterator only moves forward: the value of step s is its (s+1)-th value; if steps were skipped it catches
 * up, and asking for an earlier step gives the latest value.
 */
import { TypeError_ } from '@tsoptim/core';

type Iter = { next(): IteratorResult<unknown> };

interface IterState {
  consumed: number;
  value: unknown;
  done: boolean;
}

const iterState = new WeakMap<object, IterState>();
const ownIterators = new WeakMap<object, Iter>();

function isIterator(v: unknown): v is Iter {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Iter).next === 'function';
}

function isIterable(v: unknown): v is Iterable<unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function';
}

const NOT = Symbol('not a schedule');

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v === 'number' ? String(v) : typeof v;
}

function pull(it: Iter, step: number, key: string): unknown {
  let st = iterState.get(it);
  if (st === undefined) {
    st = { consumed: 0, value: undefined, done: false };
    iterState.set(it, st);
  }
  while (!st.done && st.consumed <= step) {
    const r = it.next();
    if (r.done) st.done = true;
    else {
      st.value = r.value;
      st.consumed++;
    }
  }
  if (st.consumed === 0) throw new TypeError_(`the schedule for option '${key}' is an empty iterator`);
  return st.value;
}

function iteratorOf(v: object): Iter {
  let it = ownIterators.get(v);
  if (it === undefined) {
    it = (v as Iterable<unknown>)[Symbol.iterator]() as Iter;
    ownIterators.set(v, it);
  }
  return it;
}

/** torch's tuple-valued options. */
const TUPLE_OPTIONS = new Set(['betas', 'etas', 'stepSizes']);

/** For a value given as an option: the class default it replaced. */
const classDefaults = new WeakMap<object, { value: unknown }>();

/**
 * Notes that `value` (an option given to a constructor) replaces the class default `classDefault`, so that a
 * schedule given as a constructor option is read against the class default's type. Called by `withDefaults`.
 */
export function noteOptionDefault(value: unknown, classDefault: unknown): void {
  if ((typeof value === 'object' && value !== null) || typeof value === 'function') classDefaults.set(value, { value: classDefault });
}

type Kind = { type: 'number' } | { type: 'tuple'; length: number } | { type: 'unknown' };

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

/** A tuple default: numbers, or null where the algorithm picks a value (Adafactor's eps). */
function isTupleDefault(v: unknown): v is (number | null)[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' || x === null);
}

/** What the option's values must be, from the class default (or, failing that, the option's name). */
function kindOf(key: string, d: unknown): Kind {
  const reg = (typeof d === 'object' && d !== null) || typeof d === 'function' ? classDefaults.get(d) : undefined;
  const ref = reg !== undefined ? reg.value : d;
  if (typeof ref === 'number') return { type: 'number' };
  if (isTupleDefault(ref)) return { type: 'tuple', length: ref.length };
  if (TUPLE_OPTIONS.has(key)) return { type: 'tuple', length: 2 };
  if (Array.isArray(d) && d.length > 0 && d.every(isNumberArray)) return { type: 'tuple', length: d[0]!.length };
  // The user's own schedule (a function, an iterator, an iterable) for an option the class gives no default.
  if (reg !== undefined && (isScheduleLike(d) || isIterable(d))) return { type: 'number' };
  return { type: 'unknown' };
}

function isScheduleLike(v: unknown): boolean {
  return typeof v === 'function' || isIterator(v);
}

function checkValue(key: string, value: unknown, kind: Kind, step: number): unknown {
  if (kind.type === 'number' && typeof value !== 'number') {
    throw new TypeError_(`the schedule for option '${key}' gave ${describe(value)} at step ${step}; expected a number`);
  }
  if (kind.type === 'tuple' && (!isTupleDefault(value) || value.length !== kind.length)) {
    throw new TypeError_(`the schedule for option '${key}' gave ${describe(value)} at step ${step}; expected ${kind.length} numbers`);
  }
  return value;
}

function resolveValue(key: string, v: unknown, d: unknown, step: number): unknown {
  const kind = kindOf(key, d);
  if (typeof v === 'function') return checkValue(key, (v as (s: number) => unknown)(step), kind, step);
  if (Array.isArray(v)) {
    if (kind.type === 'number') {
      if (v.length === 0) throw new TypeError_(`an empty array is not a schedule for option '${key}'`);
      if (!isNumberArray(v)) throw new TypeError_(`a schedule array for option '${key}' must hold numbers`);
      return v[Math.min(step, v.length - 1)];
    }
    if (kind.type === 'tuple') {
      if (v.length > 0 && v.every((x) => Array.isArray(x))) return checkValue(key, v[Math.min(step, v.length - 1)], kind, step);
      if (v.some(isScheduleLike)) {
        // A tuple whose entries are schedules: resolve each entry as a number option.
        const entries = v.map((x, i) => (isScheduleLike(x) ? resolveValue(`${key}[${i}]`, x, 0, step) : x));
        return checkValue(key, entries, kind, step);
      }
    }
    return NOT;
  }
  if (isIterator(v)) return checkValue(key, pull(v, step, key), kind, step);
  if (kind.type !== 'unknown' && isIterable(v)) return checkValue(key, pull(iteratorOf(v), step, key), kind, step);
  return NOT;
}

/** The group itself if no option is a schedule; otherwise a shallow copy with each schedule evaluated at `step`. */
export function resolveHyper(group: Record<string, unknown>, defaults: Record<string, unknown>, step: number): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  // Own keys only, and defaults read as own properties: a key such as `constructor` never reaches a prototype.
  for (const key of Object.keys(group)) {
    if (key === 'params' || key === 'paramNames') continue;
    const r = resolveValue(key, group[key], Object.hasOwn(defaults, key) ? defaults[key] : undefined, step);
    if (r === NOT) continue;
    out ??= { ...group };
    out[key] = r;
  }
  return out ?? group;
}

/** True when the value of option `key` is a schedule rather than a plain value (`d`: the option's default). */
export function isSchedule(v: unknown, d: unknown, key = ''): boolean {
  if (isScheduleLike(v)) return true;
  const kind = kindOf(key, d);
  if (Array.isArray(v)) {
    if (kind.type === 'number') return true;
    return kind.type === 'tuple' && ((v.length > 0 && v.every((x) => Array.isArray(x))) || v.some(isScheduleLike));
  }
  return kind.type !== 'unknown' && isIterable(v);
}
