/**
 * A small, safe expression language for schedules written in configs (`lrLambda`, `scaleFn`): arithmetic,
 * comparison, `&&` / `||` / `!`, the ternary `c ? a : b`, and Math functions over named variables. It is parsed
 * by hand into a tree of closures: nothing is ever handed to `eval` or `new Function`, and a name that is not a
 * declared variable, a Math constant or a Math function is an error at compile time.
 */
import { TypeError_, ValueError } from '@tsoptim/core';

/** A compiled expression: call it with one number per declared variable, in order. */
export type CompiledExpression = (...values: number[]) => number;

type Node = (env: readonly number[]) => number;

const FUNCTIONS = new Map<string, { arity: [number, number]; fn: (...a: number[]) => number }>([
  ['abs', { arity: [1, 1], fn: Math.abs }],
  ['sign', { arity: [1, 1], fn: Math.sign }],
  ['floor', { arity: [1, 1], fn: Math.floor }],
  ['ceil', { arity: [1, 1], fn: Math.ceil }],
  ['round', { arity: [1, 1], fn: Math.round }],
  ['trunc', { arity: [1, 1], fn: Math.trunc }],
  ['sqrt', { arity: [1, 1], fn: Math.sqrt }],
  ['cbrt', { arity: [1, 1], fn: Math.cbrt }],
  ['exp', { arity: [1, 1], fn: Math.exp }],
  ['expm1', { arity: [1, 1], fn: Math.expm1 }],
  ['log', { arity: [1, 1], fn: Math.log }],
  ['log1p', { arity: [1, 1], fn: Math.log1p }],
  ['log2', { arity: [1, 1], fn: Math.log2 }],
  ['log10', { arity: [1, 1], fn: Math.log10 }],
  ['sin', { arity: [1, 1], fn: Math.sin }],
  ['cos', { arity: [1, 1], fn: Math.cos }],
  ['tan', { arity: [1, 1], fn: Math.tan }],
  ['asin', { arity: [1, 1], fn: Math.asin }],
  ['acos', { arity: [1, 1], fn: Math.acos }],
  ['atan', { arity: [1, 1], fn: Math.atan }],
  ['sinh', { arity: [1, 1], fn: Math.sinh }],
  ['cosh', { arity: [1, 1], fn: Math.cosh }],
  ['tanh', { arity: [1, 1], fn: Math.tanh }],
  ['atan2', { arity: [2, 2], fn: Math.atan2 }],
  ['pow', { arity: [2, 2], fn: Math.pow }],
  ['hypot', { arity: [1, 16], fn: Math.hypot }],
  ['min', { arity: [1, 16], fn: Math.min }],
  ['max', { arity: [1, 16], fn: Math.max }],
]);

const CONSTANTS = new Map<string, number>([
  ['PI', Math.PI],
  ['E', Math.E],
  ['LN2', Math.LN2],
  ['LN10', Math.LN10],
  ['LOG2E', Math.LOG2E],
  ['LOG10E', Math.LOG10E],
  ['SQRT2', Math.SQRT2],
  ['SQRT1_2', Math.SQRT1_2],
  ['Infinity', Number.POSITIVE_INFINITY],
]);

/** The names of the Math functions an expression may call (`Math.cos(x)` or `cos(x)`). */
export const EXPRESSION_FUNCTIONS: readonly string[] = [...FUNCTIONS.keys()];

/** Longest accepted source, and deepest nesting: keeps parsing bounded for any input. */
const MAX_LENGTH = 2000;
const MAX_DEPTH = 64;

type Token =
  | { kind: 'num'; value: number; at: number }
  | { kind: 'name'; value: string; at: number }
  | { kind: 'op'; value: string; at: number };

const OPERATORS = [
  '===',
  '!==',
  '**',
  '<=',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '!',
  '?',
  ':',
  '(',
  ')',
  ',',
  '.',
];

function tokenize(src: string, fail: (msg: string, at: number) => never): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i, i + 64));
    if (num !== null) {
      out.push({ kind: 'num', value: Number(num[0]), at: i });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 64));
    if (name !== null) {
      out.push({ kind: 'name', value: name[0], at: i });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op === undefined) fail(`unexpected character ${JSON.stringify(c)}`, i);
    out.push({ kind: 'op', value: op, at: i });
    i += op.length;
  }
  return out;
}

