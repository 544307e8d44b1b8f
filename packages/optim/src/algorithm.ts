/**
 * One declaration per algorithm: its options, its per-parameter state, and its math (a kernel with host
 * scalars, or an `update` for algorithms with reductions or several passes). From it follow
 *
 * - the class (`class Lion extends LionAlgorithm {}`): options checked by the declaration, state created
 *   lazily under the declared keys, `stateDict` / `loadStateDict` checked against the declared state;
 * - the functional form (`lion = functionalForm(LionAlgorithm)`, called as `lion(params, grads, expAvgs,
 *   options)`): one list per state tensor, in declared order, then the step counts when the state has a step,
 *   then the step options;
 * - the state keys, stated once (`Lion.stateKeys`) and the {@link StateSpec} derived from them;
 * - the conformance row (`Lion.row({ fixtures, errors })`).
 *
 * `defineAlgorithm` returns the class itself and `functionalForm` is a function call, so both carry
 * `/*#__PURE__*\/` and an app that imports neither bundles none of it.
 *
 * An algorithm file is then its math and its declaration (Keras's `base_optimizer.py`, torch's `OptimizerInfo`).
 */
import { type ElementwiseKernel, type Parameter, RuntimeError, type Tensor, zeros } from '@tsoptim/core';
import { Optimizer, type ParamGroup, type ParamsInput, type Scheduled } from './optimizer.js';
import type { OptionsDecl } from './options.js';
import type { StateSpec } from './state-spec.js';
import { withDefaults } from './validate.js';

/** torch's state key as a kernel names its tensor: `exp_avg_sq` → `expAvgSq`. */
function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** One list per state tensor, in declared order. */
export type StateLists<K extends readonly string[]> = { [I in keyof K]: readonly (Tensor | undefined)[] };

/** The functional form: `(params, grads, ...one list per state tensor, [steps,] options)`. */
export type AlgorithmFunctional<K extends readonly string[], Counted extends boolean, P> = Counted extends true
  ? (params: readonly Tensor[], grads: readonly Tensor[], ...rest: [...StateLists<K>, steps: readonly number[], options: P]) => void
  : (params: readonly Tensor[], grads: readonly Tensor[], ...rest: [...StateLists<K>, options: P]) => void;

/** A parameter's state as the declaration names it: `step` when counted, one tensor per key. */
export type AlgorithmState<K extends string> = { step?: number } & { [Key in K]?: Tensor };

/** The per-parameter state of an algorithm. */
export interface AlgorithmStateDecl<K extends readonly string[], Counted extends boolean> {
  /** A `step` counter (an integer, incremented before each update, as torch's). */
  readonly step: Counted;
  /** The per-element tensors, zeros of the parameter's shape, in the order the functional form takes them. */
  readonly tensors: K;
  /** Tensors only some options need (AMSGrad's `max_exp_avg_sq`): never required on load, never null. */
  readonly optional?: readonly K[number][];
}

/** What {@link defineAlgorithm} takes. */
export interface AlgorithmSpec<O extends object, K extends readonly string[], Counted extends boolean, P> {
  /** The class name, as in messages and conformance tables. */
  readonly name: string;
  /** The options, declared once with `defineOptions`. */
  readonly options: OptionsDecl<O>;
  readonly state: AlgorithmStateDecl<K, Counted>;
  /** The functional form's options from a group's (resolved) options: `betas` → `beta1`, `beta2`… */
  readonly stepOptions: (group: ParamGroup<O>) => P;
  /** The state tensors a step with these options reads and writes (default: all of them). */
  readonly uses?: (o: P) => readonly K[number][];
  /** The kernel for these options (a `kernelFamily` member: flags never become per-element branches). */
  readonly kernel?: (o: P) => ElementwiseKernel;
  /** The host scalars of a step: computed once per distinct step count, float64. */
  readonly scalars?: (o: P, step: number) => Readonly<Record<string, number>>;
  /**
   * The update of one parameter when it is not one kernel (reductions, several passes): `state` holds the
   * tensors the step uses, keyed as the kernels name them (`expAvg`).
   */
  readonly update?: (param: Tensor, grad: Tensor, state: Readonly<Record<string, Tensor>>, step: number, o: P) => void;
}

