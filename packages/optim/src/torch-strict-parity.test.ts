/**
 * torch parity for bad constructor inputs (tooling/fixtures/gen_strict_optim.py runs torch 1.13 over a list
 * built from each class's signature): no input torch rejects is accepted here, and the counts — tried,
 * rejected by torch, rejected here, messages equal to torch's — are the ones in this package's README.
 */
import { Parameter, TsoptimError, tensor } from '@tsoptim/core';
import { loadFixture } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import * as optim from './index.js';
import { toCamel } from './internal/names.js';

interface Case {
  optimizer: string;
  kwargs: Record<string, unknown>;
  rejected: boolean;
  type?: string;
  message?: string;
}

function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (Object.hasOwn(o, '__tensor__')) return tensor(o.__tensor__ as number[]);
    if (Object.hasOwn(o, '__float__')) return Number((o.__float__ as string).replace('inf', 'Infinity').replace('nan', 'NaN'));
  }
  return v;
}

/** torch's kwargs as tsoptim options: camelCase names, the values decoded; own keys kept own (`__proto__`). */
function options(kwargs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) {
    Object.defineProperty(out, k === '__proto__' ? k : toCamel(k), {
      value: decode(v),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

const fx = loadFixture<{ cases: Case[] }>('optim', 'strict_constructor');

describe('bad constructor inputs: torch 1.13 parity', () => {
  it('rejects every input torch rejects, with a tsoptim error', () => {
    const counts = { tried: 0, torchRejects: 0, rejected: 0, rejectedTorchRejects: 0, sameMessage: 0 };
    const accepted: string[] = [];
    for (const c of fx.cases) {
      const Ctor = (optim as unknown as Record<string, new (p: unknown, o: unknown) => unknown>)[c.optimizer]!;
      counts.tried++;
      if (c.rejected) counts.torchRejects++;
      let error: unknown = null;
      try {
        new Ctor([new Parameter(tensor([0, 0]))], options(c.kwargs));
      } catch (e) {
        error = e;
      }
      if (error !== null) {
        expect(TsoptimError.isInstance(error), `${c.optimizer} ${JSON.stringify(c.kwargs)}: ${String(error)}`).toBe(true);
        counts.rejected++;
      }
      if (!c.rejected) continue;
      if (error === null) accepted.push(`${c.optimizer} ${JSON.stringify(c.kwargs)}: torch says ${c.message}`);
      else {
        counts.rejectedTorchRejects++;
        if ((error as Error).message === c.message) counts.sameMessage++;
      }
    }
    expect(accepted).toEqual([]);
    expect(counts.tried).toBe(fx.cases.length);
    console.log('torch strict parity:', counts);
    // The README's numbers: fail here when they change, so the README is updated with them.
    expect(counts).toEqual({ tried: 851, torchRejects: 675, rejected: 838, rejectedTorchRejects: 675, sameMessage: 161 });
  });
});
