import {
  ADADELTA_DEFAULTS,
  ADAFACTOR_DEFAULTS,
  ADAGRAD_DEFAULTS,
  ADAMAX_DEFAULTS,
  ADAMW_DEFAULTS,
  ADAM_DEFAULTS,
  ASGD,
  ASGD_DEFAULTS,
  LAMB,
  LAMB_DEFAULTS,
  LION_DEFAULTS,
  Lion,
  MUON_DEFAULTS,
  Muon,
  PRODIGY_DEFAULTS,
  Prodigy,
  SCHEDULE_FREE_ADAMW_DEFAULTS,
  ScheduleFreeAdamW,
  Adadelta,
  Adafactor,
  Adagrad,
  Adam,
  AdamW,
  Adamax,
  LBFGS,
  LBFGS_DEFAULTS,
  NADAM_DEFAULTS,
  NAdam,
  type Optimizer,
  type ParamsInput,
  RADAM_DEFAULTS,
  RAdam,
  RMSPROP_DEFAULTS,
  RMSprop,
  RPROP_DEFAULTS,
  Rprop,
  SGD,
  SGD_DEFAULTS,
  SPARSE_ADAM_DEFAULTS,
  SparseAdam,
} from '@tsoptim/optim';
import { DENSE_SPARSE_ADAM_DEFAULTS, DenseSparseAdam } from './dense-sparse-adam.js';
import { HUGGINGFACE_ADAMW_DEFAULTS, HuggingfaceAdamW } from './huggingface-adamw.js';
import { Registry } from './registry.js';

