import { type Expr, topoOrder } from './expr.js';

/** Formats a number as a JS literal (NaN and infinities included). */
export function jsNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '(-Infinity)';
  if (Object.is(v, -0)) return '(-0)';
  const s = String(v);
  return v < 0 ? `(${s})` : s;
}

/** How the emitter spells leaves and the operations a target lacks. */
export interface JsDialect {
  /** The JS expression of an input or scalar leaf. */
  leaf(node: Expr & { kind: 'input' | 'scalar' }): string;
  /** Optional override of `Math.sign`, `Math.tanh`... for targets without them. */
  unary?(op: string, a: string): string | undefined;
}

/**
 * Emits JavaScript for a set of expression roots: one `const` per node that is shared or that a root
 * needs, in dependency order. Used by the CPU backend's loop compiler and by JS-subset GPU compilers.
 *
 * @returns the statement lines and, for each root, the JS expression that holds its value.
 */
export function emitJs(roots: readonly Expr[], dialect: JsDialect, prefix = 't'): { lines: string[]; values: string[] } {
  const { order, uses } = topoOrder(roots);
  const name = new Map<Expr, string>();
  const lines: string[] = [];
  const rootSet = new Set(roots);
  let k = 0;
  const ref = (n: Expr): string => name.get(n)!;
  for (const n of order) {
    let code: string;
    switch (n.kind) {
      case 'input':
      case 'scalar':
        name.set(n, dialect.leaf(n));
        continue;
      case 'const':
        name.set(n, jsNumber(n.value));
        continue;
      case 'unary': {
        const a = ref(n.a);
        code = dialect.unary?.(n.op, a) ?? unaryJs(n.op, a);
        break;
      }
      case 'binary':
        code = binaryJs(n.op, ref(n.a), ref(n.b));
        break;
      case 'select':
        code = `(${ref(n.cond)} !== 0 ? ${ref(n.a)} : ${ref(n.b)})`;
        break;
    }
    if ((uses.get(n) ?? 0) > 1 || rootSet.has(n)) {
      const v = `${prefix}${k++}`;
      lines.push(`const ${v} = ${code};`);
      name.set(n, v);
    } else {
      name.set(n, code);
    }
  }
  return { lines, values: roots.map(ref) };
}

function unaryJs(op: string, a: string): string {
  switch (op) {
    case 'neg':
      return `(-${a})`;
    case 'not':
      return `(${a} === 0 ? 1 : 0)`;
    case 'sqrt':
    case 'abs':
    case 'exp':
    case 'log':
    case 'sign':
    case 'tanh':
    case 'floor':
    case 'cos':
    case 'sin':
      return `Math.${op}(${a})`;
    default:
      throw new Error(`unknown unary op ${op}`);
  }
}

function binaryJs(op: string, a: string, b: string): string {
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
      return `Math.max(${a}, ${b})`;
    case 'min':
      return `Math.min(${a}, ${b})`;
    case 'pow':
      return `Math.pow(${a}, ${b})`;
    case 'lt':
      return `(${a} < ${b} ? 1 : 0)`;
    case 'le':
      return `(${a} <= ${b} ? 1 : 0)`;
    case 'gt':
      return `(${a} > ${b} ? 1 : 0)`;
    case 'ge':
      return `(${a} >= ${b} ? 1 : 0)`;
    case 'eq':
      return `(${a} === ${b} ? 1 : 0)`;
    case 'ne':
      return `(${a} !== ${b} ? 1 : 0)`;
    case 'and':
      return `(${a} !== 0 && ${b} !== 0 ? 1 : 0)`;
    case 'or':
      return `(${a} !== 0 || ${b} !== 0 ? 1 : 0)`;
    default:
      throw new Error(`unknown binary op ${op}`);
  }
}
