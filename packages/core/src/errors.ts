const marker = Symbol.for('@tsoptim/error');

/**
 * Base class of every error tsoptim throws on purpose.
 *
 * Recognise it with {@link TsoptimError.isInstance} rather than `instanceof`: two installed copies of
 * `@tsoptim/core` each have their own class, but share the `Symbol.for` marker.
 */
export class TsoptimError extends Error {
  private readonly [marker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TsoptimError';
  }

  /** True for any error thrown by tsoptim, from any installed copy of the package. */
  static isInstance(error: unknown): error is TsoptimError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}

/** An argument that torch would reject with `ValueError`. The message uses torch's wording. */
export class ValueError extends TsoptimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ValueError';
  }
}

/** An argument of the wrong kind, as torch's `TypeError`. */
export class TypeError_ extends TsoptimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TypeError';
  }
}

/** Operation not possible in the current state (torch's `RuntimeError`). */
export class RuntimeError extends TsoptimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeError';
  }
}
