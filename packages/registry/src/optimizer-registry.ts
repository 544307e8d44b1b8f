import {
  ADADELTA_DEFAULTS,
  ADAFACTOR_DEFAULTS,
  ADAGRAD_DEFAULTS,
  ADAMAX_DEFAULTS,
  ADAMW_DEFAULTS,
  ADAM_DEFAULTS,
  ADAN_DEFAULTS,
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
  Adan,
  LBFGS,
  LBFGS_DEFAULTS,
  NADAM_DEFAULTS,
  NAdam,
  type AlgorithmAbout,
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
  /**
   * What catalogs show and need (every built-in entry has one): the class, its papers, its state, what a training
   * loop must do for it, where a first run starts. The README tables, the demo's `--optimizers` and the
   * playground's list are read from it ({@link optimizerCatalog}).
   */
  readonly about?: AlgorithmAbout;
}

function spec(
  make: (params: ParamsInput, options: never) => Optimizer,
  defaults: Readonly<Record<string, unknown>>,
  about: AlgorithmAbout,
  required?: readonly string[],
): OptimizerSpec {
  const create = (p: ParamsInput, o: Record<string, unknown>) => make(p, o as never);
  return required === undefined ? { create, defaults, about } : { create, defaults, about, required };
}

/** AllenNLP's `"huggingface_adamw"` defaults: transformers' AdamW with lr 1e-5 and eps 1e-8. */
export const ALLENNLP_HUGGINGFACE_ADAMW_DEFAULTS = { ...HUGGINGFACE_ADAMW_DEFAULTS, lr: 1e-5, eps: 1e-8 } as const;

const { decoupledWeightDecay: _unused, ...adamwOptions } = ADAMW_DEFAULTS;

/**
 * The name AllenNLP builds when a config gives no `type` (`Optimizer.default_implementation`).
 */
export const DEFAULT_OPTIMIZER = 'adam';

const OPTIM = '@tsoptim/optim';
const REGISTRY = '@tsoptim/registry';
const KINGMA_BA = { cite: 'Kingma & Ba 2014', url: 'https://arxiv.org/abs/1412.6980' } as const;
const ADAM_STATE = 'step, exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad)';

const ASGD_ABOUT: AlgorithmAbout = {
  className: 'ASGD',
  from: OPTIM,
  inTorch: true,
  summary: 'SGD with an averaged copy of the iterates (Polyak averaging)',
  references: [{ cite: 'Polyak & Juditsky 1992', url: 'https://doi.org/10.1137/0330046' }],
  state: 'step, eta, mu, ax',
  start: { lr: 0.1 },
};

/**
 * A registry holding every tsoptim optimizer under AllenNLP's names, plus torch's lower-case class names for the
 * algorithms AllenNLP does not name (`adam` is the default; `sgd` requires `lr`, as AllenNLP). The names, their
 * classes and papers are listed in the package README (generated from these entries' `about`) and by
 * `optimizerRegistry.names()`.
 *
 * Each call returns a fresh registry; {@link optimizerRegistry} is the shared one that {@link fromConfig} uses.
 *
 * @example
 * const mine = createOptimizerRegistry();
 * mine.register('my_sgd', { create: (p, o) => new SGD(p, o), defaults: { lr: 0.1, momentum: 0.9 } });
 */
