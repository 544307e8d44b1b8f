import { type Rng, ValueError } from '@tsoptim/core';
import { relu, sigmoid, tanh } from './activation.js';
import { checkDropoutP, dropout } from './dropout-op.js';
import { pickRng } from './init.js';
import { Module } from './module.js';
import { type Input, Variable } from './variable.js';

/**
 * `max(x, 0)` as a module (torch's `nn.ReLU`).
 *
 * @example
 * const model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 1));
 */
export class ReLU extends Module {
  forward(input: Input): Variable {
    return relu(input);
  }
}

/**
 * `tanh x` as a module (torch's `nn.Tanh`).
 *
 * @example
 * const act = new Tanh();
 */
export class Tanh extends Module {
  forward(input: Input): Variable {
    return tanh(input);
  }
}

/**
 * The logistic function as a module (torch's `nn.Sigmoid`).
 *
 * @example
 * const act = new Sigmoid();
 */
export class Sigmoid extends Module {
  forward(input: Input): Variable {
    return sigmoid(input);
  }
}

/** Options of {@link Dropout}. */
export interface DropoutModuleOptions {
  /** Probability of zeroing an element (default 0.5). */
  readonly p?: number;
  /** The generator of the masks; the package-wide one (see `manualSeed`) when omitted. */
  readonly rng?: Rng;
  /** Seed of a generator of its own (used when no `rng` is given). */
  readonly seed?: number;
}

/**
 * Inverted dropout in training mode, the identity in evaluation mode (torch's `nn.Dropout`). Masks come
 * from a seeded generator; a clone of the module shares it.
 *
 * @see https://jmlr.org/papers/v15/srivastava14a.html
 * @example
 * const drop = new Dropout({ p: 0.2, seed: 0 });
 */
export class Dropout extends Module {
  readonly p: number;
  private readonly rng: Rng;

  /**
   * @param options - `p`, `rng` / `seed`.
   * @throws ValueError when `p` is outside [0, 1].
   */
  constructor(options: DropoutModuleOptions = {}) {
    super();
    this.p = options.p ?? 0.5;
    checkDropoutP(this.p);
    this.rng = pickRng(options);
  }

  forward(input: Input): Variable {
    return dropout(input, { p: this.p, training: this.training, rng: this.rng });
  }
}

/**
 * Applies its children in order (torch's `nn.Sequential`); their state-dict keys are `"0.weight"`,
 * `"1.running_mean"`...
 *
 * @example
 * const model = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * const logits = model.forward(x);
 */
export class Sequential extends Module {
  /** @param modules - the layers, applied first to last. */
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => this.registerModule(String(i), m));
  }

  /** The number of layers. */
  get length(): number {
    return this._modules.size;
  }

  /**
   * The layer at `index` (negative counts from the end).
   *
   * @throws ValueError (`index 5 is out of range`, torch's IndexError wording) when out of range.
   */
  at(index: number): Module {
    const n = this._modules.size;
    const i = index < 0 ? index + n : index;
    const m = this._modules.get(String(i));
    if (i < 0 || i >= n || m === undefined || m === null) throw new ValueError(`index ${index} is out of range`);
    return m;
  }

  /**
   * Adds a layer at the end.
   *
   * @returns this.
   */
  append(module: Module): this {
    this.registerModule(String(this._modules.size), module);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return [...this._modules.values()].filter((m): m is Module => m !== null)[Symbol.iterator]();
  }

  forward(input: Input): Variable {
    let x = Variable.from(input);
    for (const m of this._modules.values()) if (m !== null) x = m.forward(x);
    return x;
  }
}
