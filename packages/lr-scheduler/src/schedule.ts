import { ValueError } from '@tsoptim/core';

/** The last evaluation: `[step at which the model was evaluated, score]` (higher is better), as thinc's `last_score`. */
export type LastScore = readonly [number, number];

/** Extra arguments a schedule may use (thinc passes `last_score` the same way). */
export interface ScheduleExtra {
  /** The last evaluation score, for {@link plateau}. */
  lastScore?: LastScore | null;
}

/**
 * A step → value schedule: a plain function of the step (0-based: the number of optimizer steps completed), so
 * any optimizer option accepts it (`new SGD(params, { lr: warmupLinear({...}) })`). It also carries its kind and
 * parameters (`attrs`), and a writable `lastScore` that score-driven schedules ({@link plateau}) read when the
 * caller does not pass one: set `schedule.lastScore = [step, score]` after each evaluation.
 */
export interface Schedule<T = number> {
  (step: number, extra?: ScheduleExtra): T;
  /** The schedule's kind (`'warmup_linear'`, `'cosine_decay'`...). */
  readonly kind: string;
  /** The parameters the schedule was made with. */
  readonly attrs: Readonly<Record<string, unknown>>;
  /** The last evaluation score, used when a call passes none. */
  lastScore: LastScore | null;
  /** The values at start, start + stepSize, ... as an endless generator (thinc's `to_generator`). */
  toGenerator(start?: number, stepSize?: number, extra?: ScheduleExtra): Generator<T, never, unknown>;
}

/** A schedule or any function of the step. */
export type ScheduleLike<T = number> = Schedule<T> | ((step: number, extra?: ScheduleExtra) => T);

/**
 * Makes a {@link Schedule} from a function of the step. The step must be non-negative (thinc's check); extra
 * arguments (the last score) are passed on, so wrapped schedules see them.
 *
 * @throws ValueError `Step must be non-negative, was: …` when called with a negative step.
 * @example
 * const halving = makeSchedule('halving', { every: 10 }, (step) => 0.1 * 0.5 ** Math.floor(step / 10));
 */
export function makeSchedule<T = number>(
  kind: string,
  attrs: Record<string, unknown>,
  fn: (step: number, extra: ScheduleExtra) => T,
): Schedule<T> {
  const s = ((step: number, extra?: ScheduleExtra): T => {
    if (step < 0) throw new ValueError(`Step must be non-negative, was: ${step}`);
    return fn(step, { ...extra, lastScore: extra?.lastScore ?? s.lastScore });
  }) as Schedule<T>;
  Object.defineProperty(s, 'kind', { value: kind, enumerable: false });
  Object.defineProperty(s, 'attrs', { value: Object.freeze({ ...attrs }), enumerable: false });
  Object.defineProperty(s, 'toGenerator', {
    enumerable: false,
    value: function* (start = 0, stepSize = 1, extra?: ScheduleExtra): Generator<T, never, unknown> {
      if (start < 0) throw new ValueError(`Schedule start must be non-negative, was: ${start}`);
      if (stepSize < 0) throw new ValueError(`Step size must be non-negative, was: ${stepSize}`);
      for (let step = start; ; step += stepSize) yield s(step, extra);
    },
  });
  Object.defineProperty(s, 'lastScore', { value: null, writable: true, enumerable: false });
  return s;
}