const truth = (v: number): boolean => v !== 0 && !Number.isNaN(v);

/**
 * Compiles an expression over the given variables, e.g. `compileExpression('0.95 ** epoch', ['epoch'])`.
 *
 * The grammar, loosest first: `c ? a : b`; `||`; `&&`; `== != === !== < <= > >=`; `+ -`; `* / %`; unary
 * `- + !`; `**` (right-associative); then numbers (`1`, `0.5`, `1e-3`), variables, Math constants (`PI`, `E`,
 * `Math.PI`...), calls of Math functions (`cos(x)`, `Math.min(1, epoch / 10)`, see {@link EXPRESSION_FUNCTIONS})
 * and parentheses. Comparisons and logic give 1 or 0; any non-zero number is true.
 *
 * @param source - the expression text.
 * @param variables - the names it may use, in the order the compiled function takes them.
 * @param what - what the expression is, for messages (`'lrLambda'`).
 * @throws ValueError naming `what`, the problem and its position: a syntax error, an unknown name (nothing
 * outside the variables and Math is reachable), a call with the wrong number of arguments.
 * @throws TypeError_ when `source` is not a string.
 * @example
 * const f = compileExpression('epoch < 5 ? (epoch + 1) / 5 : 0.95 ** (epoch - 5)', ['epoch'], 'lrLambda');
 * f(2); // 0.6
 */
