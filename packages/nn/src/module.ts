import {
  type NestedArray,
  Parameter,
  RuntimeError,
  SparseTensor,
  Tensor,
  TypeError_,
  ValueError,
  inferShape,
  shapesEqual,
} from '@tsoptim/core';
import { flattenChecked, torchSize } from './internal/shape-utils.js';
import type { Input, Variable } from './variable.js';

const moduleMarker = Symbol.for('@tsoptim/nn/module');

/** A state dict: torch's key names (`"0.weight"`, `"1.running_mean"`) to the module's live tensors. */
export type StateDict = Record<string, Tensor>;

/** What {@link Module.loadStateDict} accepts: tensors, or nested arrays as torch's `tolist()` writes them. */
export type StateDictInput = Readonly<Record<string, Tensor | NestedArray>>;

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Require the keys to match exactly (default true). */
  readonly strict?: boolean;
}

/** The keys {@link Module.loadStateDict} found missing or unexpected (torch's `_IncompatibleKeys`). */
export interface IncompatibleKeys {
  readonly missingKeys: string[];
  readonly unexpectedKeys: string[];
}

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string') throw new TypeError_(`${kind} name should be a string. Got ${typeof name}`);
  if (name.includes('.')) throw new ValueError(`${kind} name can't contain "."`);
  if (name === '') throw new ValueError(`${kind} name can't be empty string ""`);
}

/**
 * The base of every layer (torch's `nn.Module`): named parameters, buffers and child modules, a training
 * flag, state dicts with torch's key names, and a deep clone.
 *
 * Subclasses register what they own in the constructor (`registerParameter`, `registerBuffer`,
 * `registerModule`) and implement `forward`. Parameters are core `Parameter`s, so every tsoptim optimizer
 * trains them directly.
 *
 * @example
 * class Mlp extends Module {
 *   readonly fc1 = this.registerModule('fc1', new Linear(4, 8));
 *   readonly fc2 = this.registerModule('fc2', new Linear(8, 2));
 *   forward(x: Input): Variable {
 *     return this.fc2.forward(relu(this.fc1.forward(x)));
 *   }
 * }
 */
export abstract class Module {
  private readonly [moduleMarker] = true;
  /** True in training mode (the default); see {@link Module.train} and {@link Module.eval}. */
  training = true;
  /** @internal */
  protected _parameters = new Map<string, Parameter | null>();
  /** @internal */
  protected _buffers = new Map<string, Tensor | null>();
  /** @internal */
  protected _nonPersistent = new Set<string>();
  /** @internal */
  protected _modules = new Map<string, Module | null>();

  /** True for a module from any installed copy of @tsoptim/nn. */
  static isModule(x: unknown): x is Module {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[moduleMarker] === true;
  }

  /** The computation of the module. */
  abstract forward(input: Input): Variable;

  /**
   * Adds (or replaces, or with null removes the value of) a parameter (torch's `register_parameter`).
   *
   * @param name - a name without dots.
   * @param param - a core `Parameter`, or null.
   * @returns the parameter.
   * @throws ValueError for an empty name or one with a dot; TypeError_ when `param` is not a Parameter.
   */
  registerParameter<P extends Parameter | null>(name: string, param: P): P {
    checkName('parameter', name);
    if (param !== null && !Parameter.isParameter(param)) {
      throw new TypeError_(`cannot assign object to parameter '${name}' (torch.nn.Parameter or None required)`);
    }
    this._parameters.set(name, param);
    return param;
  }

  /**
   * Adds a buffer: state that is not trained but is saved (torch's `register_buffer`), such as BatchNorm's
   * running statistics. A non-persistent buffer is left out of the state dict.
   *
   * @param name - a name without dots.
   * @param value - a tensor, or null.
   * @param options - `persistent` (default true).
   * @returns the buffer.
   * @throws ValueError for an empty name or one with a dot.
   */
  registerBuffer<T extends Tensor | null>(name: string, value: T, options: { persistent?: boolean } = {}): T {
    checkName('buffer', name);
    if (value !== null && !Tensor.isTensor(value))
      throw new TypeError_(`cannot assign object to buffer '${name}' (torch Tensor or None required)`);
    this._buffers.set(name, value);
    if (options.persistent === false) this._nonPersistent.add(name);
    else this._nonPersistent.delete(name);
    return value;
  }

  /**
   * Adds a child module (torch's `add_module`); its parameters appear under `name.`.
   *
   * @param name - a name without dots.
   * @param module - the child.
   * @returns the child.
   * @throws ValueError for an empty name or one with a dot.
   */
  registerModule<M extends Module | null>(name: string, module: M): M {
    checkName('module', name);
    if (module !== null && !Module.isModule(module)) throw new TypeError_(`${String(module)} is not a Module subclass`);
    this._modules.set(name, module);
    return module;
  }

