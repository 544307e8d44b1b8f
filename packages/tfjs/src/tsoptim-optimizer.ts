import * as tf from '@tensorflow/tfjs-core';

/** tfjs's named tensor (an optimizer weight), as `tf.Optimizer.getWeights` returns it. */
type NamedTensor = { name: string; tensor: tf.Tensor };
import { Parameter, RuntimeError, type Tensor, TypeError_, ValueError } from '@tsoptim/core';
import { type NamedParameter, type Optimizer, type ParamGroupInput, type ParamsInput, SavedTensor, type StateDict } from '@tsoptim/optim';
import { type OptimizerConfig, type ParameterGroupSpec, fromConfig, makeParameterGroups } from '@tsoptim/registry';
import { TfjsBackend } from './tfjs-backend.js';

/** Builds the wrapped tsoptim optimizer from the model's parameters (named, or regex groups of named ones). */
export type OptimizerFactory = (params: ParamsInput) => Optimizer;

/** What {@link TsoptimOptimizer.bind} accepts: a LayersModel (its trainable weights), or variables. */
export type VariableSource =
  | { readonly trainableWeights: readonly { read(): tf.Tensor }[] }
  | readonly tf.Variable[]
  | Readonly<Record<string, tf.Variable>>;

/** Options of {@link TsoptimOptimizer}. */
export interface TsoptimOptimizerOptions {
  /**
   * AllenNLP-style parameter groups by variable name (`[regexes, options]`, see `makeParameterGroups` in
   * `@tsoptim/registry`): e.g. `[[['bias$'], { weightDecay: 0 }]]`. Variables no regex matches form the last group.
   */
  readonly groups?: readonly ParameterGroupSpec[];
  /** The backend the parameters and state live on (default: a new {@link TfjsBackend}). */
  readonly backend?: TfjsBackend;
}

const STATE_SEPARATOR = '/';

function isVariableArray(x: unknown): x is readonly tf.Variable[] {
  return Array.isArray(x);
}

function isModelLike(x: unknown): x is { trainableWeights: readonly { read(): tf.Tensor }[] } {
  return typeof x === 'object' && x !== null && Array.isArray((x as { trainableWeights?: unknown }).trainableWeights);
}

/**
 * A `tf.Optimizer` that runs any tsoptim optimizer (of `@tsoptim/optim`, `adaptive`, `alf`, `registry`...) with
 * torch's exact update rules, so `model.compile({ optimizer })` and `model.fit(...)` train with them.
 *
 * The model's variables are the parameters (updated with `assign`, never copied); optimizer state is tfjs
 * tensors on the active tfjs backend. The wrapped optimizer is built on {@link TsoptimOptimizer.bind} (or on the
 * first `applyGradients`), from the variables in the model's order, named by their tfjs names, so its state
 * dict has torch's layout with `param_names`, and regex groups select variables by name.
 *
 * Serialisation: `getWeights` / `setWeights` carry the state as named tensors (`<variable>/<state key>`, after
 * tfjs's `iter`), so `model.save(..., { includeOptimizer: true })` keeps it; `getConfig` returns the registry
 * config when the optimizer was made from one; the class name is
 * registered by {@link registerTsoptimOptimizer}.
 *
 * @example
 * const opt = new TsoptimOptimizer((params) => new AdamW(params, { lr: 1e-3, weightDecay: 0.01 }), {
 *   groups: [[['bias$'], { weightDecay: 0 }]],
 * }).bind(model);
 * model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
 * await model.fit(xs, ys, { callbacks: [schedulerCallback(new OneCycleLR(opt.optimizer, { maxLr: 1e-2, totalSteps }))] });
 */
export class TsoptimOptimizer extends tf.Optimizer {
  /** The name tfjs's serialization knows this class by. */
  static readonly className = 'TsoptimOptimizer';

  /** The backend the parameters and state live on. */
  readonly backend: TfjsBackend;
  private readonly factory: OptimizerFactory | null;
  private readonly config: OptimizerConfig | null;
  private readonly groups: readonly ParameterGroupSpec[] | null;
  private inner: Optimizer | null = null;
  private readonly byName = new Map<string, { param: Parameter; grad: Tensor }>();
  private names: string[] = [];

