/**
 * One declaration per algorithm: its options, its per-parameter state, and its math (a kernel with host
 * scalars, or an `update` for algorithms with reductions or several passes). From it follow
 *
 * - the class (`class Lion extends LionAlgorithm {}`, a {@link DeclaredOptimizer} carrying the declaration):
 *   options checked by the declaration, state created lazily under the declared keys, `stateDict` /
 *   `loadStateDict` checked against the declared state;
 * - the functional form (`lion = functionalForm(LionAlgorithm)`, called as `lion(params, grads, expAvgs,
 *   options)`): one list per state tensor, in declared order, then one list per host number, then the step
 *   counts when the math reads them, then the step options;
 * - the state keys, stated once (`Lion.stateKeys`) and the {@link StateSpec} derived from them;
 * - the conformance row (`Lion.row({ fixtures, errors })`).
 *
 * `defineAlgorithm` returns the class itself and `functionalForm` is a function call (the functional form is
 * built there, from the class's declaration), so both carry `/*#__PURE__*\/` and an app that imports neither
 * bundles none of it.
 *
 * An algorithm file is then its math and its declaration (Keras's `base_optimizer.py`, torch's `OptimizerInfo`).
 */
import { type ElementwiseKernel, type Parameter, RuntimeError, type SparseTensor, type Tensor, isSparseTensor, zeros } from '@tsoptim/core';
import type { StateShape } from './internal/state-codec.js';
import { Optimizer, type ParamGroup, type ParamState, type ParamsInput, type Scheduled } from './optimizer.js';
import type { OptionsDecl } from './options.js';
import type { StateSpec } from './state-spec.js';
import { withDefaults } from './validate.js';

/**
 * Whether the state has a `step` counter: `true` when the math reads it (the functional form takes the step
 * counts), `'kept'` when torch keeps one the math does not read (RMSprop, Adadelta, Rprop), `false` for none.
 */
export type StepCount = boolean | 'kept';

/** One list per state tensor, in declared order (`null` or missing where a lazily created tensor does not exist yet). */
export type StateLists<K extends readonly string[]> = { [I in keyof K]: readonly (Tensor | null | undefined)[] };

/** One list per host number (NAdam's Πμ), in declared order: read, then replaced by the next step's values. */
export type NumberLists<N extends readonly string[]> = { [I in keyof N]: number[] };

/**
 * The functional form: `(params, grads, ...one list per state tensor, ...one list per host number, [steps,]
 * options)`.
 */
export type AlgorithmFunctional<K extends readonly string[], Counted extends StepCount, P, N extends readonly string[] = [], G = Tensor> = (
  params: readonly Tensor[],
  grads: readonly G[],
  ...rest: [...StateLists<K>, ...NumberLists<N>, ...(Counted extends true ? [steps: readonly number[]] : []), options: P]
) => void;

/** A parameter's state as the declaration names it: `step` when counted, one tensor per key. */
export type AlgorithmState<K extends string> = { step?: number } & { [Key in K]?: Tensor };

/** The per-parameter state of an algorithm. */
export interface AlgorithmStateDecl<
  K extends readonly string[],
  Counted extends StepCount,
  N extends readonly string[] = [],
  O extends object = Record<string, unknown>,
> {
  /** A `step` counter (an integer, incremented before each update, as torch's); see {@link StepCount}. */
  readonly step: Counted;
  /** The tensors, zeros of the parameter's shape unless `shapes` or `initial` say otherwise, in the functional form's order. */
  readonly tensors: K;
  /** Tensors only some options create (AMSGrad's `max_exp_avg_sq`, see `uses`): never required on load, never null. */
  readonly optional?: readonly K[number][];
  /** Host numbers kept per parameter (NAdam's `mu_product`, ASGD's `eta` and `mu`), each ≥ 0, set first by `initial`. */
  readonly numbers?: N;
  /**
   * How a tensor or number starts, from the parameter and its group's options for the step (Adagrad's `sum` at
   * `initial_accumulator_value`, Rprop's `step_size` at `lr`, Schedule-Free's `z` a copy of the parameter).
   * `null`: the `update` creates it when it needs it, as torch's SGD creates `momentum_buffer` from the first
   * gradient (the tensor may then be missing or null in a loaded state).
   */
  readonly initial?: {
    readonly [Key in K[number] | N[number]]?: ((param: Parameter, group: ParamGroup<O>) => Tensor | number) | null;
  };
  /**
   * Tensors of another shape than the parameter's (Adafactor's factored `row_var` / `col_var`): their shape for a
   * parameter's, or null when a parameter of that shape has none. Loading checks and requires them by it.
   */
  readonly shapes?: { readonly [Key in K[number]]?: (shape: readonly number[]) => readonly number[] | null };
  /** Keys a loaded state needs by the loaded groups' options (a {@link StateSpec} check, passed through). */
  readonly requiredByGroups?: StateSpec['requiredByGroups'];
}

