import { ValueError } from '@tsoptim/core';

/** When a callback acts: after every batch (an optimizer step) or after every epoch. */
export type CallbackInterval = 'batch' | 'epoch';

/** tfjs's `CustomCallbackArgs`, the plain-object callback `model.fit({ callbacks })` accepts. */
export interface FitCallback {
  onTrainBegin?: (logs?: Record<string, unknown>) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs?: Record<string, unknown>) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs?: Record<string, unknown>) => void | Promise<void>;
}

/** A tsoptim lr scheduler: `step()` (ReduceLROnPlateau's `step(metric)`). */
export interface SteppableScheduler {
  step(metric?: number): void;
}

/** Options of {@link schedulerCallback}. */
export interface SchedulerCallbackOptions {
  /** Step per batch (default; OneCycleLR, warmups) or per epoch (StepLR, ReduceLROnPlateau). */
  readonly interval?: CallbackInterval;
  /**
   * Epoch interval: the log passed to `step(metric)` (ReduceLROnPlateau), such as `'val_loss'`.
   * @throws at the epoch's end when the log lacks it.
   */
  readonly monitor?: string;
}

function checkInterval(interval: unknown): CallbackInterval {
  if (interval !== 'batch' && interval !== 'epoch') throw new ValueError(`interval must be 'batch' or 'epoch', got ${String(interval)}`);
  return interval;
}

/**
 * A `model.fit` callback that steps a tsoptim lr scheduler (of `@tsoptim/lr-scheduler`, on the adapter's
 * `optimizer`) after every batch or every epoch, as a torch loop calls `scheduler.step()` after
 * `optimizer.step()`.
 *
 * @throws {ValueError} for an interval other than 'batch' / 'epoch', or a `monitor` without the epoch interval.
 * @example
 * const opt = new TsoptimOptimizer((p) => new AdamW(p, { lr: 1e-3 })).bind(model);
 * const sched = new OneCycleLR(opt.optimizer, { maxLr: 1e-2, totalSteps: epochs * batchesPerEpoch });
 * await model.fit(x, y, { epochs, batchSize, callbacks: [schedulerCallback(sched)] });
 */
export function schedulerCallback(scheduler: SteppableScheduler, options: SchedulerCallbackOptions = {}): FitCallback {
  const interval = checkInterval(options.interval ?? 'batch');
  const monitor = options.monitor;
  if (monitor !== undefined && interval !== 'epoch') throw new ValueError('monitor needs the epoch interval');
  if (interval === 'batch') return { onBatchEnd: () => scheduler.step() };
  return {
    onEpochEnd: (_epoch, logs) => {
      if (monitor === undefined) {
        scheduler.step();
        return;
      }
      const value = logs?.[monitor];
      if (typeof value !== 'number')
        throw new ValueError(`the epoch's logs have no '${monitor}' (have: ${Object.keys(logs ?? {}).join(', ')})`);
      scheduler.step(value);
    },
  };
}
