import { type Parameter, TypeError_, ValueError, parameter } from '@tsoptim/core';
import type { ParamGroupInput } from '@tsoptim/optim';
import { describe, expect, it } from 'vitest';
import { makeParameterGroups } from './index.js';

function model(): [string, Parameter][] {
  return [
    ['embedding.weight', parameter([1, 2, 3, 4], { shape: [2, 2] })],
    ['encoder.layer0.weight', parameter([1, 2, 3])],
    ['encoder.layer0.bias', parameter([1])],
    ['decoder.weight', parameter([1, 2])],
    ['decoder.bias', parameter([1])],
  ];
}

function recorder() {
  const lines: string[] = [];
  return { lines, logger: { info: (m: string) => lines.push(`info: ${m}`), warn: (m: string) => lines.push(`warn: ${m}`) } };
}

describe('makeParameterGroups', () => {
  it("groups by regex search with AllenNLP's semantics and reports the sizes", () => {
    const named = model();
    const { lines, logger } = recorder();
    const { params, report } = makeParameterGroups(
      named,
      [
        [['^encoder\\.'], { lr: 0.1 }],
        [['decoder\\.b', 'no_such_param'], { lr: 0.2, weightDecay: 0 }],
        [['^embedding'], { requires_grad: false, lr: 9 }],
      ],
      { logger },
    );
    const groups = params as ParamGroupInput[];
    expect(groups.map((g) => ({ ...g, params: [...(g.params as Parameter[])].map((p) => p.size) }))).toEqual([
      { lr: 0.1, params: [3, 1] },
      { lr: 0.2, weightDecay: 0, params: [1] },
      { params: [2] },
    ]);
    expect(report.groups.map((g) => [g.names, g.numTensors, g.numElements, g.isDefault])).toEqual([
      [['encoder.layer0.weight', 'encoder.layer0.bias'], 2, 4, false],
      [['decoder.bias'], 1, 1, false],
      [['decoder.weight'], 1, 2, true],
    ]);
    expect(report.frozen).toEqual(['embedding.weight']);
    expect(report.unmatchedRegexes).toEqual(['no_such_param']);
    expect(report.numTrainable).toBe(7);
    expect(named[0]![1].requiresGrad).toBe(false);
    expect(named.slice(1).every(([, p]) => p.requiresGrad)).toBe(true);
    expect(lines).toEqual([
      'info: Disabling gradient for the following parameters: ["embedding.weight"]',
      'warn: Ignoring unused options {"lr":9} for ["embedding.weight"]',
      'info: Done constructing parameter groups.',
      'info: Group 0: ["encoder.layer0.weight","encoder.layer0.bias"], {"lr":0.1}',
      'info: Group 1: ["decoder.bias"], {"lr":0.2,"weightDecay":0}',
      'info: Group 2: ["decoder.weight"], {}',
      'warn: When constructing parameter groups, no_such_param does not match any parameter name',
      'info: Number of trainable parameters: 7',
    ]);
  });

  it('keeps an empty default group and drops requires_grad: true', () => {
    const { params, report } = makeParameterGroups(model(), [[['.'], { requires_grad: true, lr: 1 }]], { logger: recorder().logger });
    expect((params as ParamGroupInput[]).map((g) => Object.keys(g).sort())).toEqual([['lr', 'params'], ['params']]);
    expect(report.groups[1]!.numTensors).toBe(0);
  });

  it('returns the plain list without groups', () => {
    const named = model();
    const { params, report } = makeParameterGroups(named, undefined, { logger: recorder().logger });
    expect(params).toEqual(named.map(([, p]) => p));
    expect(report.numTrainable).toBe(11);
    expect(makeParameterGroups(named, [], { logger: recorder().logger }).params).toHaveLength(5);
  });

  it('rejects a parameter in two groups, and changes nothing', () => {
    const named = model();
    expect(() =>
      makeParameterGroups(named, [
        [['^encoder'], {}],
        [['bias$'], {}],
        [['^embedding'], { requires_grad: false }],
      ]),
    ).toThrow(new ValueError('encoder.layer0.bias was specified in two separate parameter groups'));
    expect(named.every(([, p]) => p.requiresGrad)).toBe(true);
    // Two regexes of the same group may both match.
    expect(() => makeParameterGroups(named, [[['^encoder', 'bias$'], {}]], { logger: recorder().logger })).not.toThrow();
  });

  it('names malformed input', () => {
    expect(() => makeParameterGroups(model(), [[['(unclosed'], {}]])).toThrow('groups[0]: invalid regex "(unclosed"');
    expect(() => makeParameterGroups(model(), [['^enc', {}]] as never)).toThrow(TypeError_);
    expect(() => makeParameterGroups(model(), [[[3], {}]] as never)).toThrow('groups[0] regex 0 must be a string, got 3');
    expect(() => makeParameterGroups([['w', 3]] as never, null)).toThrow('namedParameters[0] must be a [name, parameter] pair');
    expect(() => makeParameterGroups(5 as never, null)).toThrow(TypeError_);
  });
});