/** A conformance table row: the class's name and `make`, then the caller's fixtures and notes. */
export type AlgorithmRow<R> = { name: string; make: (params: ParamsInput, options: Record<string, unknown>) => Optimizer } & R;

/**
 * The instance type of a class {@link defineAlgorithm} makes: an optimizer whose update comes from the
 * declaration (the generated class overrides `updateGroup`).
 */
export class DeclaredOptimizer<O extends object> extends Optimizer<O> {
  protected updateGroup(_group: ParamGroup<O>, _params: Parameter[]): void {
    throw new RuntimeError(`${this.constructor.name} was not made by defineAlgorithm`);
  }
}

/** The class an algorithm declaration gives (what {@link defineAlgorithm} returns), with the declaration on it. */
export interface AlgorithmClass<
  O extends object,
  K extends readonly string[] = readonly string[],
  Counted extends boolean = boolean,
  P = unknown,
> {
  /** `defaults` replaces the declared defaults (AdamW's, on Adam's class). */
  new (params: ParamsInput<Partial<O>>, options?: Scheduled<Partial<O>>, defaults?: Readonly<O>): DeclaredOptimizer<O>;
  /** The algorithm's name, as conformance tables and registries show it. */
  readonly algorithmName: string;
  /** The options declaration. */
  readonly options: OptionsDecl<O>;
  /** The state tensors' keys, in the functional form's order. */
  readonly stateKeys: K;
  /** The per-parameter state, derived from the declaration. */
  readonly stateSpec: StateSpec;
  /** The functional form (read it with {@link functionalForm}, which bundlers can drop when unused). */
  readonly functional: AlgorithmFunctional<K, Counted, P>;
  /** The conformance table row of this class (or of a subclass it is called on: `AdamW.row(…)`). */
  row<R extends object>(rest: R): AlgorithmRow<R>;
}

/**
 * Declares an algorithm once; see the module comment for what follows from it.
 *
 * @example
 * const LionAlgorithm = defineAlgorithm({
 *   name: 'Lion',
 *   options: LION_OPTIONS,
 *   state: { step: false, tensors: ['exp_avg'] as const },
 *   stepOptions: (g) => ({ lr: g.lr, beta1: g.betas[0], beta2: g.betas[1], weightDecay: g.weightDecay, maximize: g.maximize }),
 *   kernel: (o) => lionKernel({ maximize: o.maximize, decay: o.weightDecay === 0 ? 'none' : 'decoupled' }),
 *   scalars: (o) => ({ lr: o.lr, beta1: o.beta1, beta2: o.beta2, ... }),
 * });
 * export const lion = functionalForm(LionAlgorithm);
 * export class Lion extends LionAlgorithm {}
 */