  /**
   * Every module of the tree with its dotted name, this one first (`''`), then depth-first in registration
   * order (torch's `named_modules`). A module reachable twice is listed once.
   */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const walk = (m: Module, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [name, child] of m._modules) if (child !== null) walk(child, p === '' ? name : `${p}.${name}`);
    };
    walk(this, prefix);
    return out;
  }

  /** Every module of the tree, this one first. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** The direct children with their names. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    for (const [name, m] of this._modules) {
      if (m !== null && !seen.has(m)) {
        seen.add(m);
        out.push([name, m]);
      }
    }
    return out;
  }

  /** The direct children. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * The parameters with their dotted names (`"0.weight"`), in torch's order; a shared parameter once.
   *
   * @param prefix - prepended to every name.
   * @param recurse - include the children's parameters (default true).
   */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [p, m] of mods) {
      for (const [name, param] of m._parameters) {
        if (param === null || seen.has(param)) continue;
        seen.add(param);
        out.push([p === '' ? name : `${p}.${name}`, param]);
      }
    }
    return out;
  }

  /** The parameters, as an optimizer takes them. */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  /** The buffers with their dotted names (`"1.running_mean"`). */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [p, m] of mods) {
      for (const [name, b] of m._buffers) {
        if (b === null || seen.has(b)) continue;
        seen.add(b);
        out.push([p === '' ? name : `${p}.${name}`, b]);
      }
    }
    return out;
  }

  /** The buffers. */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  /**
   * Sets training mode on this module and every descendant (torch's `train`): Dropout drops and BatchNorm
   * uses batch statistics only in training mode.
   *
   * @param mode - true for training, false for evaluation.
   * @returns this module.
   */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Clears the gradients of every parameter (torch's `zero_grad`; `setToNone` defaults to true as in
   * current PyTorch). The same options as `Optimizer.zeroGrad`.
   *
   * @param options - `setToNone`: set `grad` to null rather than filling it with zeros. (A boolean, the
   * former form, is still accepted and deprecated.)
   */
  zeroGrad(options: { setToNone?: boolean } | boolean = {}): void {
    const setToNone = typeof options === 'boolean' ? options : (options.setToNone ?? true);
    for (const p of this.parameters()) {
      if (p.grad === null) continue;
      if (setToNone || SparseTensor.isSparse(p.grad)) p.clearGrad();
      else p.grad.fill_(0);
    }
  }

  /**
   * The state as torch's `state_dict()`: for each module depth-first, its parameters then its persistent
   * buffers, keyed by dotted name. Values are the live tensors (clone them to keep a snapshot).
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    const walk = (m: Module, p: string): void => {
      for (const [name, param] of m._parameters) if (param !== null) out[`${p}${name}`] = param;
      for (const [name, b] of m._buffers) if (b !== null && !m._nonPersistent.has(name)) out[`${p}${name}`] = b;
      for (const [name, child] of m._modules) if (child !== null) walk(child, `${p}${name}.`);
    };
    walk(this, '');
    return out;
  }

  /**
   * Copies values from a state dict into the module's parameters and buffers in place (torch's
   * `load_state_dict`). Everything is checked first; on any error nothing is changed.
   *
   * @param stateDict - tensors or nested arrays by key.
   * @param options - `strict` (default true): missing and unexpected keys are errors.
   * @returns the missing and unexpected keys.
   * @throws RuntimeError `Error(s) in loading state_dict for <Class>:` followed by torch's lines
   * (`Missing key(s) in state_dict: "0.weight". `, `Unexpected key(s) in state_dict: ...`,
   * `size mismatch for ...`).
   * @example
   * const snapshot = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.clone()]));
   * model.loadStateDict(snapshot);
   */
  loadStateDict(stateDict: StateDictInput, options: LoadStateDictOptions = {}): IncompatibleKeys {
    if (typeof stateDict !== 'object' || stateDict === null || Array.isArray(stateDict) || Tensor.isTensor(stateDict)) {
      throw new TypeError_(
        `Expected state_dict to be dict-like, got ${stateDict === null ? 'null' : Array.isArray(stateDict) ? 'an array' : typeof stateDict}.`,
      );
    }
    if (typeof options !== 'object' || options === null) throw new TypeError_('loadStateDict options must be an object');
    for (const k of Object.keys(options)) {
      if (k !== 'strict') throw new TypeError_(`loadStateDict got an unknown option \`${k}\`; it takes \`strict\``);
    }
    if (options.strict !== undefined && typeof options.strict !== 'boolean') {
      throw new TypeError_(`loadStateDict: option \`strict\` must be true or false, got ${typeof options.strict}`);
    }
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !Object.hasOwn(stateDict, k));
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !Object.hasOwn(own, k));
    const errors: string[] = [];
    const plan: [Tensor, Tensor | Float32Array][] = [];
    for (const [key, target] of Object.entries(own)) {
      if (!Object.hasOwn(stateDict, key)) continue;
      const src = stateDict[key]!;
      let shape: readonly number[];
      if (Tensor.isTensor(src)) shape = src.shape;
      else if (typeof src === 'number' || Array.isArray(src)) shape = inferShape(src as NestedArray);
      else {
        errors.push(
          `While copying the parameter named "${key}", expected torch.Tensor or Tensor-like object from checkpoint but received ${typeof src}`,
        );
        continue;
      }
      if (!shapesEqual(shape, target.shape)) {
        errors.push(
          `size mismatch for ${key}: copying a param with shape ${torchSize(shape)} from checkpoint, the shape in current model is ${torchSize(target.shape)}.`,
        );
        continue;
      }
      if (Tensor.isTensor(src)) {
        if (src.backend !== target.backend && !src.backend.syncRead) {
          errors.push(`While copying the parameter named "${key}", the checkpoint's tensor cannot be read synchronously`);
          continue;
        }
        plan.push([target, src]);
        continue;
      }
      // Flatten now, so that a ragged or non-numeric array fails before anything is written.
      const flat = new Float32Array(target.size);
      try {
        if (typeof src === 'number') flat[0] = src;
        else flattenChecked(src, shape, flat);
      } catch (e) {
        errors.push(`While copying the parameter named "${key}": ${(e as Error).message}`);
        continue;
      }
      plan.push([target, flat]);
    }
    if (strict) {
      if (unexpectedKeys.length > 0) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}. `);
      if (missingKeys.length > 0) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}. `);
    }
    if (errors.length > 0) {
      throw new RuntimeError(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);
    }
    for (const [target, src] of plan) {
      if (Tensor.isTensor(src)) target.copy_(src);
      else target.assign(src);
    }
    return { missingKeys, unexpectedKeys };
  }

  /**
   * A deep copy (torch's `copy.deepcopy(module)`): new parameters (with their gradients), buffers and
   * children, the same class and settings. Parameters shared inside the tree stay shared in the copy, and
   * fields that point at a registered child, parameter or buffer point at its copy.
   *
   * @example
   * const ema = model.clone();
   */
  clone(): this {
    return cloneInto(this, new Map()) as this;
  }

  /**
   * Calls `fn` on every module of the tree, children first, then this one (torch's `apply`).
   *
   * @param fn - the function.
   * @returns this module.
   */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }
}

