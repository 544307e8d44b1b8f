import { Parameter, RuntimeError, Tensor, TypeError_, ValueError, isSparseTensor, zeros } from '@tsoptim/core';
import { HookList, type RemovableHandle } from './hooks.js';
import { isSchedule, resolveHyper } from './internal/hyper.js';
import { type StateShape, copyEntry, decodeStateDict, encodeStateDict } from './internal/state-codec.js';
import type { SavedTensor, StateDict } from './state-dict.js';
import { finiteGradients } from './internal/finite.js';
import { type OptionSite, type OptionsDecl, SCHEDULER_GROUP_KEYS } from './options.js';
import { type StateSpec, checkStateDict } from './state-spec.js';

/** Evaluates the model and returns the loss; optimizers such as LBFGS call it several times per step. */
export type Closure = () => number | Tensor | undefined | void;

/** A named parameter, as `model.namedParameters()` yields: adds `param_names` to its group, as torch does. */
export type NamedParameter = readonly [string, Parameter];

/** Keys learning-rate schedulers and SWA write into a group (torch's `initial_lr`, `max_lr`...). */
export type SchedulerGroupOptions = {
  initialLr?: number;
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
  swaLr?: number;
};

/** The options a group may override: the optimizer's own (a generic optimizer takes any name). */
export type GroupOptionsOf<O> = string extends keyof O ? { readonly [option: string]: unknown } : Scheduled<O> & SchedulerGroupOptions;

/**
 * One parameter group as given to a constructor or to `addParamGroup`: parameters and overrides of the
 * optimizer's options `O` (checked at runtime too: unknown names are rejected with the likely intended name).
 */
export type ParamGroupInput<O extends object = Record<string, unknown>> = {
  params: Parameter | Iterable<Parameter | NamedParameter>;
} & GroupOptionsOf<O>;

/** What an optimizer is constructed from. */
export type ParamsInput<O extends object = Record<string, unknown>> =
  | Iterable<Parameter>
  | Iterable<NamedParameter>
  | Iterable<ParamGroupInput<O>>;

/** A parameter group: its parameters and every option (defaults filled in). Options are writable. */
export type ParamGroup<O> = O &
  SchedulerGroupOptions & {
    params: Parameter[];
    paramNames?: string[];
  };

/**
 * An option value, or a schedule of them: a function of the step (`optimizer.scheduleStep`, steps completed),
 * an array (one value per step; the last repeats), or an iterator/generator (one value per step; when
 * exhausted the last repeats). Resolved once per step, before the update.
 */
export type Schedulable<T> = T | ((step: number) => T) | readonly T[] | Iterator<T>;

/**
 * What a number- or tuple-valued option may hold: a plain value or a {@link Schedulable} of it; a tuple may
 * also hold a schedule per entry (`betas: [warmup, 0.999]`).
 */
export type OptionValue<T> = T extends number
  ? Schedulable<number>
  : T extends readonly number[]
    ? Schedulable<T> | { readonly [I in keyof T]: Schedulable<T[I]> }
    : T;

/** Options in which every number- or tuple-valued option may be a {@link Schedulable}. */
export type Scheduled<O> = {
  [K in keyof O]?: OptionValue<Exclude<O[K], undefined>> | Extract<O[K], undefined>;
};

/**
 * A parameter group as stored in `optimizer.paramGroups`: options hold what was given, so a number or tuple
 * option may hold a schedule. {@link Optimizer.currentValue} reads the value the next step uses.
 */
export type StoredParamGroup<O> = { [K in keyof O]: OptionValue<O[K]> } & SchedulerGroupOptions & {
    params: Parameter[];
    paramNames?: string[];
  };

/** Per-parameter optimizer state, keyed as torch keys it (`step`, `exp_avg`...). */
export type ParamState = Record<string, unknown>;

