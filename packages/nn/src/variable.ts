import { Parameter, RuntimeError, type Shape, type Tensor, disposeSymbol } from '@tsoptim/core';
import { untrack } from './internal/alloc.js';
import { isGradEnabled } from './grad-mode.js';
import { runBackward } from './internal/backward.js';

const variableMarker = Symbol.for('@tsoptim/nn/variable');

/**
 * The gradient function of a recorded operation: given the gradient of the result, the gradients of the
 * operands that need one (`needs[i]`), null for the others. It may return `g` itself (never mutated later).
 * @internal
 */
export type BackwardFn = (g: Tensor, needs: readonly boolean[]) => readonly (Tensor | null)[];

/** A recorded operation: its operands and how to pass a gradient back to them. @internal */
export interface GradNode {
  readonly name: string;
  readonly parents: readonly Variable[];
  backward: BackwardFn | null;
}

/** What an operation accepts: a {@link Variable}, or a core tensor (a `Parameter` with `requiresGrad` is a leaf). */
export type Input = Variable | Tensor;

/** Options of {@link Variable.backward}. */
export interface BackwardOptions {
  /** The gradient of the output; required unless the output has one element (then 1). */
  readonly gradient?: Tensor;
  /** Keep the recorded graph so that `backward()` can run through it again (torch's `retain_graph`). */
  readonly retainGraph?: boolean;
}

/**
 * A value in the autograd graph: a core tensor plus, when it depends on parameters that require gradients,
 * the operation that made it. `backward()` walks the recorded operations in reverse and accumulates into
 * each leaf `Parameter.grad` (a dense tensor), as torch does.
 *
 * @example
 * const w = parameter([[1, 2], [3, 4]]);
 * const loss = sum(mul(w, w));
 * loss.backward();
 * w.grad; // 2·w
 */
export class Variable {
  private readonly [variableMarker] = true;
  /** The value (owned by the graph: do not mutate it while a backward pass may need it). */
  readonly value: Tensor;
  /** True when `backward()` through this value reaches a parameter. */
  readonly requiresGrad: boolean;
  /** The operation that made this value, null for leaves and constants. @internal */
  readonly node: GradNode | null;
  /** The parameter this leaf stands for, null otherwise. */
  readonly param: Parameter | null;

  /** @internal Use {@link variable}, the operations, or {@link Variable.from}. */
  constructor(value: Tensor, node: GradNode | null, param: Parameter | null) {
    this.value = value;
    this.node = node;
    this.param = param;
    this.requiresGrad = node !== null || param?.requiresGrad === true;
  }

  /** True for a variable from any installed copy of @tsoptim/nn. */
  static isVariable(x: unknown): x is Variable {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[variableMarker] === true;
  }

  /**
   * Wraps an input: a variable is returned as is; a `Parameter` that requires a gradient becomes a leaf;
   * any other tensor a constant.
   */
  static from(x: Input): Variable {
    if (Variable.isVariable(x)) return x;
    if (Parameter.isParameter(x) && x.requiresGrad) return new Variable(x, null, x);
    return new Variable(x, null, null);
  }

  get shape(): Shape {
    return this.value.shape;
  }

  get size(): number {
    return this.value.size;
  }

  get ndim(): number {
    return this.value.ndim;
  }

  /** The values, synchronously (CPU backend). */
  get data(): Float32Array {
    return this.value.data;
  }

  /** The only value of a one-element variable. */
  item(): number {
    return this.value.item();
  }

  /** The values as nested arrays. */
  toArray(): ReturnType<Tensor['toArray']> {
    return this.value.toArray();
  }

  /** True for leaves (parameters, constants) and for values made where gradients were not recorded. */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /**
   * Releases the value now (a `Parameter` is never released this way). For `using` declarations:
   * `using out = noGrad(() => model.forward(x));`.
   */
  dispose(): void {
    if (Parameter.isParameter(this.value)) return;
    untrack(this.value);
    this.value.dispose();
  }

  /** The same as {@link Variable.dispose}, for `using` declarations. */
  declare [Symbol.dispose]: () => void;

  /** The same value, cut from the graph (torch's `detach()`): shares storage, requires no gradient. */
  detach(): Variable {
    return new Variable(this.value, null, null);
  }

  /**
   * Computes the gradient of this value with respect to every parameter it depends on and adds it to
   * `Parameter.grad` (creating it when null), as torch's `Tensor.backward()`.
   *
   * @throws RuntimeError when nothing requires a gradient, when a non-scalar output gets no `gradient`,
   * or when the graph was already freed by an earlier `backward()`.
   */
  backward(options: BackwardOptions = {}): void {
    if (!this.requiresGrad) {
      throw new RuntimeError('element 0 of tensors does not require grad and does not have a grad_fn');
    }
    const g = options.gradient;
    if (g === undefined) {
      if (this.size !== 1) throw new RuntimeError('grad can be implicitly created only for scalar outputs');
    } else if (g.size !== this.size) {
      throw new RuntimeError(
        `Mismatch in shape: grad_output[0] has a shape of torch.Size([${g.shape.join(', ')}]) and output[0] has a shape of torch.Size([${this.shape.join(', ')}]).`,
      );
    }
    runBackward(this, g, options.retainGraph ?? false);
  }
}

Object.defineProperty(Variable.prototype, disposeSymbol, {
  value: function dispose(this: Variable): void {
    this.dispose();
  },
  writable: true,
  configurable: true,
});

/**
 * Takes a value out of the automatic release (by `backward()`, `noGrad()` and `tidy()`): it stays valid until
 * the caller disposes it (tfjs's `keep`). Use it for a value computed once and used for many steps.
 *
 * @param x - a variable, or a tensor this package made.
 * @returns `x`.
 * @example
 * const mask = keep(noGrad(() => relu(sub(positions, 3))));
 */
export function keep<T extends Variable | Tensor>(x: T): T {
  untrack(Variable.isVariable(x) ? x.value : (x as Tensor));
  return x;
}

/**
 * Records an operation: the result requires a gradient when recording is on and an operand does.
 * @internal
 */
export function record(name: string, value: Tensor, parents: readonly Variable[], backward: BackwardFn): Variable {
  if (!isGradEnabled() || !parents.some((p) => p.requiresGrad)) return new Variable(value, null, null);
  return new Variable(value, { name, parents, backward }, null);
}

/**
 * Wraps a tensor as a graph input: a `Parameter` that requires a gradient becomes a leaf whose gradient
 * `backward()` accumulates; any other tensor is a constant.
 *
 * @param x - a core tensor or parameter.
 * @example
 * const x = variable(tensor([[1, 2, 3]]));
 */
export function variable(x: Tensor): Variable {
  return Variable.from(x);
}