function cloneTensor(t: Tensor, map: Map<object, object>): Tensor {
  const hit = map.get(t);
  if (hit !== undefined) return hit as Tensor;
  let copy: Tensor;
  if (Parameter.isParameter(t)) {
    const p = new Parameter(t.clone(), { requiresGrad: t.requiresGrad, name: t.name, options: t.options });
    if (t.grad !== null) {
      p.grad = SparseTensor.isSparse(t.grad)
        ? new SparseTensor(t.grad.shape, t.grad.indices.slice(), t.grad.values.clone())
        : t.grad.clone();
    }
    copy = p;
  } else {
    copy = t.clone();
  }
  map.set(t, copy);
  return copy;
}

function cloneInto(m: Module, map: Map<object, object>): Module {
  const hit = map.get(m);
  if (hit !== undefined) return hit as Module;
  const copy = Object.create(Object.getPrototypeOf(m)) as Module;
  map.set(m, copy);
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(m));
  const inner = m as unknown as {
    _parameters: Map<string, Parameter | null>;
    _buffers: Map<string, Tensor | null>;
    _modules: Map<string, Module | null>;
    _nonPersistent: Set<string>;
  };
  const out = copy as unknown as typeof inner;
  out._parameters = new Map([...inner._parameters].map(([k, p]) => [k, p === null ? null : (cloneTensor(p, map) as Parameter)]));
  out._buffers = new Map([...inner._buffers].map(([k, b]) => [k, b === null ? null : cloneTensor(b, map)]));
  out._modules = new Map([...inner._modules].map(([k, c]) => [k, c === null ? null : cloneInto(c, map)]));
  out._nonPersistent = new Set(inner._nonPersistent);
  const fields = copy as unknown as Record<string | symbol, unknown>;
  for (const key of Reflect.ownKeys(copy)) {
    const v = fields[key];
    if (typeof v === 'object' && v !== null && map.has(v)) fields[key] = map.get(v);
  }
  return copy;
}
