import * as tf from '@tensorflow/tfjs-core';
import type { TfExpr } from './expr-eval.js';

/** What tfjs-backend-webgl's `MathBackendWebGL` offers for custom programs (duck-typed: no import of it). */
interface WebGLBackendLike {
  compileAndRun(
    program: {
      variableNames: string[];
      outputShape: number[];
      userCode: string;
      customUniforms?: { name: string; type: 'float' }[];
    },
    inputs: tf.TensorInfo[],
    outputDtype?: tf.DataType,
    customUniformValues?: number[][],
  ): tf.TensorInfo;
}

/**
 * The active tfjs backend when it can run one fused WebGL program per kernel output: tfjs's webgl backend on
 * WebGL 2 (GLSL ES 3.0: `tanh`, `isnan`, `uintBitsToFloat`). Null elsewhere.
 */
export function fusableWebGL(): WebGLBackendLike | null {
  if (tf.getBackend() !== 'webgl') return null;
  const b = tf.backend() as unknown as Partial<WebGLBackendLike>;
  if (typeof b.compileAndRun !== 'function') return null;
  if (tf.env().getNumber('WEBGL_VERSION') !== 2) return null;
  return b as WebGLBackendLike;
}

/** A kernel body as GLSL: one program per output, each reading every input it needs. */
export interface FusedPrograms {
  /** Per output: the `main()` body and helpers. */
  readonly userCode: readonly string[];
  /** Per output: the input names it reads, in the program's variable order (`T0`, `T1`...). */
  readonly inputs: readonly (readonly string[])[];
  /** Per output: the hoisted values it reads, in uniform order (`tso_h0`, `tso_h1`...). */
  readonly hoisted: readonly (readonly number[])[];
}

const HELPERS = `
float tso_max(float a, float b) { return (isnan(a) || isnan(b)) ? NAN : max(a, b); }
float tso_min(float a, float b) { return (isnan(a) || isnan(b)) ? NAN : min(a, b); }
float tso_pow(float a, float b) {
  if (b == 0.0) return 1.0;
  if (a < 0.0) {
    if (floor(b) != b) return NAN;
    float m = pow(-a, b);
    return mod(b, 2.0) == 1.0 ? -m : m;
  }
  return pow(a, b);
}
float tso_sign(float a) { return isnan(a) ? a : sign(a); }
`;

/**
 * Emits one GLSL program per output of a split kernel body (see `splitUniform`). Hoisted values become float
 * uniforms (set per run, so a program compiles once per shape); inputs are read with tfjs's
 * `get<Name>AtOutCoords()` samplers, which also broadcast, or `get<Name>()` for a scalar.
 */
export function emitFused(roots: readonly TfExpr[], scalarInputs: ReadonlySet<string>): FusedPrograms {
  const userCode: string[] = [];
  const inputsPer: string[][] = [];
  const hoistedPer: number[][] = [];
  for (const root of roots) {
    const inputs: string[] = [];
    const hoisted: number[] = [];
    const lines: string[] = [];
    const names = new Map<TfExpr, string>();
    const uses = new Map<TfExpr, number>();
    const count = (n: TfExpr): void => {
      const u = uses.get(n);
      uses.set(n, (u ?? 0) + 1);
      if (u !== undefined) return;
      if (n.kind === 'unary') count(n.a);
      else if (n.kind === 'binary') {
        count(n.a);
        count(n.b);
      } else if (n.kind === 'select') {
        count(n.cond);
        count(n.a);
        count(n.b);
      }
    };
    count(root);
    let tmp = 0;
    const emit = (n: TfExpr): string => {
      const done = names.get(n);
      if (done !== undefined) return done;
      let e: string;
      switch (n.kind) {
        case 'hoisted': {
          let i = hoisted.indexOf(n.index);
          if (i < 0) {
            i = hoisted.length;
            hoisted.push(n.index);
          }
          e = `tso_h${i}`;
          break;
        }
        case 'input': {
          let i = inputs.indexOf(n.name);
          if (i < 0) {
            i = inputs.length;
            inputs.push(n.name);
          }
          e = scalarInputs.has(n.name) ? `getT${i}()` : `getT${i}AtOutCoords()`;
          break;
        }
        case 'const':
        case 'scalar':
          // Never reached: constants and scalars are uniform, hence hoisted.
          throw new Error(`unexpected ${n.kind} leaf`);
        case 'unary': {
          const a = emit(n.a);
          e = unary(n.op, a);
          break;
        }
        case 'binary':
          e = binary(n.op, emit(n.a), emit(n.b));
          break;
        case 'select':
          e = `((${emit(n.cond)}) != 0.0 ? (${emit(n.a)}) : (${emit(n.b)}))`;
          break;
      }
      // A node used more than once, or an input read, gets its own variable.
      if ((uses.get(n) ?? 0) > 1 || n.kind === 'input') {
        const v = `tso_v${tmp++}`;
        lines.push(`  float ${v} = ${e};`);
        e = v;
      }
      names.set(n, e);
      return e;
    };
    const out = emit(root);
    userCode.push(`${HELPERS}\nvoid main() {\n${lines.join('\n')}\n  setOutput(${out});\n}\n`);
    inputsPer.push(inputs);
    hoistedPer.push(hoisted);
  }
  return { userCode, inputs: inputsPer, hoisted: hoistedPer };
}

function unary(op: Extract<TfExpr, { kind: 'unary' }>['op'], a: string): string {
  switch (op) {
    case 'neg':
      return `(-(${a}))`;
    case 'not':
      return `float((${a}) == 0.0)`;
    case 'sign':
      return `tso_sign(${a})`;
    default:
      return `${op}(${a})`;
  }
}

const COMPARE = { lt: '<', le: '<=', gt: '>', ge: '>=', eq: '==', ne: '!=' } as const;

function binary(op: Extract<TfExpr, { kind: 'binary' }>['op'], a: string, b: string): string {
  switch (op) {
    case 'add':
      return `(${a} + ${b})`;
    case 'sub':
      return `(${a} - ${b})`;
    case 'mul':
      return `(${a} * ${b})`;
    case 'div':
      return `(${a} / ${b})`;
    case 'max':
      return `tso_max(${a}, ${b})`;
    case 'min':
      return `tso_min(${a}, ${b})`;
    case 'pow':
      return `tso_pow(${a}, ${b})`;
    case 'and':
      return `float((${a}) != 0.0 && (${b}) != 0.0)`;
    case 'or':
      return `float((${a}) != 0.0 || (${b}) != 0.0)`;
    default:
      return `float((${a}) ${COMPARE[op]} (${b}))`;
  }
}

/**
 * Runs output `j`'s program: `bound` gives the tfjs tensor of each input (already shaped: flat, a scalar, or
 * the broadcast shape), `hoisted` every host value. Returns a new tfjs tensor of `outShape`.
 */
export function runFused(
  gl: WebGLBackendLike,
  programs: FusedPrograms,
  j: number,
  outShape: readonly number[],
  bound: (name: string) => tf.Tensor,
  hoisted: readonly number[],
): tf.Tensor {
  const inputs = programs.inputs[j]!;
  const uniforms = programs.hoisted[j]!;
  const info = gl.compileAndRun(
    {
      variableNames: inputs.map((_, i) => `T${i}`),
      outputShape: [...outShape],
      userCode: programs.userCode[j]!,
      customUniforms: uniforms.map((_, i) => ({ name: `tso_h${i}`, type: 'float' as const })),
    },
    inputs.map(bound),
    'float32',
    uniforms.map((h) => [hoisted[h]!]),
  );
  return tf.engine().makeTensorFromTensorInfo(info);
}