  /**
   * @param make - builds the tsoptim optimizer from the parameters (`(params) => new Adam(params, { lr })`), or a
   *   registry config (`{ type: 'adamw', lr: 1e-3, parameter_groups: [...] }`, AllenNLP's format; see `fromConfig`
   *   in `@tsoptim/registry`), which {@link TsoptimOptimizer.getConfig} returns so that a saved model rebuilds it.
   * @param options - regex groups (with a factory; a config has its own `parameter_groups`), backend.
   * @throws {TypeError_} when `make` is neither a function nor a config object.
   */
  constructor(make: OptimizerFactory | OptimizerConfig, options: TsoptimOptimizerOptions = {}) {
    super();
    if (typeof make === 'function') {
      this.factory = make;
      this.config = null;
    } else if (typeof make === 'object' && make !== null && !Array.isArray(make)) {
      this.factory = null;
      this.config = structuredClone(make);
      if (options.groups !== undefined) throw new TypeError_('a registry config gives its groups as parameter_groups, not options.groups');
    } else {
      throw new TypeError_(`make must be a function that builds a tsoptim optimizer, or a registry config; got ${typeof make}`);
    }
    this.groups = options.groups ?? null;
    this.backend = options.backend ?? new TfjsBackend();
  }

  /** tfjs's deserialisation: rebuilds from {@link TsoptimOptimizer.getConfig}'s output (a registry config). */
  static override fromConfig<T extends tf.serialization.Serializable>(
    _cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new TsoptimOptimizer(config as OptimizerConfig) as unknown as T;
  }

  /**
   * The wrapped tsoptim optimizer (for lr schedulers, `paramGroups`, hooks).
   * @throws {RuntimeError} before {@link TsoptimOptimizer.bind} or the first step.
   */
  get optimizer(): Optimizer {
    if (this.inner === null) {
      throw new RuntimeError('the tsoptim optimizer is built when the adapter is bound: call bind(model) first (or train one step)');
    }
    return this.inner;
  }

  /** True once the wrapped optimizer exists. */
  get isBound(): boolean {
    return this.inner !== null;
  }

  /** Variable names in parameter order (the order of torch's state-dict indices). */
  get variableNames(): readonly string[] {
    return this.names;
  }

  /**
   * Builds the wrapped optimizer over these variables (a LayersModel's trainable weights, a list, or a name →
   * variable map), in that order. Returns the adapter.
   * @throws {RuntimeError} when already bound.
   * @throws {ValueError} when two variables share a name, or a variable is not float32.
   */
  bind(source: VariableSource): this {
    if (this.inner !== null) throw new RuntimeError('the adapter is already bound to variables');
    const vars = isModelLike(source)
      ? source.trainableWeights.map((w) => w.read() as tf.Variable)
      : isVariableArray(source)
        ? [...source]
        : Object.values(source as Readonly<Record<string, tf.Variable>>);
    const seen = new Set<string>();
    for (const v of vars) {
      if (seen.has(v.name)) throw new ValueError(`two variables are named ${v.name}`);
      seen.add(v.name);
    }
    const named: NamedParameter[] = vars.map((v) => [v.name, this.backend.wrapVariable(v)]);
    let params: ParamsInput = named;
    if (this.factory !== null && this.groups !== null) {
      const nameOf = new Map(named.map(([n, p]) => [p, n]));
      const grouped = makeParameterGroups(named, this.groups).params;
      // Groups of named parameters, so the state dict keeps torch's `param_names`.
      params = (grouped as (ParamGroupInput | Parameter)[]).map((g) =>
        Parameter.isParameter(g) ? g : { ...g, params: [...(g.params as Iterable<Parameter>)].map((p) => [nameOf.get(p)!, p] as const) },
      ) as ParamsInput;
    }
    const inner = this.factory !== null ? this.factory(params) : fromConfig(named, this.config!);
    for (const [name, param] of named) {
      this.byName.set(name, { param, grad: this.backend.lendTensor(null, param.shape) });
    }
    this.names = named.map(([n]) => n);
    this.inner = inner;
    return this;
  }

  /**
   * One step of the wrapped optimizer with these gradients (tfjs's `minimize` and `model.fit` call this). The
   * gradients are read where they are (no copy); a variable without a gradient is skipped, as in torch.
   * @throws {ValueError} for a gradient of a variable the optimizer does not hold.
   */
  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: [string, tf.Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    if (this.inner === null) {
      const registered = tf.engine().registeredVariables;
      this.bind(
        entries.map(([name]) => {
          const v = registered[name];
          if (v === undefined) throw new ValueError(`no variable is named ${name}`);
          return v;
        }),
      );
    }
    for (const [name] of entries) {
      if (!this.byName.has(name)) throw new ValueError(`variable ${name} is not optimized by this adapter`);
    }
    const set: Parameter[] = [];
    try {
      for (const [name, g] of entries) {
        if (g === null || g === undefined) continue;
        const slot = this.byName.get(name)!;
        this.backend.lend(slot.grad, g);
        slot.param.grad = slot.grad;
        set.push(slot.param);
      }
      this.optimizer.step();
    } finally {
      for (const p of set) p.grad = null;
    }
    this.incrementIterations();
  }

