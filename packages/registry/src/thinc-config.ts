import { TypeError_, ValueError } from '@tsoptim/core';
import type { Schedule } from '@tsoptim/lr-scheduler';
import ini from 'ini';
import { isPlainObject, kindOf } from './internal/names.js';
import type { Registry } from './registry.js';
import type { KeyedOptimizer } from './thinc-optimizer.js';
import { type ThincFunctionSpec, callThincFunction, thincOptimizers, thincSchedules } from './thinc-registry.js';

/** A parsed thinc config: sections as nested objects, values decoded. */
export type ThincConfig = Record<string, unknown>;

const SECTION = /^\s*\[([^\]]*)\]\s*$/;
const VARIABLE = /\$\{([^}]+)\}/g;

function decode(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (t === '') return t;
  try {
    return JSON.parse(t);
  } catch {
    return value;
  }
}

function lookup(root: ThincConfig, path: string): unknown {
  let node: unknown = root;
  for (const part of path.split('.')) {
    if (!isPlainObject(node) || !Object.hasOwn(node, part)) throw new ValueError(`the config refers to \${${path}}, which is not defined`);
    node = node[part];
  }
  return node;
}

function interpolate(node: Record<string, unknown>, root: ThincConfig, depth: number): void {
  for (const [key, v] of Object.entries(node)) {
    if (isPlainObject(v)) {
      interpolate(v, root, depth);
      continue;
    }
    if (typeof v !== 'string' || !v.includes('${')) continue;
    if (depth > 10) throw new ValueError(`the reference in ${JSON.stringify(v)} is nested too deeply (a cycle?)`);
    const whole = /^\$\{([^}]+)\}$/.exec(v.trim());
    if (whole) {
      const target = lookup(root, whole[1]!);
      node[key] = isPlainObject(target) ? structuredClone(target) : target;
    } else {
      node[key] = v.replace(VARIABLE, (_, path: string) => {
        const target = lookup(root, path);
        if (isPlainObject(target)) throw new ValueError(`\${${path}} is a section and cannot be part of the string ${JSON.stringify(v)}`);
        return typeof target === 'string' ? target : JSON.stringify(target);
      });
    }
    if (typeof node[key] === 'string' && (node[key] as string).includes('${')) interpolate(node, root, depth + 1);
  }
}

/**
 * Parses thinc's config text (the INI dialect of thinc / confection) into nested objects. The text is read by the
 * `ini` package; sections with dots nest (`[optimizer.learn_rate]` is `learn_rate` inside `optimizer`), and each
 * value is decoded as JSON where it is JSON (`0.001`, `true`, `[1, 2]`, `null`), else kept as a string (quotes
 * removed: `"Adam.v1"`, `Adam.v1`). References `${section.key}` are replaced by the value they name (a whole value
 * keeps its type; inside a string it is substituted as text).
 *
 * Differences from confection: a quoted number (`"1"`) is read as the number; values do not continue over
 * several lines; `;` or `#` after a value starts a comment.
 *
 * @throws ValueError for values outside any section, a section whose parent section is missing
 * (`Section 'optimizer' is not defined`), a key that is also a subsection, or a reference to nothing.
 * @example
 * parseThincConfig('[optimizer]\n@optimizers = "Adam.v1"\nlearn_rate = 0.001');
 * // { optimizer: { '@optimizers': 'Adam.v1', learn_rate: 0.001 } }
 */
