import { type Parameter, type Tensor, TypeError_ } from '@tsoptim/core';
import {
  Optimizer,
  type OptionsDecl,
  type ParamGroup,
  type ParamState,
  type ParamsInput,
  type StateSpec,
  betasCheck,
  bool,
  defineOptions,
  float,
  nonNegative,
  pair,
  SCHEDULER_GROUP_KEYS,
  rejectSparse,
  suggestName,
} from '@tsoptim/optim';

/** The options every adaptive optimizer's groups have. */
export interface AdaptiveGroupOptions {
  /** Learning rate α. */
  lr: number;
  /** Decay rates (β₁, β₂) of the first and second moment averages. */
  betas: readonly [number, number];
  /** ε, for numerical stability. */
  eps: number;
}

/** Kinds and checks of the group options the family's classes use (a subclass's own options pass through). */
const GROUP_SPECS = {
  lr: float(1e-3, nonNegative('Invalid learning rate')),
  betas: pair([0.9, 0.999], betasCheck),
  eps: float(1e-16, nonNegative('Invalid epsilon value')),
  weightDecay: float(0, nonNegative('Invalid weight_decay value')),
  amsgrad: bool(false),
  warmup: float(0, nonNegative('Invalid warmup value')),
  totalSteps: float(0, nonNegative('Invalid total_steps value')),
};
const GENERIC_STATE: StateSpec = { scalars: { step: 'count' } };
const groupDecls = new Map<string, OptionsDecl<typeof GROUP_SPECS>>();

function groupDecl(className: string): OptionsDecl<typeof GROUP_SPECS> {
  let d = groupDecls.get(className);
  if (d === undefined) {
    d = defineOptions(className, GROUP_SPECS as never, { order: ['lr', 'eps', 'betas', 'weightDecay'] }) as OptionsDecl<typeof GROUP_SPECS>;
    groupDecls.set(className, d);
  }
  return d;
}

/**
 * The base of Adam and its extensions (labml's `GenericAdaptiveOptimizer`): it validates `lr`, `eps` and `betas`
 * and runs a template step, so an algorithm only says how to start a parameter's state and how to update one
 * parameter.
 *
 * The step: evaluate the closure (if any); in every group, skip parameters without a gradient; reject sparse
 * gradients (before anything changes); create a parameter's state on its first step with
 * {@link GenericAdaptiveOptimizer.initState}; call {@link GenericAdaptiveOptimizer.stepParam} with the group's
 * options resolved for this step. The rest (param groups, `zeroGrad`, hooks, `stateDict`/`loadStateDict` in
 * torch's layout, schedule-valued options) is the `Optimizer` of @tsoptim/optim.
 *
 * `stepParam` should run one kernel over the parameter (host scalars computed once per call); see the package
 * README for a complete optimizer in one small file.
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid beta parameter at index i: …`
 * (for the defaults and for every group).
 * @throws RuntimeError `<Class> does not support sparse gradients, please consider SparseAdam instead` from `step` (labml's class name: `Adam` for `LabmlAdam`).
 * @example
 * class SignSgd extends GenericAdaptiveOptimizer {
 *   protected initState(state: ParamState): void { state.step = 0; }
 *   protected stepParam(state: ParamState, group: ParamGroup<AdaptiveGroupOptions>, grad: Tensor, param: Parameter): void {
 *     state.step = (state.step as number) + 1;
 *     param.backend.run(signKernel, { tensors: { param, grad }, scalars: { lr: group.lr } });
 *   }
 * }
 * const opt = new SignSgd(params, { lr: 1e-3, betas: [0, 0], eps: 0 });
 */
export abstract class GenericAdaptiveOptimizer<O extends AdaptiveGroupOptions = AdaptiveGroupOptions> extends Optimizer<O> {
  /**
   * @param defaults the group defaults, including `lr`, `betas` and `eps`.
   */
  constructor(params: ParamsInput, defaults: O) {
    super(params, defaults);
  }

  /** Checks `lr ≥ 0`, `eps ≥ 0` and `0 ≤ βᵢ < 1`, with labml's (and torch's) messages. Subclasses extend it. */
  protected override validate(options: Record<string, unknown>): void {
    // Kinds (a string, null or a Tensor lr...) and ranges of the family's options; other keys are a subclass's.
    const cls = this.constructor.name;
    // Groups (once the defaults exist) take the optimizer's own options and the keys schedulers write.
    const defaults = this.defaults as Record<string, unknown> | undefined;
    if (defaults !== undefined) {
      const names = Object.keys(defaults);
      for (const key of Object.keys(options)) {
        if (key === 'params' || key === 'paramNames' || Object.hasOwn(defaults, key) || SCHEDULER_GROUP_KEYS.has(key)) continue;
        const guess = suggestName(key, names, new Map(names.map((n) => [n.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), n])));
        throw new TypeError_(
          `${cls} got an unknown option \`${key}\` in a parameter group${guess === undefined ? '' : `; did you mean \`${guess}\`?`}`,
        );
      }
    }
    const decl = groupDecl(cls);
    decl.check(options, 'options', new Set(Object.keys(options).filter((k) => !decl.has(k))));
  }

  /** `step` is a count (checked on load, restored by a failed step); subclasses add their required keys. */
  protected override stateSpec(): StateSpec {
    return GENERIC_STATE;
  }

  protected override checkGradients(params: readonly Parameter[]): void {
    rejectSparse(
      params,
      `${this.constructor.name.replace(/^Labml/, '')} does not support sparse gradients, please consider SparseAdam instead`,
    );
  }

  /** The template loop over one group's parameters that have gradients. */
  protected updateGroup(group: ParamGroup<O>, params: Parameter[]): void {
    for (const param of params) {
      const state = this.stateOf(param);
      if (Object.keys(state).length === 0) this.initState(state, group, param);
      this.stepParam(state, group, param.grad as Tensor, param);
    }
  }

  /**
   * Creates the state of a parameter on its first step (labml's `init_state`): `step` and the moment tensors,
   * with the keys labml and torch use (`exp_avg`, `exp_avg_sq`...).
   */
  protected abstract initState(state: ParamState, group: ParamGroup<O>, param: Parameter): void;

  /**
   * Updates one parameter (labml's `step_param`): `grad` is its dense gradient, `group` the options of this
   * step. Implementations compute the step's scalars on the host and run one kernel.
   */
  protected abstract stepParam(state: ParamState, group: ParamGroup<O>, grad: Tensor, param: Parameter): void;
}