/** What {@link defineAlgorithm} takes. */
export interface AlgorithmSpec<
  O extends object,
  K extends readonly string[],
  Counted extends StepCount,
  P,
  N extends readonly string[] = [],
  G = Tensor,
> {
  /** The class name, as in messages and conformance tables. */
  readonly name: string;
  /** The options, declared once with `defineOptions`. */
  readonly options: OptionsDecl<O>;
  readonly state: AlgorithmStateDecl<K, Counted, N, O>;
  /**
   * The functional form's options from a group's options for this step (`betas` → `beta1`, `beta2`…), once per
   * group and step. `stored` is the group as `paramGroups` holds it: running values an algorithm keeps in its
   * groups (Schedule-Free's `k`) are read and advanced there. An algorithm whose step options need every group
   * at once (Prodigy) computes them in its own `stepImpl` and runs each group with `runGroup`.
   */
  readonly stepOptions?: (group: ParamGroup<O>, stored: Record<string, unknown>) => P;
  /** The state tensors a step with these options uses, in the order a new state creates them (default: all). */
  readonly uses?: (o: P) => readonly K[number][];
  /**
   * The kernel for these options (a `kernelFamily` member: flags never become per-element branches), evaluated
   * once per distinct step count `t` (0 without a counter). A kernel that depends on host numbers (ASGD's
   * averaging switch) declares the third parameter `s`, the parameter's state (torch's keys) as it is before
   * `scalars` runs, and is then chosen per parameter.
   */
  readonly kernel?: (o: P, t: number, s: Readonly<ParamState>) => ElementwiseKernel;
  /**
   * The host scalars of a step, in float64, once per distinct step count; with host numbers, per parameter, and it
   * advances them in `s` (NAdam's Πμ ← Πμ·μₜ).
   */
  readonly scalars?: (o: P, t: number, s: ParamState) => Readonly<Record<string, number>>;
  /**
   * The update of one parameter when it is not one kernel (reductions, several passes): `state` holds the
   * tensors the step uses, keyed as the kernels name them (`expAvg`); a tensor whose `initial` is null is
   * created here and stored in `state`, and kept.
   */
  readonly update?: (param: Tensor, grad: G, state: Record<string, Tensor>, t: number, o: P) => void;
  /**
   * Runs the kernel on one parameter (default: `backend.run` over the whole tensor); {@link sparseRows} runs it
   * over a sparse gradient's rows only. `checkGradients` decides which algorithms take sparse gradients.
   */
  readonly run?: (kernel: ElementwiseKernel, tensors: Record<string, Tensor>, scalars: Readonly<Record<string, number>>, grad: G) => void;
}

/** A conformance table row: the class's name and `make`, then the caller's fixtures and notes. */
export type AlgorithmRow<R> = { name: string; make: (params: ParamsInput, options: Record<string, unknown>) => Optimizer } & R;

/**
 * The base of every class {@link defineAlgorithm} makes: an optimizer whose options, state and update come from
 * the declaration its class carries (`declaration`, a static).
 */