export function parseThincConfig(text: string): ThincConfig {
  if (typeof text !== 'string') throw new TypeError_(`a thinc config must be text, got ${kindOf(text)}`);
  const sections = text
    .split(/\r?\n/)
    .map((line) => SECTION.exec(line)?.[1]?.trim())
    .filter((s): s is string => s !== undefined);
  const known = new Set(sections);
  // Keys per section, to find a key that is also a subsection (confection's "found conflicting values").
  const keys = new Map<string, Set<string>>();
  let current: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    const header = SECTION.exec(line);
    if (header) {
      current = header[1]!.trim();
      continue;
    }
    const eq = line.indexOf('=');
    if (current === null || eq < 0 || /^\s*[;#]/.test(line)) continue;
    if (!keys.has(current)) keys.set(current, new Set());
    const key = line.slice(0, eq).trim();
    // The ini reader drops this key silently; say so instead.
    if (key === '__proto__') throw new ValueError(`[${current}]: "__proto__" cannot be a key of a thinc config`);
    keys.get(current)!.add(key);
  }
  for (const s of sections) {
    if (s === '') throw new ValueError('a section name is empty: []');
    const parts = s.split('.');
    if (parts.includes('__proto__')) throw new ValueError(`[${s}]: "__proto__" cannot be a section name of a thinc config`);
    for (let i = 1; i < parts.length; i++) {
      if (!known.has(parts.slice(0, i).join('.'))) throw new ValueError(`Section '${parts[i - 1]}' is not defined (needed by [${s}])`);
    }
    const parent = parts.slice(0, -1).join('.');
    if (parts.length > 1 && keys.get(parent)?.has(parts[parts.length - 1]!)) {
      throw new ValueError(`[${s}]: found conflicting values: "${parts[parts.length - 1]}" is both a key of [${parent}] and a section`);
    }
  }
  const raw = ini.parse(text) as Record<string, unknown>;
  for (const [key, v] of Object.entries(raw)) {
    if (!isPlainObject(v)) throw new ValueError(`Found config values without a top-level section: ${JSON.stringify(key)}`);
  }
  for (const s of sections) {
    let node: unknown = raw;
    for (const part of s.split('.')) {
      node = (node as Record<string, unknown>)[part];
      if (!isPlainObject(node)) throw new ValueError(`[${s}]: found conflicting values: "${part}" is both a value and a section`);
    }
  }
  const convert = (node: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(node).map(([k, v]) => [k, isPlainObject(v) ? convert(v) : decode(v)]));
  const config = convert(raw);
  interpolate(config, config, 0);
  return config;
}

/** Registries that {@link resolveThincConfig} reads `@optimizers` and `@schedules` blocks from. */
export interface ThincRegistries {
  /** Default: the shared {@link thincOptimizers}. */
  readonly optimizers?: Registry<ThincFunctionSpec<KeyedOptimizer>>;
  /** Default: the shared {@link thincSchedules}. */
  readonly schedules?: Registry<ThincFunctionSpec<Schedule>>;
}

/**
 * Resolves a parsed config: every block with an `@optimizers` or `@schedules` key is replaced by what that
 * registered function returns, called with the block's other keys (nested blocks resolved first, so a schedule
 * block becomes the schedule passed as the argument of the same name).
 *
 * @throws ValueError for an unknown registered name (the known ones are listed), an unknown registry (`@foo`), an
 * option the function does not take, or a missing required one; the block's path is named.
 */
export function resolveThincConfig(config: ThincConfig, registries: ThincRegistries = {}): Record<string, unknown> {
  const optimizers = registries.optimizers ?? thincOptimizers;
  const schedules = registries.schedules ?? thincSchedules;
  const resolve = (node: Record<string, unknown>, path: string): unknown => {
    // No prototype: a `__proto__` key is an ordinary key here, rejected as an unknown option.
    const args = Object.create(null) as Record<string, unknown>;
    const refs: string[] = [];
    for (const [key, v] of Object.entries(node)) {
      if (key.startsWith('@')) refs.push(key);
      else args[key] = isPlainObject(v) ? resolve(v, path === '' ? key : `${path}.${key}`) : v;
    }
    if (refs.length === 0) return args;
    if (refs.length > 1) throw new ValueError(`[${path}] names more than one registered function: ${refs.join(', ')}`);
    const ref = refs[0]!;
    const name = node[ref];
    if (typeof name !== 'string') throw new TypeError_(`[${path}] ${ref} must be a registered name, got ${kindOf(name)}`);
    if (ref === '@optimizers') return callThincFunction(optimizers.get(name), args, `optimizer ${JSON.stringify(name)} in [${path}]`);
    if (ref === '@schedules') return callThincFunction(schedules.get(name), args, `schedule ${JSON.stringify(name)} in [${path}]`);
    throw new ValueError(`[${path}] refers to an unknown registry "${ref}"; known: @optimizers, @schedules`);
  };
  return resolve(config, '') as Record<string, unknown>;
}

/** Options of {@link thincOptimizerFromConfig}. */
export interface ThincOptimizerFromConfigOptions extends ThincRegistries {
  /** The section that holds the optimizer (default `"optimizer"`; dots for nested ones: `"training.optimizer"`). */
  readonly section?: string;
}

/**
 * Builds a working keyed optimizer from thinc's config text (or an already parsed config), as
 * `registry.resolve(Config().from_str(text))["optimizer"]` does in thinc:
 *
 * ```ini
 * [optimizer]
 * @optimizers = "Adam.v1"
 * beta1 = 0.9
 * L2 = 0.01
 * use_averages = false
 *
 * [optimizer.learn_rate]
 * @schedules = "warmup_linear.v1"
 * initial_rate = 0.001
 * warmup_steps = 250
 * total_steps = 20000
 * ```
 *
 * @throws ValueError when the section is missing or is not an `@optimizers` block, and whatever
 * {@link parseThincConfig} and {@link resolveThincConfig} throw.
 * @example
 * const opt = thincOptimizerFromConfig(text);
 * opt(['encoder', 'W'], W, dW);
 * opt.stepSchedules();
 */
export function thincOptimizerFromConfig(config: string | ThincConfig, options: ThincOptimizerFromConfigOptions = {}): KeyedOptimizer {
  const parsed = typeof config === 'string' ? parseThincConfig(config) : config;
  if (!isPlainObject(parsed)) throw new TypeError_(`a thinc config must be text or an object, got ${kindOf(parsed)}`);
  const section = options.section ?? 'optimizer';
  let node: unknown = parsed;
  for (const part of section.split('.')) {
    if (!isPlainObject(node) || !isPlainObject(node[part])) {
      throw new ValueError(
        `the config has no [${section}] section; sections: ${
          Object.keys(parsed)
            .map((s) => `[${s}]`)
            .join(', ') || 'none'
        }`,
      );
    }
    node = node[part];
  }
  const block = node as Record<string, unknown>;
  if (!Object.hasOwn(block, '@optimizers'))
    throw new ValueError(`[${section}] is not an optimizer block: it needs an "@optimizers" key such as @optimizers = "Adam.v1"`);
  const resolved = resolveThincConfig({ [section]: block }, options);
  return resolved[section] as KeyedOptimizer;
}