export function defineAlgorithm<O extends object, const K extends readonly string[], Counted extends boolean, P>(
  spec: AlgorithmSpec<O, K, Counted, P>,
): AlgorithmClass<O, K, Counted, P> {
  const { tensors, step: counted } = spec.state;
  const optional = new Set<string>(spec.state.optional ?? []);
  const names = tensors.map(camel);
  const kernelName = new Map(tensors.map((k, j) => [k as string, names[j]!]));
  const required = tensors.filter((k) => !optional.has(k));
  const stateSpec: StateSpec = {
    scalars: counted ? { step: 'count' } : {},
    required: counted ? ['step', ...required] : required,
    ...(optional.size === 0 ? {} : { notNull: [...optional] }),
  };
  if ((spec.kernel === undefined) === (spec.update === undefined)) {
    throw new Error(`defineAlgorithm(${spec.name}): give either kernel (with scalars) or update`);
  }

  const functional = (params: readonly Tensor[], grads: readonly Tensor[], ...rest: unknown[]): void => {
    const o = rest[rest.length - 1] as P;
    const steps = counted ? (rest[tensors.length] as readonly number[]) : undefined;
    const lists = rest as (readonly (Tensor | undefined)[])[];
    const used = spec.uses === undefined ? tensors.map((_, j) => j) : spec.uses(o).map((k) => tensors.indexOf(k));
    const kernel = spec.kernel?.(o);
    // Parameters of a group usually share their step count: the scalars are computed once per distinct t.
    let lastT = Number.NaN;
    let scalars: Readonly<Record<string, number>> = {};
    for (let i = 0; i < params.length; i++) {
      const param = params[i]!;
      const t = steps === undefined ? 0 : steps[i]!;
      const grad = grads[i]!;
      // One object per parameter, as the kernel names its tensors: param, grad, then the state (`expAvg`...).
      const io: Record<string, Tensor> = kernel === undefined ? {} : { param, grad };
      for (const j of used) io[names[j]!] = lists[j]![i]!;
      if (kernel === undefined) {
        spec.update!(param, grad, io, t, o);
        continue;
      }
      if (i === 0 || t !== lastT) {
        lastT = t;
        scalars = spec.scalars!(o, t);
      }
      param.backend.run(kernel, { tensors: io, scalars });
    }
  };

  const defaults = spec.options.defaults;
  class AlgorithmOptimizer extends DeclaredOptimizer<O> {
    static readonly algorithmName: string = spec.name;
    static readonly options = spec.options;
    static readonly stateKeys = tensors;
    static readonly stateSpec = stateSpec;
    static readonly functional = functional;

    static row<R extends object>(this: new (p: ParamsInput, o: Record<string, unknown>) => Optimizer, rest: R): AlgorithmRow<R> {
      // biome-ignore lint/complexity/noThisInStatic: `this` is the class it is called on (a subclass gives its own rows).
      return { name: this.name, make: (params, options) => new this(params, options), ...rest };
    }

    constructor(params: ParamsInput<Partial<O>>, options: Scheduled<Partial<O>> = {}, defaultsOf: Readonly<O> = defaults) {
      super(params, withDefaults(defaultsOf, options));
    }

    protected override optionsDecl(): OptionsDecl<O> {
      return spec.options;
    }

    protected override stateSpec(): StateSpec {
      return stateSpec;
    }

    protected override paramShapedState(): readonly string[] {
      return tensors;
    }

    // The functional form's loop, on the state directly: no per-step lists (a training loop's garbage stays small).
    protected override updateGroup(group: ParamGroup<O>, params: Parameter[]): void {
      const o = spec.stepOptions(group);
      const use = spec.uses?.(o) ?? tensors;
      const kernel = spec.kernel?.(o);
      let lastT = Number.NaN;
      let scalars: Readonly<Record<string, number>> = {};
      for (let i = 0; i < params.length; i++) {
        const p = params[i]!;
        const s = this.stateOf(p);
        // Created on the first step: `step` first, then the tensors, in torch's key order.
        if (counted && s.step === undefined) s.step = 0;
        for (let j = 0; j < use.length; j++) if (s[use[j]!] === undefined) s[use[j]!] = zeros(p.shape, { backend: p.backend });
        let t = 0;
        if (counted) t = s.step = (s.step as number) + 1;
        const grad = p.grad as Tensor;
        const io: Record<string, Tensor> = kernel === undefined ? {} : { param: p, grad };
        for (let j = 0; j < use.length; j++) io[kernelName.get(use[j]!)!] = s[use[j]!] as Tensor;
        if (kernel === undefined) {
          spec.update!(p, grad, io, t, o);
          continue;
        }
        if (i === 0 || t !== lastT) {
          lastT = t;
          scalars = spec.scalars!(o, t);
        }
        p.backend.run(kernel, { tensors: io, scalars });
      }
    }
  }

  return AlgorithmOptimizer as unknown as AlgorithmClass<O, K, Counted, P>;
}

/** The functional form of a declared algorithm: `export const lion = functionalForm(LionAlgorithm)`. */
export function functionalForm<K extends readonly string[], Counted extends boolean, P>(
  algorithm: AlgorithmClass<object, K, Counted, P> | { readonly functional: AlgorithmFunctional<K, Counted, P> },
): AlgorithmFunctional<K, Counted, P> {
  return algorithm.functional;
}