export class DeclaredOptimizer<O extends object, P = unknown> extends Optimizer<O> {
  /** `defaults` replaces the declared defaults (AdamW's, on Adam's class). */
  constructor(params: ParamsInput<Partial<O>>, options: Scheduled<Partial<O>> = {}, defaults?: Readonly<O>) {
    const d = (new.target as unknown as { declaration?: Declaration }).declaration;
    if (d === undefined) throw new RuntimeError(`${new.target.name} was not made by defineAlgorithm`);
    super(params, withDefaults(defaults ?? (d.spec.options.defaults as O), options));
  }

  /** The declaration of this optimizer's class. */
  private get declared(): Declaration {
    return (this.constructor as unknown as { declaration: Declaration }).declaration;
  }

  protected override optionsDecl(): OptionsDecl<O> {
    return this.declared.spec.options as OptionsDecl<O>;
  }

  protected override stateSpec(): StateSpec {
    return this.declared.stateSpec;
  }

  protected override paramShapedState(): readonly string[] {
    return this.declared.tensors;
  }

  protected override stateTensorShape(key: string, param: Parameter): StateShape {
    const shape = this.declared.shapes[key];
    return shape ? (shape(param.shape) ?? undefined) : super.stateTensorShape(key, param);
  }

  /**
   * The state of `p`, with `step`, the host numbers and the tensors in `use` created where missing (in that
   * order: torch's key order), as the group's options say (`initial`).
   */
  protected stateFor(p: Parameter, group: ParamGroup<O>, use: readonly string[]): ParamState {
    const d = this.declared;
    const s = this.entryFor(d, p, group);
    for (const k of use) if (s[k] === undefined) makeTensor(d, p, group as ParamGroup<object>, s, k);
    return s;
  }

  /** The state of `p` with `step` and the host numbers created where missing; tensors come with the gather. */
  private entryFor(d: Declaration, p: Parameter, group: ParamGroup<O>): ParamState {
    const { counted, numbers, initial, bare } = d;
    let s = this.state.get(p);
    if (s === undefined) {
      s = {};
      // A state only the update fills (SGD's) exists once it holds something, as torch's.
      if (!bare) this.state.set(p, s);
    }
    if (counted && s.step === undefined) s.step = 0;
    for (let j = 0; j < numbers.length; j++) s[numbers[j]!] ??= initial[numbers[j]!]!(p, group as ParamGroup<object>);
    return s;
  }

  /**
   * Updates a group's parameters with step options `o`: the functional form's loop, on the state directly (no
   * per-step lists: a training loop's garbage stays small). A tensor the state lacks is created as the gather
   * reads it, so a complete state is read once per key and step.
   */
  protected runGroup(group: ParamGroup<O>, params: readonly Parameter[], o: P): void {
    const d = this.declared;
    const gather = gatherOf(d, d.uses?.(o) ?? d.tensors);
    const make: Make = (k, p, s) => makeTensor(d, p as Parameter, group as ParamGroup<object>, s, k);
    const memo: Memo = { t: Number.NaN, kernel: undefined, scalars: {} };
    for (const p of params) {
      const s = this.entryFor(d, p, group);
      let t = 0;
      if (d.counted) t = s.step = (s.step as number) + 1;
      updateOne(d, p, p.grad, s, gather, t, o, memo, make);
      if (d.bare && !this.state.has(p) && Object.keys(s).length !== 0) this.state.set(p, s);
    }
  }

  protected override updateGroup(group: ParamGroup<O>, params: Parameter[], groupIndex: number): void {
    this.runGroup(group, params, this.declared.spec.stepOptions!(group, this.paramGroups[groupIndex] as Record<string, unknown>) as P);
  }
}

/** The class an algorithm declaration gives (what {@link defineAlgorithm} returns), with the declaration on it. */
export interface AlgorithmClass<
  O extends object,
  K extends readonly string[] = readonly string[],
  Counted extends StepCount = StepCount,
  P = unknown,
  N extends readonly string[] = [],
  G = Tensor,