export function compileExpression(source: string, variables: readonly string[], what = 'expression'): CompiledExpression {
  if (typeof source !== 'string')
    throw new TypeError_(`${what} must be an expression string, got ${source === null ? 'null' : typeof source}`);
  const fail = (msg: string, at: number): never => {
    throw new ValueError(
      `${what}: ${msg} at position ${at} in ${JSON.stringify(source.length > 80 ? `${source.slice(0, 77)}...` : source)}`,
    );
  };
  if (source.length > MAX_LENGTH) fail(`the expression is longer than ${MAX_LENGTH} characters`, MAX_LENGTH);
  const vars = new Map<string, number>();
  variables.forEach((v, i) => vars.set(v, i));
  const tokens = tokenize(source, fail);
  let pos = 0;
  let depth = 0;
  const peek = (): Token | undefined => tokens[pos];
  const at = (): number => tokens[pos]?.at ?? source.length;
  const isOp = (v: string): boolean => {
    const t = tokens[pos];
    return t !== undefined && t.kind === 'op' && t.value === v;
  };
  const expect = (v: string): void => {
    if (!isOp(v))
      fail(peek() === undefined ? `expected ${JSON.stringify(v)} but the expression ended` : `expected ${JSON.stringify(v)}`, at());
    pos++;
  };
  const nest = <T>(f: () => T): T => {
    if (++depth > MAX_DEPTH) fail(`the expression is nested more than ${MAX_DEPTH} levels deep`, at());
    try {
      return f();
    } finally {
      depth--;
    }
  };

  const ternary = (): Node =>
    nest(() => {
      const cond = or();
      if (!isOp('?')) return cond;
      pos++;
      const a = ternary();
      expect(':');
      const b = ternary();
      return (env) => (truth(cond(env)) ? a(env) : b(env));
    });
  const or = (): Node => {
    let left = and();
    while (isOp('||')) {
      pos++;
      const l = left;
      const r = and();
      left = (env) => (truth(l(env)) || truth(r(env)) ? 1 : 0);
    }
    return left;
  };
  const and = (): Node => {
    let left = comparison();
    while (isOp('&&')) {
      pos++;
      const l = left;
      const r = comparison();
      left = (env) => (truth(l(env)) && truth(r(env)) ? 1 : 0);
    }
    return left;
  };
  const COMPARE = new Map<string, (a: number, b: number) => boolean>([
    ['<', (a, b) => a < b],
    ['<=', (a, b) => a <= b],
    ['>', (a, b) => a > b],
    ['>=', (a, b) => a >= b],
    ['==', (a, b) => a === b],
    ['===', (a, b) => a === b],
    ['!=', (a, b) => a !== b],
    ['!==', (a, b) => a !== b],
  ]);
  const comparison = (): Node => {
    let left = additive();
    for (;;) {
      const t = peek();
      const cmp = t?.kind === 'op' ? COMPARE.get(t.value) : undefined;
      if (cmp === undefined) return left;
      pos++;
      const l = left;
      const r = additive();
      left = (env) => (cmp(l(env), r(env)) ? 1 : 0);
    }
  };
  const additive = (): Node => {
    let left = multiplicative();
    while (isOp('+') || isOp('-')) {
      const op = tokens[pos++]!.value;
      const l = left;
      const r = multiplicative();
      left = op === '+' ? (env) => l(env) + r(env) : (env) => l(env) - r(env);
    }
    return left;
  };
  const multiplicative = (): Node => {
    let left = unary();
    while (isOp('*') || isOp('/') || isOp('%')) {
      const op = tokens[pos++]!.value;
      const l = left;
      const r = unary();
      left = op === '*' ? (env) => l(env) * r(env) : op === '/' ? (env) => l(env) / r(env) : (env) => l(env) % r(env);
    }
    return left;
  };
  const unary = (): Node =>
    nest(() => {
      if (isOp('-') || isOp('+') || isOp('!')) {
        const op = tokens[pos++]!.value;
        const x = unary();
        return op === '-' ? (env) => -x(env) : op === '+' ? x : (env) => (truth(x(env)) ? 0 : 1);
      }
      return power();
    });
  const power = (): Node => {
    const base = primary();
    if (!isOp('**')) return base;
    pos++;
    const exponent = unary();
    return (env) => base(env) ** exponent(env);
  };
  const call = (name: string, start: number): Node => {
    const f = FUNCTIONS.get(name);
    if (f === undefined) return fail(`unknown function ${JSON.stringify(name)}; known: ${EXPRESSION_FUNCTIONS.join(', ')}`, start);
    expect('(');
    const args: Node[] = [];
    if (!isOp(')')) {
      args.push(ternary());
      while (isOp(',')) {
        pos++;
        args.push(ternary());
      }
    }
    expect(')');
    const [lo, hi] = f.arity;
    if (args.length < lo || args.length > hi) {
      fail(`${name} takes ${lo === hi ? lo : `${lo} to ${hi}`} argument${hi === 1 ? '' : 's'}, got ${args.length}`, start);
    }
    const fn = f.fn;
    if (args.length === 1) {
      const a = args[0]!;
      return (env) => fn(a(env));
    }
    return (env) => fn(...args.map((a) => a(env)));
  };
  const primary = (): Node => {
    const t = peek();
    if (t === undefined) return fail('the expression ended too early', source.length);
    if (t.kind === 'num') {
      pos++;
      const v = t.value;
      return () => v;
    }
    if (t.kind === 'op' && t.value === '(') {
      pos++;
      const inner = ternary();
      expect(')');
      return inner;
    }
    if (t.kind === 'name') {
      pos++;
      let name = t.value;
      if (name === 'Math' && !vars.has('Math')) {
        expect('.');
        const member = peek();
        if (member?.kind !== 'name') return fail('expected a Math function or constant after "Math."', at());
        pos++;
        name = member.value;
        if (isOp('(')) return call(name, t.at);
        const c = CONSTANTS.get(name);
        if (c === undefined) return fail(`unknown Math constant ${JSON.stringify(name)}`, t.at);
        return () => c;
      }
      if (isOp('(')) return call(name, t.at);
      const index = vars.get(name);
      if (index !== undefined) return (env) => env[index]!;
      const c = CONSTANTS.get(name);
      if (c !== undefined) return () => c;
      const known = variables.length === 0 ? 'no variables' : variables.map((v) => JSON.stringify(v)).join(', ');
      return fail(`unknown name ${JSON.stringify(name)} (the expression may use ${known}, numbers and Math functions)`, t.at);
    }
    return fail(`unexpected ${JSON.stringify(t.value)}`, t.at);
  };

  if (tokens.length === 0) fail('the expression is empty', 0);
  const root = ternary();
  if (pos < tokens.length) fail(`unexpected ${JSON.stringify(String(tokens[pos]!.value))}`, tokens[pos]!.at);
  const n = variables.length;
  return (...values: number[]) => {
    const env = values.length === n ? values : Array.from({ length: n }, (_, i) => values[i] ?? Number.NaN);
    return root(env);
  };
}