export function createOptimizerRegistry(): Registry<OptimizerSpec> {
  return new Registry<OptimizerSpec>('optimizer', [
    [
      'adam',
      spec((p, o) => new Adam(p, o), ADAM_DEFAULTS, {
        className: 'Adam',
        from: OPTIM,
        inTorch: true,
        summary: 'per-element steps from running averages of the gradient and of its square',
        references: [KINGMA_BA, { part: 'AMSGrad', cite: 'Reddi et al. 2018', url: 'https://openreview.net/forum?id=ryQu7f-RZ' }],
        state: ADAM_STATE,
        start: { lr: 0.003, peakLr: 0.01 },
      }),
    ],
    [
      'sparse_adam',
      spec((p, o) => new SparseAdam(p, o), SPARSE_ADAM_DEFAULTS, {
        className: 'SparseAdam',
        from: OPTIM,
        inTorch: true,
        summary: 'Adam for sparse gradients: only the rows a gradient touches move',
        references: [{ ...KINGMA_BA, note: 'lazy Adam' }],
        optionNotes: 'sparse gradients only (only touched rows move)',
        state: 'step, exp_avg, exp_avg_sq',
        gradients: 'sparse',
        start: { lr: 0.003 },
      }),
    ],
    [
      'adamax',
      spec((p, o) => new Adamax(p, o), ADAMAX_DEFAULTS, {
        className: 'Adamax',
        from: OPTIM,
        inTorch: true,
        summary: 'Adam with the infinity norm in place of the second moment',
        references: [{ ...KINGMA_BA, cite: 'Kingma & Ba 2014, §7' }],
        state: 'step, exp_avg, exp_inf',
        start: { lr: 0.003, peakLr: 0.04 },
      }),
    ],
    [
      'adamw',
      spec((p, o) => new AdamW(p, o), adamwOptions, {
        className: 'AdamW',
        from: OPTIM,
        inTorch: true,
        summary: 'Adam with weight decay decoupled from the gradient',
        references: [{ cite: 'Loshchilov & Hutter 2017', url: 'https://arxiv.org/abs/1711.05101' }],
        optionNotes: 'decay decoupled',
        state: ADAM_STATE,
        start: { options: { weightDecay: 0.01 }, lr: 0.003, peakLr: 0.01 },
      }),
    ],
    [
      'huggingface_adamw',
      spec((p, o) => new HuggingfaceAdamW(p, o, ALLENNLP_HUGGINGFACE_ADAMW_DEFAULTS), ALLENNLP_HUGGINGFACE_ADAMW_DEFAULTS, {
        className: 'HuggingfaceAdamW',
        from: REGISTRY,
        summary: "transformers' AdamW (decay after the update, `correct_bias`) with AllenNLP's defaults (lr 1e-5, eps 1e-8)",
        references: [{ cite: 'Loshchilov & Hutter 2017', url: 'https://arxiv.org/abs/1711.05101', note: "transformers' `AdamW`" }],
        state: 'step, exp_avg, exp_avg_sq',
        start: { lr: 0.003 },
      }),
    ],
    [
      'adagrad',
      spec((p, o) => new Adagrad(p, o), ADAGRAD_DEFAULTS, {
        className: 'Adagrad',
        from: OPTIM,
        inTorch: true,
        summary: 'per-element steps scaled by the sum of all past squared gradients',
        references: [{ cite: 'Duchi, Hazan & Singer 2011', url: 'https://jmlr.org/papers/v12/duchi11a.html', note: 'JMLR 12' }],
        optionNotes: 'sparse gradients supported',
        state: 'step, sum (created at construction, as torch)',
        start: { lr: 0.05, peakLr: 0.1 },
      }),
    ],
    [
      'adadelta',
      spec((p, o) => new Adadelta(p, o), ADADELTA_DEFAULTS, {
        className: 'Adadelta',
        from: OPTIM,
        inTorch: true,
        summary: 'steps sized by running averages of squared gradients and of squared updates',
        references: [{ cite: 'Zeiler 2012', url: 'https://arxiv.org/abs/1212.5701' }],
        state: 'step, square_avg, acc_delta',
        start: { lr: 1 },
      }),
    ],
    [
      'sgd',
      spec(
        (p, o) => new SGD(p, o),
        SGD_DEFAULTS,
        {
          className: 'SGD',
          from: OPTIM,
          inTorch: true,
          summary: 'stochastic gradient descent, with momentum and Nesterov momentum',
          references: [{ cite: 'Sutskever et al. 2013', url: 'https://proceedings.mlr.press/v28/sutskever13.html', note: 'Nesterov' }],
          state: 'momentum_buffer (momentum > 0)',
          start: { options: { momentum: 0.9, nesterov: true }, lr: 0.1, peakLr: 0.3 },
        },
        ['lr'],
      ),
    ],
    [
      'rmsprop',
      spec((p, o) => new RMSprop(p, o), RMSPROP_DEFAULTS, {
        className: 'RMSprop',
        from: OPTIM,
        inTorch: true,
        summary: 'steps scaled by a running average of squared gradients',
        references: [
          { cite: 'Hinton, lecture 6e', url: 'https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf' },
          { part: 'centered', cite: 'Graves 2013', url: 'https://arxiv.org/abs/1308.0850' },
        ],
        state: 'step, square_avg, momentum_buffer (momentum > 0), grad_avg (centered)',
        start: { lr: 0.002 },
      }),
    ],
    ['averaged_sgd', spec((p, o) => new ASGD(p, o), ASGD_DEFAULTS, ASGD_ABOUT)],
    ['asgd', spec((p, o) => new ASGD(p, o), ASGD_DEFAULTS, ASGD_ABOUT)],
    [
      'dense_sparse_adam',
      spec((p, o) => new DenseSparseAdam(p, o), DENSE_SPARSE_ADAM_DEFAULTS, {
        className: 'DenseSparseAdam',
        from: REGISTRY,
        summary: "AllenNLP's Adam for models with dense and sparse gradients in one optimizer",
        references: [{ ...KINGMA_BA, note: "AllenNLP's `DenseSparseAdam`" }],
        state: 'step, exp_avg, exp_avg_sq',
        start: { lr: 0.003 },
      }),
    ],
    [
      'nadam',
      spec((p, o) => new NAdam(p, o), NADAM_DEFAULTS, {
        className: 'NAdam',
        from: OPTIM,
        inTorch: true,
        summary: 'Adam with Nesterov momentum',
        references: [{ cite: 'Dozat 2016', url: 'https://openreview.net/forum?id=OM0jvwB8jIp57ZJjtNEZ' }],
        state: 'step, mu_product, exp_avg, exp_avg_sq',
        start: { lr: 0.003, peakLr: 0.01 },
      }),
    ],
    [
      'radam',
      spec((p, o) => new RAdam(p, o), RADAM_DEFAULTS, {
        className: 'RAdam',
        from: OPTIM,
        inTorch: true,
        summary: 'Adam with the variance of its adaptive step rectified (momentum steps while it is intractable)',
        references: [{ cite: 'Liu et al. 2019', url: 'https://arxiv.org/abs/1908.03265' }],
        state: 'step, exp_avg, exp_avg_sq',
        start: { lr: 0.003, peakLr: 0.04 },
      }),
    ],
    [
      'rprop',
      spec((p, o) => new Rprop(p, o), RPROP_DEFAULTS, {
        className: 'Rprop',
        from: OPTIM,
        inTorch: true,
        summary: "per-element step sizes grown or shrunk by the gradient's sign changes",
        references: [{ cite: 'Riedmiller & Braun 1993', url: 'https://doi.org/10.1109/ICNN.1993.298623' }],
        state: 'step, prev, step_size',
        start: { lr: 0.001 },
      }),
    ],
    [
      'lbfgs',
      spec((p, o) => new LBFGS(p, o), LBFGS_DEFAULTS, {
        className: 'LBFGS',
        from: OPTIM,
        inTorch: true,
        summary: 'limited-memory BFGS: quasi-Newton steps, optionally with a strong-Wolfe line search',
        references: [{ cite: 'Liu & Nocedal 1989', url: 'https://doi.org/10.1007/BF01589116' }],
        optionNotes: "maxEval null is ⌊maxIter·5/4⌋; lineSearchFn null | 'strong_wolfe'; one parameter group; closure-driven",
        state: 'under the first parameter: func_evals, n_iter, d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad, prev_loss, al',
        step: 'closure',
        start: { lr: 0.5 },
      }),
    ],
    [
      'adafactor',
      spec((p, o) => new Adafactor(p, o), ADAFACTOR_DEFAULTS, {
        className: 'Adafactor',
        from: OPTIM,
        inTorch: true,
        summary: 'Adam-like steps with the second moment of a matrix kept as row and column factors',
        references: [{ cite: 'Shazeer & Stern 2018', url: 'https://arxiv.org/abs/1804.04235' }],
        state: 'step; row_var and col_var (2+ dims) or variance',
        start: { lr: 0.01 },
      }),
    ],
    [
      'lion',
      spec((p, o) => new Lion(p, o), LION_DEFAULTS, {
        className: 'Lion',
        from: OPTIM,
        summary: 'the sign of an interpolation of momentum and gradient: every element moves by exactly lr',
        references: [{ cite: 'Chen et al. 2023', url: 'https://arxiv.org/abs/2302.06675' }],
        optionNotes: 'decay decoupled',
        state: 'exp_avg',
        start: { options: { weightDecay: 0.1 }, lr: 0.003, peakLr: 0.001 },
      }),
    ],
    [
      'lamb',
      spec((p, o) => new LAMB(p, o), LAMB_DEFAULTS, {
        className: 'LAMB',
        from: OPTIM,
        summary: "Adam's update scaled per tensor by the trust ratio ‖θ‖/‖u‖ (large-batch training)",
        references: [{ cite: 'You et al. 2019', url: 'https://arxiv.org/abs/1904.00962' }],
        optionNotes: 'per-tensor trust ratio ‖θ‖/‖u‖ through backend reductions',
        state: 'step, exp_avg, exp_avg_sq',
        start: { options: { weightDecay: 0.01 }, lr: 0.003, peakLr: 0.01 },
      }),
    ],
    [
      'schedule_free_adamw',
      spec((p, o) => new ScheduleFreeAdamW(p, o) as unknown as Optimizer, SCHEDULE_FREE_ADAMW_DEFAULTS, {
        className: 'ScheduleFreeAdamW',
        label: 'Schedule-Free AdamW',
        from: OPTIM,
        summary: 'AdamW without a learning-rate schedule: gradients at an interpolation y of the iterate z and its average x',
        references: [{ cite: 'Defazio et al. 2024', url: 'https://arxiv.org/abs/2405.15682' }],
        optionNotes: '`opt.train()` / `opt.eval()` switch the parameters between y and the average x',
        state: 'z, exp_avg_sq (group: k, train_mode, weight_sum, lr_max)',
        start: { options: { warmupSteps: 100 }, lr: 0.003, peakLr: 0.0025, note: 'evaluated at y unless the loop calls opt.eval()' },
      }),
    ],
    [
      'prodigy',
      spec((p, o) => new Prodigy(p, o) as unknown as Optimizer, PRODIGY_DEFAULTS, {
        className: 'Prodigy',
        from: OPTIM,
        summary: 'Adam whose step size d is estimated as training goes (lr is a multiplier of d)',
        references: [{ cite: 'Mishchenko & Defazio 2023', url: 'https://arxiv.org/abs/2306.06101' }],
        optionNotes: 'beta3 null is √β₂; needs synchronous reads',
        state: 'step, s, p0, exp_avg, exp_avg_sq (group: d, d_max, d_numerator, d_denom, d_hat, k)',
        start: { lr: 1, note: 'd estimated' },
      }),
    ],
    [
      'muon',
      spec((p, o) => new Muon(p, o), MUON_DEFAULTS, {
        className: 'Muon',
        from: OPTIM,
        summary: 'momentum orthogonalised by Newton–Schulz iterations, for the matrices of a model',
        references: [{ cite: 'Jordan et al. 2024', url: 'https://kellerjordan.github.io/posts/muon/' }],
        optionNotes:
          'parameters of ≥ 2 dimensions only (biases and gains go to AdamW); quintic Newton–Schulz through `backend.matmul`, lr × max(1, rows/cols)^½',
        state: 'momentum_buffer',
        params: 'matrices',
        start: { lr: 0.02 },
      }),
    ],
    [
      'adan',
      spec((p, o) => new Adan(p, o), ADAN_DEFAULTS, {
        className: 'Adan',
        from: OPTIM,
        summary: 'Adam-like moments of the gradient, of its change since the last step and of the Nesterov term g + β₂Δg',
        references: [{ cite: 'Xie et al. 2022', url: 'https://arxiv.org/abs/2208.06677' }],
        optionNotes: 'three betas; decay decoupled, proximal θ/(1 + γλ) unless noProx',
        state: 'step, exp_avg, exp_avg_sq, exp_avg_diff, neg_pre_grad',
        // The demo's MLP, 5 epochs: 95.06 % test accuracy at a one-cycle peak of 0.03, 94.31 % at a constant 0.01.
        start: { lr: 0.01, peakLr: 0.03 },
      }),
    ],
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
