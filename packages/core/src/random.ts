import { type Shape, shapeSize } from './shape.js';
import { type Tensor, type TensorOptions, tensor } from './tensor.js';

/** A seeded pseudo-random generator (mulberry32): reproducible across runs and platforms. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** Makes a seeded generator. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  let spare: number | null = null;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal(): number {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int(n: number): number {
      return Math.floor(next() * n);
    },
  };
}

/** A tensor of standard normal values from `rng`. */
export function randn(shape: Shape, rng: Rng, options: Omit<TensorOptions, 'shape'> = {}): Tensor {
  const data = new Float32Array(shapeSize(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return tensor(data, { ...options, shape });
}

/** A tensor of values uniform in [low, high) from `rng`. */
export function rand(shape: Shape, rng: Rng, low = 0, high = 1, options: Omit<TensorOptions, 'shape'> = {}): Tensor {
  const data = new Float32Array(shapeSize(shape));
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * rng.next();
  return tensor(data, { ...options, shape });
}
