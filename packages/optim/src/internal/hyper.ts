/**
 * Schedule-valued options: any option may be given as a function of the step, an array (one value per step,
 * the last repeating), or an iterator/generator (one value per step; when exhausted the last value repeats).
 * A tuple-valued option (betas) is scheduled by an array of tuples or a function returning tuples.
 */
type Iter = { next(): IteratorResult<unknown> };

const iterState = new WeakMap<object, { step: number; value: unknown }>();

function isIterator(v: unknown): v is Iter {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Iter).next === 'function';
}

const NOT = Symbol('not a schedule');

function resolveValue(v: unknown, d: unknown, step: number): unknown {
  if (typeof v === 'function') return (v as (s: number) => unknown)(step);
  if (Array.isArray(v)) {
    const scheduled = typeof d === 'number' ? v.length > 0 && typeof v[0] === 'number' : Array.isArray(d) && Array.isArray(v[0]);
    if (!scheduled) return NOT;
    return v[Math.min(step, v.length - 1)];
  }
  if (isIterator(v)) {
    const st = iterState.get(v);
    if (st !== undefined && st.step === step) return st.value;
    const r = v.next();
    const value = r.done ? (st?.value ?? r.value) : r.value;
    iterState.set(v, { step, value });
    return value;
  }
  return NOT;
}

/** The group itself if no option is a schedule; otherwise a shallow copy with each schedule evaluated. */
export function resolveHyper(
  group: Record<string, unknown>,
  defaults: Record<string, unknown>,
  step: number,
): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const key in group) {
    if (key === 'params' || key === 'paramNames') continue;
    const r = resolveValue(group[key], defaults[key], step);
    if (r === NOT) continue;
    out ??= { ...group };
    out[key] = r;
  }
  return out ?? group;
}

/** True when the value is a schedule rather than a plain option value. */
export function isSchedule(v: unknown, d: unknown): boolean {
  if (typeof v === 'function' || isIterator(v)) return true;
  if (Array.isArray(v)) return typeof d === 'number' ? typeof v[0] === 'number' : Array.isArray(d) && Array.isArray(v[0]);
  return false;
}