> {
  /** `defaults` replaces the declared defaults (AdamW's, on Adam's class). */
  new (params: ParamsInput<Partial<O>>, options?: Scheduled<Partial<O>>, defaults?: Readonly<O>): DeclaredOptimizer<O, P>;
  /** The algorithm's name, as conformance tables and registries show it. */
  readonly algorithmName: string;
  /** The options declaration. */
  readonly options: OptionsDecl<O>;
  /** The state tensors' keys, in the functional form's order. */
  readonly stateKeys: K;
  /** The per-parameter state, derived from the declaration. */
  readonly stateSpec: StateSpec;
  /** The declaration the class was made from (what {@link functionalForm} builds the functional form from). */
  readonly declaration: { readonly spec: AlgorithmSpec<O, K, Counted, P, N, G> };
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
export function defineAlgorithm<
  O extends object,
  const K extends readonly string[],
  Counted extends StepCount,
  P,
  const N extends readonly string[] = [],
  G = Tensor,
>(spec: AlgorithmSpec<O, K, Counted, P, N, G>): AlgorithmClass<O, K, Counted, P, N, G> {
  if ((spec.kernel === undefined) === (spec.update === undefined)) {
    throw new Error(`defineAlgorithm(${spec.name}): give either kernel (with scalars) or update`);
  }
  const d = compile(spec as unknown as Declaration['spec']);
  class AlgorithmOptimizer extends DeclaredOptimizer<O, P> {
    static readonly algorithmName: string = spec.name;
    static readonly options = spec.options;
    static readonly stateKeys = spec.state.tensors;
    static readonly stateSpec = d.stateSpec;
    /** What the optimizer and {@link functionalForm} run. */
    static readonly declaration = d;

    static row<R extends object>(this: new (p: ParamsInput, o: Record<string, unknown>) => Optimizer, rest: R): AlgorithmRow<R> {
      // biome-ignore lint/complexity/noThisInStatic: `this` is the class it is called on (a subclass gives its own rows).
      return { name: this.name, make: (params, options) => new this(params, options), ...rest };
    }
  }
  return AlgorithmOptimizer as unknown as AlgorithmClass<O, K, Counted, P, N, G>;
}

/** What {@link defineAlgorithm} derives once from a declaration: the class's loop and the functional form read it. */
interface Declaration {
  readonly spec: AlgorithmSpec<object, readonly string[], StepCount, unknown, readonly string[], unknown>;
  // The spec's functions, on an object every declaration shares the shape of (the loop's reads of them stay
  // monomorphic while several algorithms run in one process).
  readonly uses: ((o: unknown) => readonly string[]) | undefined;
  readonly kernel: ((o: unknown, t: number, s: ParamState) => ElementwiseKernel) | undefined;
  readonly scalars: ((o: unknown, t: number, s: ParamState) => Readonly<Record<string, number>>) | undefined;
  readonly update: ((param: Tensor, grad: unknown, state: Record<string, Tensor>, t: number, o: unknown) => void) | undefined;
  readonly run:
    | ((kernel: ElementwiseKernel, tensors: Record<string, Tensor>, scalars: Readonly<Record<string, number>>, grad: unknown) => void)
    | undefined;
  readonly stateSpec: StateSpec;
  readonly tensors: readonly string[];
  readonly counted: StepCount;
  readonly numbers: readonly string[];
  readonly initial: Readonly<Record<string, ((param: Parameter, group: ParamGroup<object>) => Tensor | number) | null | undefined>>;
  readonly shapes: Readonly<Record<string, ((shape: readonly number[]) => readonly number[] | null) | undefined>>;
  /** Kernel names by torch key, looked up per parameter and step (no string work in the loop). */
  readonly nameOf: Readonly<Record<string, string>>;
  /** Tensors the update creates (SGD's momentum buffer): taken from it after the update. */
  readonly lazy: readonly string[];
  /** Whether only the update puts anything in the state (SGD). */
  readonly bare: boolean;
  /** Whether the kernel reads host numbers (declares `s`): then it is chosen per parameter. */
  readonly kernelPerParam: boolean;
  /** {@link gatherOf}'s builders, by list of keys. */
  readonly gathers: Map<string, Gather>;
}

function compile(spec: Declaration['spec']): Declaration {
  const { tensors, step: counted, optional = [], requiredByGroups } = spec.state;
  const initial = (spec.state.initial ?? {}) as Declaration['initial'];
  const shapes = (spec.state.shapes ?? {}) as Declaration['shapes'];
  const numbers = spec.state.numbers ?? [];
  const lazy = tensors.filter((k) => initial[k] === null);
  const scalars = counted ? ['step', ...numbers] : numbers;
  const stateSpec: StateSpec = {
    scalars: Object.fromEntries(scalars.map((k) => [k, k === 'step' ? 'count' : 'non-negative'])),
    required: [...scalars, ...tensors.filter((k) => !optional.includes(k) && initial[k] !== null && !shapes[k])],
  };
  if (optional.length !== 0) Object.assign(stateSpec, { notNull: optional });
  if (spec.state.shapes) Object.assign(stateSpec, { requiredFor: (shape: number[]) => tensors.filter((k) => shapes[k]?.(shape)) });
  if (requiredByGroups) Object.assign(stateSpec, { requiredByGroups });
  return {
    spec,
    uses: spec.uses,
    kernel: spec.kernel,
    scalars: spec.scalars,
    update: spec.update,
    run: spec.run,
    stateSpec,
    tensors,
    counted,
    numbers,
    initial,
    shapes,
    nameOf: Object.fromEntries(tensors.map((k) => [k, k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())])),
    lazy,
    bare: !counted && numbers.length === 0 && lazy.length === tensors.length,
    kernelPerParam: numbers.length !== 0 && (spec.kernel?.length ?? 0) > 2,
    gathers: new Map(),
  };
}