/** How the registry builds one optimizer. */
export interface OptimizerSpec {
  /** Builds the optimizer from parameters (or parameter groups) and checked camelCase options. */
  create(params: ParamsInput, options: Record<string, unknown>): Optimizer;
  /**
   * Every option the optimizer accepts, camelCase, with its default: {@link fromConfig} fills in the defaults of
   * the options a config leaves out, rejects keys not listed, and wants each value of its default's type (a null
   * default accepts anything; the constructor checks it).
   */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Options a config must give (AllenNLP's `"sgd"` has no default learning rate). */
  readonly required?: readonly string[];
}

function spec(
  make: (params: ParamsInput, options: never) => Optimizer,
  defaults: Readonly<Record<string, unknown>>,
  required?: readonly string[],
): OptimizerSpec {
  return required === undefined
    ? { create: (p, o) => make(p, o as never), defaults }
    : { create: (p, o) => make(p, o as never), defaults, required };
}

/** AllenNLP's `"huggingface_adamw"` defaults: transformers' AdamW with lr 1e-5 and eps 1e-8. */
export const ALLENNLP_HUGGINGFACE_ADAMW_DEFAULTS = { ...HUGGINGFACE_ADAMW_DEFAULTS, lr: 1e-5, eps: 1e-8 } as const;

const { decoupledWeightDecay: _unused, ...adamwOptions } = ADAMW_DEFAULTS;

/**
 * The name AllenNLP builds when a config gives no `type` (`Optimizer.default_implementation`).
 */
export const DEFAULT_OPTIMIZER = 'adam';

/**
 * A registry holding every tsoptim optimizer under AllenNLP's names, plus torch's lower-case class names for the
 * algorithms AllenNLP does not name:
 *
 * | name | optimizer |
 * | --- | --- |
 * | `adam` (the default) | Adam |
 * | `sparse_adam` | SparseAdam |
 * | `adamax` | Adamax |
 * | `adamw` | AdamW |
 * | `huggingface_adamw` | {@link HuggingfaceAdamW} with AllenNLP's defaults (lr 1e-5, eps 1e-8, correct_bias) |
 * | `adagrad`, `adadelta`, `rmsprop` | Adagrad, Adadelta, RMSprop |
 * | `sgd` | SGD (`lr` required, as AllenNLP) |
 * | `averaged_sgd`, `asgd` | ASGD |
 * | `dense_sparse_adam` | {@link DenseSparseAdam} |
 * | `nadam`, `radam`, `rprop`, `lbfgs`, `adafactor` | NAdam, RAdam, Rprop, LBFGS, Adafactor |
 * | `lion`, `lamb`, `schedule_free_adamw`, `prodigy`, `muon` | Lion, LAMB, ScheduleFreeAdamW, Prodigy, Muon (not in torch.optim; Muon takes ≥2-D parameters only) |
 *
 * Each call returns a fresh registry; {@link optimizerRegistry} is the shared one that {@link fromConfig} uses.
 *
 * @example
 * const mine = createOptimizerRegistry();
 * mine.register('my_sgd', { create: (p, o) => new SGD(p, o), defaults: { lr: 0.1, momentum: 0.9 } });
 */
export function createOptimizerRegistry(): Registry<OptimizerSpec> {
  return new Registry<OptimizerSpec>('optimizer', [
    ['adam', spec((p, o) => new Adam(p, o), ADAM_DEFAULTS)],
    ['sparse_adam', spec((p, o) => new SparseAdam(p, o), SPARSE_ADAM_DEFAULTS)],
    ['adamax', spec((p, o) => new Adamax(p, o), ADAMAX_DEFAULTS)],
    ['adamw', spec((p, o) => new AdamW(p, o), adamwOptions)],
    [
      'huggingface_adamw',
      spec((p, o) => new HuggingfaceAdamW(p, o, ALLENNLP_HUGGINGFACE_ADAMW_DEFAULTS), ALLENNLP_HUGGINGFACE_ADAMW_DEFAULTS),
    ],
    ['adagrad', spec((p, o) => new Adagrad(p, o), ADAGRAD_DEFAULTS)],
    ['adadelta', spec((p, o) => new Adadelta(p, o), ADADELTA_DEFAULTS)],
    ['sgd', spec((p, o) => new SGD(p, o), SGD_DEFAULTS, ['lr'])],
    ['rmsprop', spec((p, o) => new RMSprop(p, o), RMSPROP_DEFAULTS)],
    ['averaged_sgd', spec((p, o) => new ASGD(p, o), ASGD_DEFAULTS)],
    ['asgd', spec((p, o) => new ASGD(p, o), ASGD_DEFAULTS)],
    ['dense_sparse_adam', spec((p, o) => new DenseSparseAdam(p, o), DENSE_SPARSE_ADAM_DEFAULTS)],
    ['nadam', spec((p, o) => new NAdam(p, o), NADAM_DEFAULTS)],
    ['radam', spec((p, o) => new RAdam(p, o), RADAM_DEFAULTS)],
    ['rprop', spec((p, o) => new Rprop(p, o), RPROP_DEFAULTS)],
    ['lbfgs', spec((p, o) => new LBFGS(p, o), LBFGS_DEFAULTS)],
    ['adafactor', spec((p, o) => new Adafactor(p, o), ADAFACTOR_DEFAULTS)],
    ['lion', spec((p, o) => new Lion(p, o), LION_DEFAULTS)],
    ['lamb', spec((p, o) => new LAMB(p, o), LAMB_DEFAULTS)],
    ['schedule_free_adamw', spec((p, o) => new ScheduleFreeAdamW(p, o) as unknown as Optimizer, SCHEDULE_FREE_ADAMW_DEFAULTS)],
    ['prodigy', spec((p, o) => new Prodigy(p, o) as unknown as Optimizer, PRODIGY_DEFAULTS)],
    ['muon', spec((p, o) => new Muon(p, o), MUON_DEFAULTS)],
  ]);
}

/**
 * The shared optimizer registry (see {@link createOptimizerRegistry} for its names). Register your own:
 *
 * @example
 * optimizerRegistry.register('sgd_nesterov', {
 *   create: (params, o) => new SGD(params, { ...o, nesterov: true }),
 *   defaults: { lr: 0.1, momentum: 0.9, weightDecay: 0 },
 * });
 * const opt = fromConfig(model.namedParameters(), { type: 'sgd_nesterov', lr: 0.1, momentum: 0.9 });
 */
export const optimizerRegistry: Registry<OptimizerSpec> = /*#__PURE__*/ createOptimizerRegistry();
