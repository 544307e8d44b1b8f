import type { Optimizer } from '@tsoptim/optim';

const stepped = new WeakMap<object, { called: boolean; step: unknown }>();

/**
 * Starts tracking whether `optimizer.step()` has been called (torch wraps `optimizer.step` for this; we register
 * one step post-hook per optimizer, which stays for the optimizer's lifetime and touches nothing else).
 */
export function trackOptimizerSteps(optimizer: Optimizer): void {
  if (stepped.has(optimizer)) return;
  const flag = { called: false, step: optimizer.step };
  stepped.set(optimizer, flag);
  optimizer.registerStepPostHook(() => {
    flag.called = true;
  });
}

/** True once the optimizer has stepped since tracking began. */
export function optimizerHasStepped(optimizer: Optimizer): boolean {
  return stepped.get(optimizer)?.called ?? false;
}

/**
 * True when `optimizer.step` is no longer the method it was when the first scheduler was attached (torch checks
 * that `optimizer.step` still carries the counter wrapper it installed).
 */
export function optimizerStepReplaced(optimizer: Optimizer): boolean {
  const flag = stepped.get(optimizer);
  return flag !== undefined && optimizer.step !== flag.step;
}

/** Emits a warning as torch's `warnings.warn(..., UserWarning)` does: on the console. */
export function warn(message: string): void {
  console.warn(`UserWarning: ${message}`);
}

export const EPOCH_DEPRECATION_WARNING =
  'The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from None, the closed form is used instead of the new chainable form, where available. Please open an issue if you are unable to replicate your use case: https://github.com/pytorch/pytorch/issues/new/choose.';

export const STEP_ORDER_WARNING =
  'Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first value of the learning rate schedule. See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate';

export const STEP_OVERRIDDEN_WARNING =
  'Seems like `optimizer.step()` has been overridden after learning rate scheduler initialization. Please, make sure to call `optimizer.step()` before `lr_scheduler.step()`. See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate';
export const GET_LR_WARNING = 'To get the last learning rate computed by the scheduler, please use `get_last_lr()`.';
