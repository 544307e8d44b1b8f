import { type Tensor, TypeError_, ValueError, shapesEqual, zeros } from '@tsoptim/core';
import { type Input, Module, type Variable } from '@tsoptim/nn';
import { type AvgFn, type MultiAvgFn, getSwaMultiAvgFn } from './avg-fns.js';

/** Options of {@link AveragedModel}. */
export interface AveragedModelOptions {
  /** Averages one tensor at a time (torch's `avg_fn`). Not together with `multiAvgFn`. */
  readonly avgFn?: AvgFn | null;
  /** Averages all tensors at once, in place (torch's `multi_avg_fn`). Not together with `avgFn`. */
  readonly multiAvgFn?: MultiAvgFn | null;
  /**
   * Average the buffers too (BatchNorm's running statistics), default false. When false, the buffers are
   * copied from the model at every update, as current PyTorch does.
   */
  readonly useBuffers?: boolean;
}

const OPTION_NAMES: ReadonlyMap<string, string> = new Map([
  ['avgFn', 'a function or null'],
  ['multiAvgFn', 'a function or null'],
  ['useBuffers', 'true or false'],
]);
const TORCH_NAMES: ReadonlyMap<string, string> = new Map([
  ['avg_fn', 'avgFn'],
  ['multi_avg_fn', 'multiAvgFn'],
  ['use_buffers', 'useBuffers'],
  ['device', ''],
]);

function checkOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError_(`AveragedModel options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (OPTION_NAMES.has(key)) continue;
    const camel = TORCH_NAMES.get(key);
    const near = [...OPTION_NAMES.keys()].find((n) => n.toLowerCase() === key.toLowerCase().replace(/_/g, ''));
    const hint = camel ? `; did you mean \`${camel}\`?` : near ? `; did you mean \`${near}\`?` : '';
    throw new TypeError_(`AveragedModel got an unknown option \`${key}\`${hint}`);
  }
  for (const [key, want] of OPTION_NAMES) {
    const v = o[key];
    if (v === undefined) continue;
    const ok = key === 'useBuffers' ? typeof v === 'boolean' : v === null || typeof v === 'function';
    if (!ok) throw new TypeError_(`AveragedModel: option \`${key}\` must be ${want}, got ${v === null ? 'null' : typeof v}`);
  }
}

/**
 * A running average of a model's weights (torch's `torch.optim.swa_utils.AveragedModel`), for Stochastic
 * Weight Averaging and EMA.
 *
 * Holds a deep copy of the model (`module`) and a buffer `n_averaged`. `updateParameters(model)` copies the
 * model's values on the first call, then averages: by default the equal-weight SWA mean
 * `avg ← avg + (p − avg)/(n + 1)`; with `avgFn` or `multiAvgFn` any other rule (see {@link getEmaMultiAvgFn}).
 * `forward` runs the averaged copy. Its state dict is torch's: `n_averaged`, then `module.<key>`.
 *
 * @see https://arxiv.org/abs/1803.05407
 * @example
 * const swaModel = new AveragedModel(model);
 * // ... after each epoch past swaStart:
 * swaModel.updateParameters(model);
 * // at the end:
 * updateBn(loader, swaModel);
 */
export class AveragedModel<M extends Module = Module> extends Module {
  readonly avgFn: AvgFn | null;
  readonly multiAvgFn: MultiAvgFn | null;
  readonly useBuffers: boolean;

  /**
   * @param model - the model to average (deep-copied).
   * @param options - `avgFn` or `multiAvgFn`, `useBuffers`.
   * @throws ValueError when both `avgFn` and `multiAvgFn` are given.
   */
  constructor(model: M, options: AveragedModelOptions = {}) {
    super();
    checkOptions(options);
    const avgFn = options.avgFn ?? null;
    const multiAvgFn = options.multiAvgFn ?? null;
    if (avgFn !== null && multiAvgFn !== null) throw new ValueError('Only one of avg_fn and multi_avg_fn should be provided');
    if (avgFn !== null && typeof avgFn !== 'function') throw new TypeError_('avg_fn must be a function');
    if (multiAvgFn !== null && typeof multiAvgFn !== 'function') throw new TypeError_('multi_avg_fn must be a function');
    if (!Module.isModule(model)) throw new TypeError_('AveragedModel expects a Module');
    this.avgFn = avgFn;
    this.multiAvgFn = multiAvgFn;
    this.useBuffers = options.useBuffers ?? false;
    this.registerBuffer('n_averaged', zeros([]));
    this.registerModule('module', model.clone());
  }

  /** The averaged copy of the model. */
  get module(): M {
    return this._modules.get('module') as M;
  }

  /** How many models were averaged (the `n_averaged` buffer, a 0-d tensor). */
  get nAveraged(): Tensor {
    return this._buffers.get('n_averaged')!;
  }

  /** Runs the averaged copy. */
  forward(input: Input): Variable {
    return this.module.forward(input);
  }

  /**
   * Folds the model's current parameters (and buffers with `useBuffers`) into the average: a copy on the
   * first call, then `avgFn` / `multiAvgFn` / the SWA mean. Without `useBuffers` the buffers are copied from
   * the model. Increments `n_averaged`.
   *
   * @param model - a model with the same structure as the one averaged.
   * @throws ValueError when the model's parameters or buffers do not match the average's in number or shape
   * (checked before anything changes).
   */
  updateParameters(model: Module): void {
    const mine = this.useBuffers ? [...this.module.parameters(), ...this.module.buffers()] : this.module.parameters();
    const theirs = this.useBuffers ? [...model.parameters(), ...model.buffers()] : model.parameters();
    const myBuffers = this.useBuffers ? [] : this.module.buffers();
    const theirBuffers = this.useBuffers ? [] : model.buffers();
    for (const [a, b, what] of [
      [mine, theirs, 'parameters'],
      [myBuffers, theirBuffers, 'buffers'],
    ] as const) {
      if (a.length !== b.length) throw new ValueError(`the model has ${b.length} ${what}, the averaged model ${a.length}`);
      a.forEach((t, i) => {
        if (!shapesEqual(t.shape, b[i]!.shape)) {
          throw new ValueError(`${what} ${i}: the model's has shape [${b[i]!.shape}], the averaged model's [${t.shape}]`);
        }
      });
    }
    const n = this.nAveraged.item();
    if (n === 0) {
      mine.forEach((t, i) => t.copy_(theirs[i]!));
    } else if (this.avgFn !== null) {
      const fn = this.avgFn;
      const next = mine.map((t, i) => fn(t, theirs[i]!, n));
      mine.forEach((t, i) => t.copy_(next[i]!));
    } else {
      (this.multiAvgFn ?? getSwaMultiAvgFn())(mine, theirs, n);
    }
    myBuffers.forEach((t, i) => t.copy_(theirBuffers[i]!));
    // Integer buffers stay integers (torch's copy_ into a long tensor truncates): BatchNorm's step counter.
    if (this.useBuffers) {
      for (const [name, b] of this.module.namedBuffers()) {
        if (name === 'num_batches_tracked' || name.endsWith('.num_batches_tracked')) b.assign(Math.trunc(b.item()));
      }
    }
    this.nAveraged.fill_(n + 1);
  }
}
