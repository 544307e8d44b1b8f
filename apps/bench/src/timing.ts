import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Seconds since an arbitrary origin, high resolution. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** The median of a list (the upper one of the middle pair), NaN for an empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}

/** How many times to run a workload: warm-up runs, then timed ones until a count or a time budget is reached. */
export interface RepeatPolicy {
  /** Untimed runs first (default 2). */
  readonly warmup: number;
  /** Timed runs at least (default 3). */
  readonly minRepeats: number;
  /** Timed runs at most (default 9). */
  readonly maxRepeats: number;
  /** Stop adding timed runs once this many seconds were spent on the workload, warm-up included. */
  readonly budgetSeconds: number;
}

/** A workload for {@link timeInTurn}: one run returning its seconds, and optionally its own repeat policy. */
export interface TimedWorkload {
  run(): number | Promise<number>;
  readonly policy?: RepeatPolicy;
}

/**
 * Samples of several workloads timed in turn within each round (so that load from other processes affects
 * them alike): a workload stops once it has `maxRepeats` samples, or `minRepeats` and its time budget is
 * spent; rounds go on while any workload needs more. A run that returns NaN ends that workload.
 *
 * @param workloads - the runs (each measures itself: a child process times its own steps), in round order.
 * @param policy - warm-up, repeat counts, time budget, for workloads without their own.
 * @returns one list of timed samples (seconds) per workload.
 * @example
 * const [a, b] = await timeInTurn([{ run: () => timeSync(stepA) }, { run: () => timeSync(stepB) }], policy);
 */
export async function timeInTurn(workloads: readonly TimedWorkload[], policy: RepeatPolicy): Promise<number[][]> {
  const samples = workloads.map((): number[] => []);
  const spent = workloads.map(() => 0);
  const runs = workloads.map(() => 0);
  const failed = workloads.map(() => false);
  const needs = (i: number): boolean => {
    if (failed[i]) return false;
    const p = workloads[i]!.policy ?? policy;
    const timed = samples[i]!.length;
    if (runs[i]! < p.warmup) return true;
    if (timed >= p.maxRepeats) return false;
    return timed < p.minRepeats || spent[i]! < p.budgetSeconds;
  };
  while (workloads.some((_, i) => needs(i))) {
    for (let i = 0; i < workloads.length; i++) {
      if (!needs(i)) continue;
      const dt = await workloads[i]!.run();
      if (!Number.isFinite(dt)) {
        failed[i] = true;
        continue;
      }
      spent[i]! += dt;
      if (runs[i]! >= (workloads[i]!.policy ?? policy).warmup) samples[i]!.push(dt);
      runs[i]!++;
    }
  }
  return samples;
}

/** Seconds of one synchronous call. */
export function timeSync(fn: () => void): number {
  const t0 = now();
  fn();
  return now() - t0;
}

let gcFn: (() => void) | null | undefined;

/**
 * Runs a full garbage collection where the runtime allows it (V8's `gc`, exposed at run time), so that memory
 * of earlier workloads is returned before the next one is measured. A no-op elsewhere.
 */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    } catch {
      gcFn = null;
    }
  }
  gcFn?.();
}
