/**
 * Parity with torch 1.13 on bad constructor inputs: every input of `tooling/fixtures/scheduler_bad_inputs.json`
 * that torch rejects (recorded by `gen_scheduler_errors.py`) must be rejected here too, with a tsoptim error and
 * the optimizer's groups unchanged. The counts are the ones the README states.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parameter, TsoptimError, zeros } from '@tsoptim/core';
import { type Optimizer, Rprop, SGD } from '@tsoptim/optim';
import { loadFixture } from '@tsoptim/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as schedulers from './index.js';
import { LAMBDAS } from './internal/fixture-cases.js';

interface BadInput {
  scheduler: string;
  optimizer: 'SGD' | 'Rprop';
  kwargs: Record<string, unknown>;
  torch_params: string[];
  torch: { accepted: boolean; type?: string; message?: string };
}

const { cases } = loadFixture<{ cases: BadInput[] }>('schedulers', 'bad_inputs');
const SPECIAL = new Map([
  ['T_max', 'tMax'],
  ['T_0', 't0'],
  ['T_mult', 'tMult'],
]);
const camel = (k: string) => SPECIAL.get(k) ?? k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (typeof o.$float === 'string') return o.$float === 'nan' ? Number.NaN : Number.POSITIVE_INFINITY;
    if (typeof o.$fn === 'string') return LAMBDAS[o.$fn];
  }
  return v;
}

/** The TypeScript call for a torch call: torch's option names become tsoptim's; names torch does not know stay as typed. */
function options(c: BadInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.kwargs)) out[c.torch_params.includes(k) ? camel(k) : k] = decode(v);
  return out;
}

function optimizer(kind: BadInput['optimizer']): Optimizer {
  const groups = [0.1, 0.2].map((lr) => ({ params: [new Parameter(zeros([1]))], lr }));
  return kind === 'Rprop' ? new Rprop(groups, { lr: 0.1 }) : new SGD(groups, { lr: 0.1, momentum: 0.9 });
}

const groupsOf = (o: Optimizer) => JSON.stringify(o.paramGroups.map(({ params: _p, ...g }) => g));

interface Outcome {
  c: BadInput;
  error: unknown;
  changed: boolean;
}

function run(c: BadInput): Outcome {
  const Ctor = (schedulers as unknown as Record<string, new (o: Optimizer, x: unknown) => unknown>)[c.scheduler]!;
  const opt = optimizer(c.optimizer);
  const before = groupsOf(opt);
  let error: unknown = null;
  try {
    new Ctor(opt, options(c));
  } catch (e) {
    error = e;
  }
  return { c, error, changed: error !== null && groupsOf(opt) !== before };
}

/** The README's sentence for these counts. */
export function countsLine(outcomes: readonly Outcome[]): string {
  const torchRejects = outcomes.filter((o) => !o.c.torch.accepted);
  const weReject = outcomes.filter((o) => o.error !== null);
  const bothReject = torchRejects.filter((o) => o.error !== null);
  const equal = torchRejects.filter((o) => o.error !== null && (o.error as Error).message === o.c.torch.message);
  const containing = torchRejects.filter((o) => o.error !== null && (o.error as Error).message.includes(o.c.torch.message!));
  return (
    `${outcomes.length} bad constructor inputs tried; torch 1.13 rejects ${torchRejects.length}, tsoptim rejects ${weReject.length} ` +
    `(${bothReject.length} of torch's ${torchRejects.length}, and ${weReject.length - bothReject.length} of the ${outcomes.length - torchRejects.length} that torch accepts); ` +
    `${equal.length} messages are torch's word for word, ${containing.length} contain torch's message.`
  );
}

describe('bad constructor inputs that torch 1.13 rejects (tooling/fixtures/scheduler_bad_inputs.json)', () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeAll(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterAll(() => warn.mockRestore());

  const outcomes = () => cases.map(run);

  it('has the committed inputs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(170);
  });

  it('rejects every input torch rejects, with a tsoptim error, changing nothing', () => {
    const problems: string[] = [];
    for (const o of outcomes()) {
      const what = `${o.c.scheduler} ${JSON.stringify(o.c.kwargs)}`;
      if (o.error !== null && !TsoptimError.isInstance(o.error))
        problems.push(`${what}: native ${(o.error as Error).name}: ${(o.error as Error).message}`);
      if (o.changed) problems.push(`${what}: the groups changed`);
      if (!o.c.torch.accepted && o.error === null) problems.push(`${what}: accepted, torch says ${o.c.torch.type}: ${o.c.torch.message}`);
    }
    expect(problems).toEqual([]);
  });

  it('the README states these counts', () => {
    const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8').replace(/\s+/g, ' ');
    expect(readme).toContain(countsLine(outcomes()));
  });
});