/**
 * Creates state tensor `k` of `p` as declared (`initial`, `shapes`, else zeros of the parameter's shape) and stores
 * it in `s`; none for a tensor the update creates or a shape that has none.
 */
function makeTensor(d: Declaration, p: Parameter, group: ParamGroup<object>, s: ParamState, k: string): Tensor | undefined {
  const make = d.initial[k];
  const shape = d.shapes[k] ? d.shapes[k](p.shape) : p.shape;
  const t = make ? (make(p, group) as Tensor) : make === null || !shape ? undefined : zeros(shape, { backend: p.backend });
  if (t) s[k] = t;
  return t;
}

/** Creates a missing state tensor as the gather reads it (the class's loop), or nothing (the functional form). */
type Make = (k: string, param: Tensor, s: ParamState) => Tensor | undefined;

/** Builds the object of tensors one parameter's update takes, as the kernels name them, from its state. */
type Gather = (s: ParamState, param: Tensor, grad: unknown, make?: Make) => Record<string, Tensor>;

/**
 * The {@link Gather} of the tensors in `use`: `{ param, grad, expAvg: s.exp_avg, ... }` for a kernel, the state
 * tensors alone for an `update`. Each object is a copy of one template with every key in place, then filled: all
 * have one shape, so `backend.run`'s reads of them stay monomorphic, which objects grown key by key under
 * computed names do not (that cost ~0.15 µs per parameter and step, half of Adam's per-step overhead on 100
 * small tensors).
 */
function gatherOf(d: Declaration, use: readonly string[]): Gather {
  // The declared list itself (no `uses`) needs no key built per step.
  const key = use === d.tensors ? '*' : use.join();
  let gather = d.gathers.get(key);
  if (gather === undefined) {
    const names = use.map((k) => d.nameOf[k]!);
    const withIo = d.update === undefined;
    const template: Record<string, Tensor | null> = withIo ? { param: null, grad: null } : {};
    for (const n of names) template[n] = null;
    gather = (s, param, grad, make) => {
      const io = { ...template } as Record<string, Tensor>;
      if (withIo) {
        io.param = param;
        io.grad = grad as Tensor;
      }
      for (let j = 0; j < names.length; j++) {
        let v = s[use[j]!] as Tensor | undefined;
        if (v === undefined && make !== undefined) v = make(use[j]!, param, s);
        io[names[j]!] = v as Tensor;
      }
      return io;
    };
    d.gathers.set(key, gather);
  }
  return gather;
}

/** Kernel and scalars of the last parameter, reused while the step count stays the same. */
interface Memo {
  t: number;
  kernel: ElementwiseKernel | undefined;
  scalars: Readonly<Record<string, number>>;
}