/** Options every optimizer shares with torch (the CUDA-only ones are accepted as documented below). */
export interface BaseOptions {
  /**
   * Accepted for torch compatibility; every tsoptim backend already runs one fused pass per tensor, so there
   * is nothing to choose. Any value is kept in the state dict.
   */
  foreach?: boolean | null;
  /** CUDA-graph capture (torch). Only `false` is accepted: tsoptim steps never need capturing. */
  capturable?: boolean;
  /** Autograd through the step (torch). Only `false` is accepted. */
  differentiable?: boolean;
  /** torch's fused CUDA kernels. Only `false`/`null` is accepted: tsoptim's kernels are always fused. */
  fused?: boolean | null;
}

export type StepPreHook<O extends Optimizer = Optimizer> = (
  optimizer: O,
  args: { closure: Closure | undefined },
) => { closure: Closure | undefined } | undefined | void;
export type StepPostHook<O extends Optimizer = Optimizer> = (optimizer: O, args: { closure: Closure | undefined }) => void;
export type StateDictPreHook = (optimizer: Optimizer) => void;
export type StateDictPostHook = (optimizer: Optimizer, stateDict: StateDict) => StateDict | undefined | void;
export type LoadStateDictPreHook = (optimizer: Optimizer, stateDict: StateDict) => StateDict | undefined | void;
export type LoadStateDictPostHook = (optimizer: Optimizer) => void;

const globalPre = new HookList<StepPreHook>();
const globalPost = new HookList<StepPostHook>();

/** Registers a step pre-hook that runs for every optimizer, before its own hooks (torch's global hook). */
export function registerOptimizerStepPreHook(hook: StepPreHook): RemovableHandle {
  return globalPre.add(hook);
}

/** Registers a step post-hook that runs for every optimizer, after its own hooks. */
export function registerOptimizerStepPostHook(hook: StepPostHook): RemovableHandle {
  return globalPost.add(hook);
}

function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'Array';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'Object';
  return typeof x;
}

function isIterable(x: unknown): x is Iterable<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function isGroupInput(x: unknown): x is ParamGroupInput {
  return typeof x === 'object' && x !== null && !Parameter.isParameter(x) && !Array.isArray(x) && Object.hasOwn(x, 'params');
}

const CUDA_ONLY: Record<string, string> = {
  capturable: 'capturable=true is a CUDA-graph option; tsoptim steps never need capturing',
  differentiable: 'differentiable=true (autograd through the optimizer step) is not supported',
  fused: 'fused=true selects torch CUDA kernels; every tsoptim step is already one fused pass per tensor',
};

/**
 * The base of every optimizer, with torch.optim.Optimizer's semantics: parameter groups with per-group
 * options, lazily created per-parameter state, `zeroGrad`, `step(closure)`, hooks, and `stateDict()` /
 * `loadStateDict()` in torch's layout (a checkpoint moves between the two).
 *
 * Every algorithm of this package but LBFGS is declared with `defineAlgorithm` (its class is a
 * `DeclaredOptimizer`). A hand-written subclass declares its options ({@link Optimizer.optionsDecl}) and state
 * ({@link Optimizer.stateSpec}) and implements {@link Optimizer.updateGroup}, which calls the algorithm's
 * functional form on the group's parameters; LBFGS-like optimizers override {@link Optimizer.stepImpl} instead.
 */
// `Optimizer` alone (no type argument) is any optimizer: a scheduler or a helper that takes one accepts every
// subclass, whose group options are declared types without a string index.
export abstract class Optimizer<O extends object = any> {
  /** The options each group starts from. */
  readonly defaults: Readonly<O>;
  /**
   * The parameter groups; each group's options are readable and writable (schedulers write `lr`). An option
   * given as a schedule holds the schedule: {@link Optimizer.currentValue} gives its value.
   */
  paramGroups: StoredParamGroup<O>[] = [];
  /** Per-parameter state, created on a parameter's first step. */
  state = new Map<Parameter, ParamState>();

  private readonly stepPre = new HookList<StepPreHook>();
  private readonly stepPost = new HookList<StepPostHook>();
  private readonly sdPre = new HookList<StateDictPreHook>();
  private readonly sdPost = new HookList<StateDictPostHook>();
  private readonly loadPre = new HookList<LoadStateDictPreHook>();
  private readonly loadPost = new HookList<LoadStateDictPostHook>();
  /** Steps completed: the argument schedule-valued options are evaluated at. */
  scheduleStep = 0;