  /** The wrapped optimizer's state dict in torch's layout, with each group's `param_names` (the variable names). */
  stateDict(): StateDict {
    return this.optimizer.stateDict();
  }

  /** Loads a state dict in torch's layout (from tsoptim, PyTorch, or {@link TsoptimOptimizer.stateDict}). */
  loadStateDict(stateDict: StateDict): void {
    this.optimizer.loadStateDict(stateDict);
  }

  /**
   * tfjs's optimizer weights: `iter`, then every state entry as `<variable name>/<state key>` (per-element state
   * in the variable's shape, scalar state as a scalar).
   */
  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    if (this.inner === null) return out;
    const sd = this.inner.stateDict();
    // The dict's tensors are copies: each becomes a tfjs tensor (sharing its data) and the copy is disposed.
    for (const [id, entry] of Object.entries(sd.state)) {
      const name = this.names[Number(id)]!;
      for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
        const t = toTf(value);
        if (t !== null) out.push({ name: `${name}${STATE_SEPARATOR}${key}`, tensor: t });
      }
    }
    return out;
  }

  /**
   * Restores what {@link TsoptimOptimizer.getWeights} returned (through the wrapped optimizer's `loadStateDict`,
   * which checks every shape before changing anything).
   * @throws {RuntimeError} when the adapter is not bound yet.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    if (rest.length === 0 && this.inner === null) return;
    const sd = this.optimizer.stateDict();
    disposeTensors(sd.state);
    const state: Record<string, Record<string, unknown>> = {};
    for (const { name, tensor } of rest) {
      const cut = name.lastIndexOf(STATE_SEPARATOR);
      const id = this.names.indexOf(name.slice(0, cut));
      if (cut < 0 || id < 0) throw new ValueError(`optimizer weight ${name} names no variable of this optimizer`);
      const data = Array.from(await tensor.data());
      state[id] ??= {};
      state[id][name.slice(cut + 1)] = tensor.rank === 0 ? data[0] : nest(data, tensor.shape);
    }
    this.optimizer.loadStateDict({ ...sd, state });
  }

  /** The registry config the adapter was made from, else the wrapped optimizer's class and its first group's options. */
  getConfig(): tf.serialization.ConfigDict {
    if (this.config !== null) return structuredClone(this.config) as tf.serialization.ConfigDict;
    const out: tf.serialization.ConfigDict = { type: this.inner?.constructor.name.toLowerCase() ?? null };
    if (this.inner !== null) {
      const sd = this.inner.stateDict();
      disposeTensors(sd.state);
      const g = sd.param_groups[0] ?? {};
      for (const [k, v] of Object.entries(g)) {
        if (k !== 'params' && k !== 'param_names' && isJson(v)) out[k] = v as tf.serialization.ConfigDictValue;
      }
    }
    return out;
  }

  /** Frees the optimizer state (tfjs tensors); the model's variables are left alone. */
  override dispose(): void {
    super.dispose();
    if (this.inner !== null) {
      for (const st of this.inner.state.values()) {
        for (const v of Object.values(st)) if (isTsoptimTensor(v)) v.dispose();
      }
      this.inner.state.clear();
    }
  }
}

function isTsoptimTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && typeof (x as Tensor).dispose === 'function' && 'storage' in x;
}

function isJson(v: unknown): boolean {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return true;
  return Array.isArray(v) && v.every(isJson);
}

function toTf(value: unknown): tf.Tensor | null {
  if (typeof value === 'number') return tf.scalar(value, 'float32');
  if (isTsoptimTensor(value)) {
    const backend = value.backend;
    const t =
      backend instanceof TfjsBackend
        ? tf.reshape(backend.tfTensorOf(value), value.shape as number[])
        : tf.tensor(value.data, value.shape as number[], 'float32');
    value.dispose();
    return t;
  }
  // A state dict saved from a backend with synchronous reads holds plain copies.
  if (SavedTensor.isSaved(value)) return tf.tensor(value.data, value.shape, 'float32');
  return null;
}

function disposeTensors(state: Record<string, unknown>): void {
  for (const entry of Object.values(state)) {
    for (const v of Object.values(entry as Record<string, unknown>)) if (isTsoptimTensor(v)) v.dispose();
  }
}

function nest(flat: number[], shape: readonly number[]): unknown {
  if (shape.length <= 1) return flat;
  const [d, ...rest] = shape;
  const step = flat.length / d!;
  return Array.from({ length: d! }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), rest));
}

/**
 * Registers {@link TsoptimOptimizer} with tfjs's serialization (so a model saved with its optimizer loads back).
 * Call once; importing the package registers nothing.
 */
export function registerTsoptimOptimizer(): void {
  tf.serialization.registerClass(TsoptimOptimizer);
}
