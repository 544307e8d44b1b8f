/**
 * What catalogs know about an algorithm: the README tables, the registry's list of names, the demo's
 * `--optimizers` and the playground's list all read these declarations, so adding an algorithm means declaring
 * it once (beside its registration) and nothing in the catalogs themselves.
 */
import type { Parameter } from '@tsoptim/core';
import type { NamedParameter, Optimizer } from './optimizer.js';

/** A paper, lecture or reference implementation an algorithm follows. */
export interface AlgorithmReference {
  /** How a table cites it: authors and year (`Kingma & Ba 2014`), or a lecture (`Hinton, lecture 6e`). */
  readonly cite: string;
  /** Where to read it (arXiv, a DOI, the authors' post). */
  readonly url?: string;
  /** The part of the algorithm it is the source of, when not all of it (`AMSGrad`, `centered`). */
  readonly part?: string;
  /** A remark after the citation (`lazy Adam`, `JMLR 12`). */
  readonly note?: string;
}

/**
 * Where a first training run starts: options on top of the defaults, and learning rates that trained the demo's
 * and the playground's model (an MLP 784-128-10 on MNIST digits, batch 64).
 */
export interface AlgorithmStart {
  /** Options beside the learning rate (SGD: momentum 0.9, Nesterov); none means the defaults. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** A learning rate that trains that model when held constant. */
  readonly lr: number;
  /** The peak learning rate under a one-cycle schedule (default: `lr`). */
  readonly peakLr?: number;
  /** What a run with these options should know (Schedule-Free: evaluated at y unless the loop calls `eval()`). */
  readonly note?: string;
}

/**
 * An algorithm's catalog entry, as plain data: what it is, where it comes from, what it needs from a training
 * loop, and where a first run starts.
 */
export interface AlgorithmAbout {
  /** The class it builds (`ScheduleFreeAdamW`). */
  readonly className: string;
  /** The name shown in reports and lists (default: the class name): `Schedule-Free AdamW`, `AdaBelief (labml)`. */
  readonly label?: string;
  /** The package the class comes from (`@tsoptim/optim`). */
  readonly from: string;
  /** One line: what the algorithm does. */
  readonly summary: string;
  /** The papers and code it follows, the main one first. */
  readonly references: readonly AlgorithmReference[];
  /** One of torch.optim's algorithms (tables list those apart from the ones torch lacks). */
  readonly inTorch?: boolean;
  /** What the options' defaults do not say (`sparse gradients supported`, `decay decoupled`). */
  readonly optionNotes?: string;
  /**
   * Its state keys as torch names them, with the options that create the conditional ones
   * (`step, exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad)`).
   */
  readonly state?: string;
  /**
   * The parameters it takes: every one (the default), or `'matrices'`, those of two or more dimensions (Muon): a
   * model's other parameters (biases, gains) go to another optimizer such as AdamW.
   */
  readonly params?: 'matrices';
  /** `'closure'`: `step(closure)` evaluates the loss itself, several times per step (LBFGS). */
  readonly step?: 'closure';
  /** `'sparse'`: it takes sparse gradients only (SparseAdam). */
  readonly gradients?: 'sparse';
  /** Where a first run starts. */
  readonly start: AlgorithmStart;
}

/** An optimizer a package offers to catalogs: its name, its description and how to build it. */
export interface CatalogEntry {
  /** Unique across catalogs: a registry name (`adamw`), or the package's name for its class (`adabelief`). */
  readonly name: string;
  readonly about: AlgorithmAbout;
  /**
   * Builds it over named parameters (already narrowed to those {@link admitsParameter} admits) with options on top
   * of its defaults.
   */
  create(named: readonly NamedParameter[], options: Readonly<Record<string, unknown>>): Optimizer;
  /** What to do to the parameters before building it (NeroPlus projects the weights: `NeroPlus.initialize`). */
  prepare?(params: Parameter[]): void;
}

/** Whether an algorithm takes a parameter of this shape (see {@link AlgorithmAbout.params}). */
export function admitsParameter(about: Pick<AlgorithmAbout, 'params'>, shape: readonly number[]): boolean {
  return about.params !== 'matrices' || shape.length >= 2;
}

/**
 * A catalog entry that builds its class over the parameters alone (names dropped): `make(params, options)`.
 *
 * @example
 * catalogEntry('adabelief', ABOUT, (p, o) => new AdaBelief(p, o));
 */
export function catalogEntry(
  name: string,
  about: AlgorithmAbout,
  make: (params: Parameter[], options: Readonly<Record<string, unknown>>) => Optimizer,
  prepare?: (params: Parameter[]) => void,
): CatalogEntry {
  const create = (named: readonly NamedParameter[], options: Readonly<Record<string, unknown>>) =>
    make(
      named.map(([, p]) => p),
      options,
    );
  return prepare === undefined ? { name, about, create } : { name, about, create, prepare };
}
