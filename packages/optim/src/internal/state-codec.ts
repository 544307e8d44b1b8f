import { type NestedArray, type Parameter, Tensor, ValueError, inferShape, shapesEqual, tensor } from '@tsoptim/core';
import type { ParamGroup, ParamState } from '../optimizer.js';
import { SavedTensor, type StateDict } from '../state-dict.js';
import { toCamel, toSnake } from './names.js';

/** How a state entry is decoded: a tensor of this shape, any tensor, a list of tensors, or a plain value. */
export type StateShape = readonly number[] | 'any' | 'list' | undefined;

function copyValue(v: unknown): unknown {
  if (Tensor.isTensor(v)) return v.clone();
  if (Array.isArray(v)) return v.map(copyValue);
  return v;
}

/** A copy of a state entry (tensors cloned), without `__proto__` keys. */
export function copyEntry(entry: ParamState): ParamState {
  const out: ParamState = {};
  for (const [k, v] of Object.entries(entry ?? {})) if (k !== '__proto__') out[k] = copyValue(v);
  return out;
}

/** A state dict's copy of a value: tensors become host data where the backend reads synchronously. */
function saveValue(v: unknown): unknown {
  if (Tensor.isTensor(v)) return v.backend.syncRead ? SavedTensor.of(v) : v.clone();
  if (Array.isArray(v)) return v.map(saveValue);
  return v;
}

/** Encodes groups and state in torch's layout (tensors copied). */
export function encodeStateDict(groups: readonly ParamGroup<object>[], state: Map<Parameter, ParamState>): StateDict {
  const index = new Map<Parameter, number>();
  let next = 0;
  const param_groups = groups.map((g) => {
    const packed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(g)) {
      if (k === 'params' || k === 'paramNames') continue;
      packed[toSnake(k)] = saveValue(v);
    }
    if (g.paramNames !== undefined) packed.param_names = [...g.paramNames];
    packed.params = g.params.map((p) => {
      let i = index.get(p);
      if (i === undefined) {
        i = next++;
        index.set(p, i);
      }
      return i;
    });
    return packed as Record<string, unknown> & { params: number[] };
  });
  const packedState: StateDict['state'] = {};
  for (const [p, s] of state) {
    const i = index.get(p);
    if (i === undefined) continue;
    const entry: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) entry[k] = saveValue(v);
    packedState[String(i)] = entry;
  }
  return { state: packedState, param_groups };
}

function toTensor(v: unknown, param: Parameter, what: string): Tensor {
  if (Tensor.isTensor(v)) return v.clone(param.backend);
  if (SavedTensor.isSaved(v)) return tensor(v.data, { backend: param.backend, shape: v.shape });
  if (typeof v === 'number' || Array.isArray(v)) {
    const shape = inferShape(v as NestedArray);
    return tensor(v as NestedArray, { backend: param.backend, shape });
  }
  if (typeof v === 'string' && /^-?(inf|nan)$/i.test(v))
    return tensor(Number(v.replace(/inf/i, 'Infinity').replace(/nan/i, 'NaN')), { backend: param.backend });
  throw new ValueError(`loaded state dict has a value for ${what} that is not a tensor`);
}

/**
 * Decodes a state dict against the current groups: returns new groups and state, and throws before anything
 * is built into the optimizer. `sd` has passed `checkStateDict` (layout, group count and sizes, parameter
 * indices); its state holds only parameters' entries.
 */
export function decodeStateDict(
  sd: StateDict,
  current: readonly ParamGroup<object>[],
  shapeOf: (key: string, param: Parameter) => StateShape,
): { groups: ParamGroup<object>[]; state: Map<Parameter, ParamState> } {
  const saved = sd.param_groups;
  const byId = new Map<number, Parameter>();
  saved.forEach((g, i) => g.params.forEach((id, j) => byId.set(Number(id), current[i]!.params[j]!)));
  const created: Tensor[] = [];
  const state = new Map<Parameter, ParamState>();
  try {
    for (const [key, entry] of Object.entries(sd.state)) {
      const param = byId.get(Number(key))!;
      const out: ParamState = {};
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        const shape = shapeOf(k, param);
        const what = `'${k}' of parameter ${key}`;
        if (v === null || v === undefined) {
          out[k] = v;
        } else if (shape === 'list') {
          if (!Array.isArray(v)) throw new ValueError(`loaded state dict has ${what} that is not a list of tensors`);
          out[k] = v.map((x) => {
            const t = toTensor(x, param, what);
            created.push(t);
            return t;
          });
        } else if (shape !== undefined) {
          const t = toTensor(v, param, what);
          created.push(t);
          if (shape !== 'any' && !shapesEqual(t.shape, shape) && !(t.size === 1 && shape.length === 0)) {
            throw new ValueError(
              `loaded state dict has a tensor ${what} of shape [${t.shape.join(', ')}], but the parameter has shape [${param.shape.join(', ')}]`,
            );
          }
          out[k] = shape !== 'any' && !shapesEqual(t.shape, shape) ? reshaped(t, shape) : t;
        } else if (Tensor.isTensor(v) || SavedTensor.isSaved(v)) {
          const t = toTensor(v, param, what);
          created.push(t);
          out[k] = t.size === 1 && t.shape.length === 0 ? t.item() : t;
        } else {
          out[k] = copyValue(v);
        }
      }
      state.set(param, out);
    }
  } catch (e) {
    for (const t of created) t.dispose();
    throw e;
  }
  const groups = saved.map((g, i) => {
    const cur = current[i]!;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(g)) {
      if (k === 'params' || k === 'param_names') continue;
      out[toCamel(k)] = copyValue(v);
    }
    out.params = cur.params;
    if (Array.isArray(g.param_names)) out.paramNames = [...(g.param_names as string[])];
    else if (cur.paramNames !== undefined) out.paramNames = cur.paramNames;
    return out as ParamGroup<object>;
  });
  return { groups, state };
}

function reshaped(t: Tensor, shape: readonly number[]): Tensor {
  const r = new Tensor(t.backend, shape, t.storage);
  return r;
}