  /**
   * @throws TypeError_ when `params` is a single tensor or holds something that is not a parameter.
   * @throws ValueError on an empty parameter list or a parameter in two groups.
   */
  constructor(params: ParamsInput<any>, defaults: O) {
    if (Parameter.isParameter(params) || !isIterable(params)) {
      throw new TypeError_(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${typeName(params)}`);
    }
    this.checkOptions(defaults as Record<string, unknown>, 'options');
    this.defaults = Object.freeze({ ...defaults });
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new ValueError('optimizer got an empty parameter list');
    const groups = (isGroupInput(list[0]) ? list : [{ params: list as Iterable<Parameter | NamedParameter> }]) as ParamGroupInput<
      Partial<O>
    >[];
    // Validate every group against the ones before it, then commit: a failure leaves nothing half-built.
    const built: StoredParamGroup<O>[] = [];
    for (const g of groups) built.push(this.buildGroup(g, built, built.length));
    this.paramGroups = built;
  }

  /** Adds a parameter group (torch's add_param_group): defaults fill missing options. */
  addParamGroup(group: ParamGroupInput<Partial<O>>): void {
    this.paramGroups.push(this.buildGroup(group, this.paramGroups, this.paramGroups.length));
  }

  private buildGroup(group: ParamGroupInput<Partial<O>>, existing: readonly StoredParamGroup<O>[], index: number): StoredParamGroup<O> {
    if (typeof group !== 'object' || group === null || Array.isArray(group)) {
      throw new TypeError_(`param_group must be a dict, but got ${typeName(group)}`);
    }
    const raw = group.params;
    if (raw instanceof Set) {
      throw new TypeError_(
        'optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.',
      );
    }
    const items: unknown[] = Parameter.isParameter(raw) ? [raw] : isIterable(raw) ? [...raw] : [raw];
    const params: Parameter[] = [];
    const names: string[] = [];
    for (const item of items) {
      if (Array.isArray(item) && item.length === 2 && typeof item[0] === 'string') {
        names.push(item[0]);
        params.push(item[1] as Parameter);
      } else {
        params.push(item as Parameter);
      }
    }
    if (names.length !== 0 && names.length !== params.length) {
      throw new ValueError('all optimizer params should be with/without names. Some param names are missing');
    }
    for (const p of params) {
      if (!Parameter.isParameter(p)) {
        throw new TypeError_(`optimizer can only optimize Tensors, but one of the params is ${typeName(p)}`);
      }
    }
    const out = { ...(group as object), params } as StoredParamGroup<O>;
    if (names.length !== 0) out.paramNames = names;
    const rec = out as Record<string, unknown>;
    for (const [k, v] of Object.entries(this.defaults)) if (!Object.hasOwn(rec, k) || rec[k] === undefined) rec[k] = v;
    this.checkOptions(rec, { group: index });
    // Running values (Schedule-Free's `k`, Prodigy's `d`) start fresh in every new group.
    const decl = this.optionsDecl();
    if (decl !== undefined) Object.assign(rec, decl.initialRunning(this.defaults as Record<string, unknown>));
    if (new Set(params).size !== params.length) {
      console.warn(
        'optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information',
      );
    }
    const seen = new Set<Parameter>();
    for (const g of existing) {
      for (const p of g.params) seen.add(p);
      if ((g.paramNames !== undefined) !== (out.paramNames !== undefined)) {
        throw new ValueError(
          `all optimizer param groups should be with/without names. cannot add param group ${out.paramNames !== undefined ? 'with names' : 'without names'} to the optimizer`,
        );
      }
    }
    if (params.some((p) => seen.has(p))) throw new ValueError('some parameters appear in more than one parameter group');
    return out;
  }

  /**
   * Checks options through the algorithm's declaration ({@link Optimizer.optionsDecl}): unknown names, kinds,
   * ranges (plain values only: schedules are checked when they produce a value); then {@link Optimizer.validate}.
   */
  private checkOptions(options: Record<string, unknown>, site: OptionSite): void {
    const decl = this.optionsDecl();
    if (decl !== undefined) {
      decl.check(options, site, site === 'options' ? undefined : SCHEDULER_GROUP_KEYS);
    } else {
      for (const key of Object.keys(CUDA_ONLY)) {
        if (options[key] === true) throw new ValueError(`${key}: ${CUDA_ONLY[key]}`);
      }
    }
    this.validate(options);
  }

  /**
   * The algorithm's declared options (names, defaults, kinds, torch's checks). Optimizers that declare them get
   * strict checking of constructor options, groups, `addParamGroup` and loaded state dicts from it.
   */
  protected optionsDecl(): OptionsDecl<O> | undefined {
    return undefined;
  }

  /**
   * Validates options with torch's messages. Called for the defaults, for each group, and for each value a
   * schedule produces. Values that are schedules (functions, arrays, iterators) are skipped here.
   */
  protected validate(_options: Record<string, unknown>): void {}

  /**
   * Sets gradients to null (`setToNone`, the default) or to zero. Setting to null releases each gradient a
   * parameter owns for reuse by its next gradient (`Parameter.clearGrad`): a gradient tensor taken before
   * cannot be used afterwards (clone it to keep its values).
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (p.grad === null) continue;
        if (setToNone) p.clearGrad();
        else if (isSparseTensor(p.grad)) p.grad.values.fill_(0);
        else p.grad.fill_(0);
      }
    }
  }

  /**
   * Performs one optimisation step. Runs the step pre-hooks (global, then this optimizer's), evaluates the
   * closure if given, updates every parameter that has a gradient, runs the post-hooks, and returns the loss
   * the closure returned.
   */
  step(closure?: Closure): number | undefined {
    let args = { closure };
    for (const hook of [...globalPre.list(), ...this.stepPre.list()]) {
      const res = hook(this as unknown as Optimizer, args);
      if (res !== undefined && res !== null) {
        if (typeof res !== 'object' || !('closure' in res)) {
          throw new RuntimeError(`optimizer step pre-hook must return undefined or { closure }, but got ${typeName(res)}`);
        }
        args = res;
      }
    }
    let loss: number | undefined;
    if (this.skipNonFinite && args.closure === undefined && !this.allGradientsFinite()) {
      this.skippedSteps++;
      return undefined;
    }
    const saved = this.saveScalars();
    try {
      loss = this.stepImpl(args.closure);
    } catch (e) {
      this.restoreScalars(saved);
      throw e;
    }
    this.scheduleStep++;
    for (const hook of [...this.stepPost.list(), ...globalPost.list()]) hook(this as unknown as Optimizer, args);
    return loss;
  }

  /**
   * Opt-in guard (optax's `apply_if_finite`, torch's GradScaler skip): when true, a `step()` without a
   * closure first checks every gradient with one fused reduction per tensor; if any element is NaN or ±∞,
   * nothing changes and {@link Optimizer.skippedSteps} counts the step. Off by default, as in torch.
   */
  skipNonFinite = false;
  /** Steps skipped by {@link Optimizer.skipNonFinite}. */
  skippedSteps = 0;

  /** Whether every gradient of every group is finite (one backend reduction per tensor). */
  allGradientsFinite(): boolean {
    for (const g of this.paramGroups) if (!finiteGradients(g.params)) return false;
    return true;
  }

  /** The scalar state a step changes (counters...), so that a step that throws can put it back. */
  private saveScalars(): unknown[] {
    const keys = this.stateSpec()?.scalars;
    const saved: unknown[] = [];
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (p.grad === null) continue;
        const s = this.state.get(p);
        saved.push(p, s);
        if (s === undefined) continue;
        saved.push(s.step);
        if (keys !== undefined) for (const k in keys) if (k !== 'step') saved.push(s[k]);
      }
    }
    return saved;
  }

  private restoreScalars(saved: unknown[]): void {
    const keys = this.stateSpec()?.scalars;
    let i = 0;
    while (i < saved.length) {
      const p = saved[i++] as Parameter;
      const s = saved[i++] as ParamState | undefined;
      if (s === undefined) {
        this.state.delete(p);
        continue;
      }
      this.state.set(p, s);
      restoreKey(s, 'step', saved[i++]);
      if (keys !== undefined) for (const k in keys) if (k !== 'step') restoreKey(s, k, saved[i++]);
    }
  }

  /** The algorithm's per-parameter state: scalars and required keys (checked on load, restored on a failed step). */
  protected stateSpec(): StateSpec | undefined {
    return undefined;
  }

  /** Evaluates the closure (if any), then updates each group. Override for closure-driven algorithms. */
  protected stepImpl(closure: Closure | undefined): number | undefined {
    const loss = evaluateClosure(closure);
    this.stepWork().forEach(({ options, params }, i) => {
      if (params.length !== 0) this.updateGroup(options, params, i);
    });
    return loss;
  }

  /**
   * Each group's options for this step and its parameters with gradients, every group checked before any is
   * updated (so a rejected step changes nothing).
   */
  protected stepWork(): { options: ParamGroup<O>; params: Parameter[] }[] {
    return this.paramGroups.map((group) => {
      const params = group.params.filter((p) => p.grad !== null);
      checkGradientShapes(params);
      this.checkGradients(params);
      return { options: this.hyper(group), params };
    });
  }

  /** Rejects gradients the algorithm cannot use (sparse ones, by default), before any update happens. */
  protected checkGradients(params: readonly Parameter[]): void {
    rejectSparse(params, `${this.constructor.name} does not support sparse gradients`);
  }

  /**
   * Updates the parameters of one group that have gradients, with the group's options resolved for this step.
   * Implementations create state lazily with {@link Optimizer.stateOf}.
   */
  protected abstract updateGroup(options: ParamGroup<O>, params: Parameter[], groupIndex: number): void;

  /** The state of a parameter, created empty on first use. */
  protected stateOf(p: Parameter): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * The parameter's state, created on its first step with `step` = 0 (and `extra`), plus a zero tensor of the
   * parameter's shape for each of `tensors` still missing — so a buffer for an option switched on later
   * (amsgrad, centered, momentum) appears when it is first needed.
   */
  protected lazyState(p: Parameter, tensors: readonly string[], extra?: Readonly<Record<string, unknown>>): ParamState {
    const s = this.stateOf(p);
    if (s.step === undefined) {
      s.step = 0;
      if (extra !== undefined) Object.assign(s, extra);
    }
    for (const k of tensors) if (s[k] === undefined) s[k] = zeros(p.shape, { backend: p.backend });
    return s;
  }

  /**
   * The group's options for this step: the group itself when every option is a plain value, or a copy with
   * each schedule-valued option (function of the step, array, iterator) resolved and validated.
   */
  protected hyper(group: StoredParamGroup<O> | ParamGroup<O>): ParamGroup<O> {
    const resolved = resolveHyper(group as Record<string, unknown>, this.defaults as Record<string, unknown>, this.scheduleStep);
    if (resolved === group) return group as ParamGroup<O>;
    this.checkOptions(resolved, 'schedule');
    return resolved as ParamGroup<O>;
  }

  /**
   * The value option `key` of a group has for the next step: the plain value, or the schedule's value at
   * {@link Optimizer.scheduleStep}.
   *
   * @param group - a group of `paramGroups`, or its index.
   * @throws TypeError_ when a schedule gives a value of the wrong kind.
   * @example
   * const opt = new Adam(params, { lr: (step) => 1e-3 * Math.min(1, (step + 1) / 100) });
   * opt.currentValue(0, 'lr'); // 1e-5
   */
  currentValue<K extends keyof O>(group: StoredParamGroup<O> | number, key: K): O[K];
  currentValue(group: StoredParamGroup<O> | number, key: string): unknown;
  currentValue(group: StoredParamGroup<O> | number, key: string): unknown {
    return (this.currentOptions(group) as Record<string, unknown>)[key];
  }

  /**
   * Every option of a group as the next step uses it (schedules evaluated at {@link Optimizer.scheduleStep});
   * the group itself when it holds no schedule.
   *
   * @param group - a group of `paramGroups`, or its index.
   */
  currentOptions(group: StoredParamGroup<O> | number): ParamGroup<O> {
    const g = typeof group === 'number' ? this.paramGroups[group] : group;
    if (g === undefined) throw new ValueError(`there is no parameter group ${group as number}`);
    return this.hyper(g);
  }

  /**
   * The state dict in torch's layout: `{ state: { [index]: {...} }, param_groups: [{ ...options, params: [indices] }] }`,
   * option names in torch's snake_case. Tensors are host copies ({@link SavedTensor}: shape and values), so
   * the dict is plain data — `structuredClone`, `postMessage` to a Worker and `v8.serialize` copy it — unless
   * an option is a schedule function, or a tensor lives on a backend without synchronous reads (kept as a
   * Tensor copy there). `JSON.stringify` writes tensors as nested lists.
   */
  stateDict(): StateDict {
    for (const hook of this.sdPre.list()) hook(this as unknown as Optimizer);
    let sd = encodeStateDict(this.paramGroups as ParamGroup<object>[], this.state);
    // Entries not keyed by a parameter (state-dict hooks put them there) are kept under their own key, as torch does.
    for (const [key, entry] of this.state as Map<unknown, ParamState>) {
      if (!Parameter.isParameter(key)) sd.state[String(key)] = copyEntry(entry);
    }
    // Schedule-valued options resume where they were: the step they are evaluated at is saved with them.
    // (An extra top-level key: torch's load_state_dict ignores it.)
    if (this.hasSchedules()) sd.schedule_step = this.scheduleStep;
    for (const hook of this.sdPost.list()) {
      const res = hook(this as unknown as Optimizer, sd);
      if (res) sd = res;
    }
    return sd;
  }

  /**
   * Loads a state dict (ours, a JSON round trip of ours, or one exported from torch). Everything is checked
   * first — group count, group sizes, parameter indices, tensor shapes — and nothing changes on a mismatch.
   * Saved options replace the current ones; tensors are copied, never shared.
   *
   * @throws ValueError naming the mismatch.
   */
  loadStateDict(stateDict: StateDict): void {
    let sd = stateDict;
    for (const hook of this.loadPre.list()) {
      const res = hook(this as unknown as Optimizer, sd);
      if (res) sd = res;
    }
    checkStateDict(sd, this.stateSpec(), this.constructor.name, this.paramGroups);
    // Entries not keyed by a parameter index are kept as they are (torch's load_state_dict keeps them).
    const paramState: StateDict['state'] = {};
    const other = new Map<string, ParamState>();
    for (const [key, entry] of Object.entries(sd.state)) {
      if (/^\d+$/.test(key)) paramState[key] = entry;
      else other.set(key, copyEntry(entry as ParamState));
    }
    const decoded = decodeStateDict({ ...sd, state: paramState }, this.paramGroups as ParamGroup<object>[], (key, param) =>
      this.stateTensorShape(key, param),
    );
    for (const [key, entry] of other) (decoded.state as Map<unknown, ParamState>).set(key, entry);
    const decl = this.optionsDecl();
    decoded.groups.forEach((g, i) => {
      const rec = g as Record<string, unknown>;
      // A checkpoint from an older version (or torch 1.13) lacks newer options: they take their defaults,
      // as torch's __setstate__ does.
      for (const [k, v] of Object.entries(this.defaults)) if (!Object.hasOwn(rec, k)) rec[k] = v;
      // Options only the class sets (AdamW's decoupled decay) keep the class's value, as torch's AdamW does.
      if (decl !== undefined) {
        for (const [k, spec] of Object.entries(decl.specs as Record<string, { fixed?: boolean }>)) {
          if (spec.fixed) rec[k] = (this.defaults as Record<string, unknown>)[k];
        }
      }
      this.checkOptions(rec, { stateDictGroup: i });
    });
    if (sd.schedule_step !== undefined && !(Number.isInteger(sd.schedule_step) && sd.schedule_step >= 0)) {
      throw new ValueError(`loaded state dict has an invalid schedule_step: ${sd.schedule_step}`);
    }
    this.state = decoded.state;
    this.paramGroups = decoded.groups as StoredParamGroup<O>[];
    if (sd.schedule_step !== undefined) this.scheduleStep = sd.schedule_step;
    for (const hook of this.loadPost.list()) hook(this as unknown as Optimizer);
  }

  private hasSchedules(): boolean {
    const d = this.defaults as Record<string, unknown>;
    return this.paramGroups.some((g) =>
      Object.entries(g).some(([k, v]) => k !== 'params' && k !== 'paramNames' && isSchedule(v, Object.hasOwn(d, k) ? d[k] : undefined, k)),
    );
  }

  /**
   * How a state entry is loaded: a tensor of the parameter's shape for per-element state (the default for keys
   * in {@link Optimizer.paramShapedState}), `'any'` for a tensor of another shape, `'list'` for a list of
   * tensors, `undefined` for plain values (numbers, flags).
   */
  protected stateTensorShape(key: string, param: Parameter): StateShape {
    return this.paramShapedState().includes(key) ? param.shape : undefined;
  }

  /** State keys that hold one value per parameter element (`exp_avg`...). */
  protected paramShapedState(): readonly string[] {
    return [];
  }

  registerStepPreHook(hook: StepPreHook<this>): RemovableHandle {
    return this.stepPre.add(hook as StepPreHook);
  }
  registerStepPostHook(hook: StepPostHook<this>): RemovableHandle {
    return this.stepPost.add(hook as StepPostHook);
  }
  registerStateDictPreHook(hook: StateDictPreHook, prepend = false): RemovableHandle {
    return this.sdPre.add(hook, prepend);
  }
  registerStateDictPostHook(hook: StateDictPostHook, prepend = false): RemovableHandle {
    return this.sdPost.add(hook, prepend);
  }
  registerLoadStateDictPreHook(hook: LoadStateDictPreHook, prepend = false): RemovableHandle {
    return this.loadPre.add(hook, prepend);
  }
  registerLoadStateDictPostHook(hook: LoadStateDictPostHook, prepend = false): RemovableHandle {
    return this.loadPost.add(hook, prepend);
  }
}

/** Runs a closure and converts its result to a number (a one-element tensor is read). */
export function evaluateClosure(closure: Closure | undefined): number | undefined {
  if (closure === undefined) return undefined;
  const r = closure();
  if (r === undefined || r === null) return undefined;
  if (typeof r === 'number') return r;
  return (r as Tensor).item();
}

function restoreKey(s: ParamState, key: string, v: unknown): void {
  if (v === undefined) delete s[key];
  else s[key] = v;
}

/** Rejects a dense gradient whose size or backend is not its parameter's, before any update happens. */
export function checkGradientShapes(params: readonly Parameter[]): void {
  for (const p of params) {
    const g = p.grad;
    if (g === null || isSparseTensor(g)) continue;
    if (!Tensor.isTensor(g)) throw new TypeError_(`the gradient of a parameter must be a Tensor, but got ${typeName(g)}`);
    if (g.size !== p.size) {
      throw new RuntimeError(`gradient of shape [${g.shape.join(', ')}] for a parameter of shape [${p.shape.join(', ')}]`);
    }
    if (g.backend !== p.backend) throw new RuntimeError('a gradient lives on another backend than its parameter');
  }
}

/** Throws torch's message when a group's parameter has a sparse gradient the algorithm cannot use. */
export function rejectSparse(params: readonly Parameter[], message: string): void {
  for (const p of params) if (isSparseTensor(p.grad)) throw new RuntimeError(message);
}
