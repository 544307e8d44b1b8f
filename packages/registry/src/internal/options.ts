import { TypeError_, ValueError } from '@tsoptim/core';
import { camelCase, didYouMean, kindOf, show } from './names.js';

function isScheduleValue(v: unknown): boolean {
  return (
    typeof v === 'function' ||
    (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { next?: unknown }).next === 'function')
  );
}

/**
 * Checks one option value against the type of its default: a number default wants a number (or, outside JSON,
 * a schedule: a function of the step, an iterator, or an array of numbers), a boolean a boolean, a string a
 * string, a tuple a tuple of the same length; a null default accepts anything (the constructor checks it).
 */
export function checkValue(value: unknown, def: unknown, where: () => string): void {
  const bad = (expected: string): never => {
    throw new TypeError_(`invalid value ${show(value)} for ${where()}: expected ${expected}, got ${kindOf(value)}`);
  };
  if (def === null || def === undefined) return;
  if (typeof def === 'number') {
    if (typeof value === 'number' || isScheduleValue(value)) return;
    if (Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'number')) return;
    bad('a number');
  }
  if (typeof def === 'boolean') {
    if (typeof value !== 'boolean') bad('true or false');
    return;
  }
  if (typeof def === 'string') {
    if (typeof value !== 'string') bad('a string');
    return;
  }
  if (Array.isArray(def)) {
    if (isScheduleValue(value)) return;
    if (!Array.isArray(value)) bad(`a list of ${def.length} numbers`);
    const arr = value as unknown[];
    // A list of tuples is a per-step schedule of the tuple-valued option.
    if (arr.length > 0 && arr.every((x) => Array.isArray(x))) {
      for (const x of arr) checkValue(x, def, where);
      return;
    }
    if (arr.length !== def.length) bad(`a list of ${def.length} numbers`);
    arr.forEach((x, i) => {
      if (def[i] === null ? x !== null && typeof x !== 'number' : typeof x !== 'number') bad(`a list of ${def.length} numbers`);
    });
  }
}

/**
 * Converts a config's options (snake_case or camelCase keys) to camelCase and checks every key and value
 * against the known options (`defaults`).
 *
 * @param what - the thing configured, for messages: `optimizer "adam"`.
 * @param where - extra location for messages (`in parameter group 0`).
 * @throws ValueError `invalid option "lrr" for optimizer "adam"; valid options: …`, or for two spellings of one option.
 * @throws TypeError_ `invalid value "x" for option "lr" of optimizer "adam": expected a number, got string`.
 */
export function convertOptions(
  options: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<string, unknown>>,
  what: string,
  where = '',
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const spelled = new Map<string, string>();
  const at = where === '' ? '' : ` ${where}`;
  for (const [key, value] of Object.entries(options)) {
    const name = camelCase(key);
    if (!Object.hasOwn(defaults, name)) {
      const hint = didYouMean(key, Object.keys(defaults));
      throw new ValueError(
        `invalid option ${JSON.stringify(key)}${at} for ${what}; valid options: ${Object.keys(defaults).join(', ')}${hint}`,
      );
    }
    const before = spelled.get(name);
    if (before !== undefined) throw new ValueError(`option ${JSON.stringify(key)}${at} for ${what} repeats ${JSON.stringify(before)}`);
    spelled.set(name, key);
    checkValue(value, defaults[name], () => `option ${JSON.stringify(key)}${at} of ${what}`);
    out[name] = value;
  }
  return out;
}