/** One parameter's update on its state `s` (torch's keys): the class's loop and the functional form share it. */
function updateOne(
  d: Declaration,
  param: Tensor,
  grad: unknown,
  s: ParamState,
  gather: Gather,
  t: number,
  o: unknown,
  memo: Memo,
  make?: Make,
): void {
  const { nameOf } = d;
  // The tensors as the kernels name them: param, grad, then the state (`expAvg`...); one object per parameter.
  const io = gather(s, param, grad, make);
  if (d.update) {
    d.update(param, grad, io, t, o);
    for (const k of d.lazy) if (io[nameOf[k]!]) s[k] = io[nameOf[k]!];
    return;
  }
  // Once per distinct step count, per parameter where they read host numbers: kernel first, then scalars.
  if (t !== memo.t || d.kernelPerParam) memo.kernel = d.kernel!(o, t, s);
  if (t !== memo.t || d.numbers.length !== 0) memo.scalars = d.scalars!(o, t, s);
  memo.t = t;
  if (d.run) d.run(memo.kernel!, io, memo.scalars, grad);
  else param.backend.run(memo.kernel!, { tensors: io, scalars: memo.scalars });
}

/**
 * Runs a kernel on one parameter, over a sparse gradient's rows only (coalesced first: duplicate rows summed;
 * the gradient bound compactly), or over the whole tensor for a dense one: the `run` of Adagrad and SparseAdam.
 */
export function sparseRows(
  kernel: ElementwiseKernel,
  tensors: Record<string, Tensor>,
  scalars: Readonly<Record<string, number>>,
  grad: Tensor | SparseTensor,
): void {
  const backend = tensors.param!.backend;
  if (!isSparseTensor(grad)) {
    backend.run(kernel, { tensors, scalars });
    return;
  }
  const g = grad.coalesce();
  if (g.indices.length !== 0) {
    backend.run(kernel, {
      tensors: { ...tensors, grad: g.values },
      scalars,
      rows: { indices: g.indices, rowSize: g.rowSize, compact: ['grad'] },
    });
  }
  if (g !== grad) g.values.dispose();
}

const functionals = /*#__PURE__*/ new WeakMap<object, unknown>();

/**
 * The functional form of a declared algorithm: `export const lion = functionalForm(LionAlgorithm)`. Built on
 * first use, so an app that never imports it ships none of it.
 */
export function functionalForm<O extends object, K extends readonly string[], Counted extends StepCount, P, N extends readonly string[], G>(
  algorithm: AlgorithmClass<O, K, Counted, P, N, G>,
): AlgorithmFunctional<K, Counted, P, N, G> {
  const d = algorithm.declaration as unknown as Declaration;
  let f = functionals.get(d) as AlgorithmFunctional<K, Counted, P, N, G> | undefined;
  if (f) return f;
  // The lists in order, and those written back: tensors the update created, host numbers it advanced.
  const held = [...d.tensors, ...d.numbers];
  const written = new Set([...d.lazy, ...d.numbers]);
  f = ((params: readonly Tensor[], grads: readonly unknown[], ...rest: unknown[]): void => {
    const o = rest[rest.length - 1];
    const lists = rest as unknown[][];
    const steps = d.counted === true ? (rest[held.length] as readonly number[]) : undefined;
    const gather = gatherOf(d, d.uses?.(o) ?? d.tensors);
    const memo: Memo = { t: Number.NaN, kernel: undefined, scalars: {} };
    for (let i = 0; i < params.length; i++) {
      // The parameter's state as the class keeps it, from the lists.
      const s: ParamState = {};
      held.forEach((k, j) => {
        s[k] = lists[j]![i];
      });
      updateOne(d, params[i]!, grads[i], s, gather, steps ? steps[i]! : 0, o, memo);
      held.forEach((k, j) => {
        if (written.has(k)) lists[j]![i] = s[k];
      });
    }
  }) as AlgorithmFunctional<K, Counted, P, N, G>;
  functionals.set(d, f);
  return f;
}
