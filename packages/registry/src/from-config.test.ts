import { Parameter, RuntimeError, SparseTensor, TypeError_, ValueError, parameter, tensor } from '@tsoptim/core';
import * as optim from '@tsoptim/optim';
import { Adam, AdamW, SGD, admitsParameter } from '@tsoptim/optim';
import { describeCatalog, subclassNames } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import {
  DenseSparseAdam,
  HuggingfaceAdamW,
  type ParameterGroupsReport,
  createOptimizerRegistry,
  fromConfig,
  optimizerCatalog,
  optimizerRegistry,
} from './index.js';
import * as registry from './index.js';

const quiet = { info: () => {}, warn: () => {} };

function named(): [string, Parameter][] {
  return [
    ['encoder.weight', parameter([0.5, -0.5, 0.25, 1], { shape: [2, 2] })],
    ['encoder.bias', parameter([0.1, -0.1])],
    ['head.weight', parameter([1, 2], { shape: [1, 2] })],
  ];
}

/** AllenNLP's registered names (`allennlp/training/optimizers.py`): the registry keeps every one of them. */
const ALLENNLP = [
  'adam',
  'sparse_adam',
  'adamax',
  'adamw',
  'huggingface_adamw',
  'adagrad',
  'adadelta',
  'sgd',
  'rmsprop',
  'averaged_sgd',
  'dense_sparse_adam',
];

function gradFor(p: Parameter, sparse: boolean): void {
  p.grad = sparse
    ? new SparseTensor(p.shape, Int32Array.of(0), tensor(Array(p.size / p.shape[0]!).fill(0.5), { shape: [1, ...p.shape.slice(1)] }))
    : tensor(Array(p.size).fill(0.5), { shape: p.shape });
}

// Every optimizer class of @tsoptim/optim and of this package (the base classes aside) has a registry name.
describeCatalog('optimizerCatalog()', optimizerCatalog(), [
  ...subclassNames(optim, optim.Optimizer, (name) => name === 'DeclaredOptimizer'),
  ...subclassNames(registry, optim.Optimizer),
]);

describe('the optimizer registry', () => {
  it("holds AllenNLP's names, each built-in name with its catalog entry", () => {
    const names = optimizerRegistry.names();
    expect(names).toEqual(expect.arrayContaining(ALLENNLP));
    expect(names.filter((n) => optimizerRegistry.get(n).about === undefined)).toEqual([]);
    expect(optimizerCatalog().map((e) => e.name)).toEqual(names);
  });

  it('builds every registered optimizer with its defaults as its catalog entry says, and each one steps', () => {
    for (const name of optimizerRegistry.names()) {
      const { about, required } = optimizerRegistry.get(name);
      const ps = named().filter(([, p]) => admitsParameter(about!, p.shape));
      const config = required?.includes('lr') ? { type: name, lr: about!.start.lr } : { type: name };
      const opt = fromConfig(ps, config, { logger: quiet });
      expect(opt.constructor.name, name).toBe(about!.className);
      for (const [, p] of ps) gradFor(p, about!.gradients === 'sparse');
      const before = Array.from(ps[0]![1].data);
      if (about!.step === 'closure') opt.step(() => 1);
      else opt.step();
      expect(Array.from(ps[0]![1].data), name).not.toEqual(before);
    }
  });

  it('defaults to adam and uses AllenNLP defaults for huggingface_adamw', () => {
    expect(fromConfig(named(), {}, { logger: quiet })).toBeInstanceOf(Adam);
    const hf = fromConfig(named(), { type: 'huggingface_adamw' }, { logger: quiet });
    expect(hf).toBeInstanceOf(HuggingfaceAdamW);
    expect([hf.defaults.lr, hf.defaults.eps, hf.defaults.correctBias, hf.defaults.weightDecay]).toEqual([1e-5, 1e-8, true, 0]);
    expect(fromConfig(named(), { type: 'dense_sparse_adam' }, { logger: quiet })).toBeInstanceOf(DenseSparseAdam);
  });

  it('registers user optimizers, and refuses a name twice', () => {
    const registry = createOptimizerRegistry();
    registry.register('sgd_momentum', { create: (p, o) => new SGD(p, o), defaults: { lr: 0.1, momentum: 0.9 } });
    const opt = fromConfig(named(), { type: 'sgd_momentum', lr: 0.5 }, { registry, logger: quiet });
    expect([opt.defaults.lr, (opt.defaults as Record<string, unknown>).momentum]).toEqual([0.5, 0.9]);
    expect(() => registry.register('sgd_momentum', registry.get('sgd'))).toThrow('optimizer "sgd_momentum" is already registered');
    registry.register('sgd_momentum', registry.get('sgd'), { overwrite: true });
    expect(optimizerRegistry.has('sgd_momentum')).toBe(false);
  });
});

describe('fromConfig', () => {
  it('builds regex parameter groups from snake_case JSON', () => {
    const ps = named();
    let report: ParameterGroupsReport | undefined;
    const config = JSON.parse(
      '{ "type": "adamw", "lr": 0.001, "weight_decay": 0.05, "betas": [0.8, 0.9], "parameter_groups": [[["^encoder\\\\.", "bias"], { "lr": 0.0001 }], [["^head"], { "requires_grad": false }]] }',
    );
    const opt = fromConfig(ps, config, { logger: quiet, onReport: (r) => (report = r) });
    expect(opt).toBeInstanceOf(AdamW);
    expect(opt.paramGroups.map((g) => [g.lr, g.weightDecay, g.betas, g.params.length])).toEqual([
      [0.0001, 0.05, [0.8, 0.9], 2],
      [0.001, 0.05, [0.8, 0.9], 0],
    ]);
    expect(ps[2]![1].requiresGrad).toBe(false);
    expect(report!.frozen).toEqual(['head.weight']);
  });

  it('names every bad key and value', () => {
    const build = (config: unknown) => () => fromConfig(named(), config as never, { logger: quiet });
    expect(build({ type: 'adamx' })).toThrow(new ValueError(`unknown optimizer "adamx"; known: ${optimizerRegistry.names().join(', ')}`));
    expect(build({ type: 'adam', lrr: 0.1 })).toThrow(
      'invalid option "lrr" for optimizer "adam"; valid options: lr, betas, eps, weightDecay',
    );
    expect(build({ type: 'adamw', decoupled_weight_decay: false })).toThrow(
      'invalid option "decoupled_weight_decay" for optimizer "adamw"',
    );
    expect(build({ type: 'adam', lr: 'fast' })).toThrow(
      new TypeError_('invalid value "fast" for option "lr" of optimizer "adam": expected a number, got string'),
    );
    expect(build({ type: 'adam', betas: [0.9] })).toThrow(
      'invalid value [0.9] for option "betas" of optimizer "adam": expected a list of 2 numbers',
    );
    expect(build({ type: 'adam', amsgrad: 'yes' })).toThrow('expected true or false, got string');
    expect(build({ type: 'adam', lr: -1 })).toThrow(new ValueError('optimizer "adam": Invalid learning rate: -1.0'));
    expect(build({ type: 'huggingface_adamw', betas: [0.9, 1.5] })).toThrow(
      'optimizer "huggingface_adamw": Invalid beta parameter: 1.5 - should be in [0.0, 1.0)',
    );
    expect(build({ type: 'sgd' })).toThrow(new ValueError('missing option "lr" for optimizer "sgd"'));
    expect(build({ type: 'adam', weight_decay: 0, weightDecay: 0 })).toThrow(
      'option "weightDecay" for optimizer "adam" repeats "weight_decay"',
    );
    expect(build({ type: 3 })).toThrow(new TypeError_('the optimizer "type" must be a string, got number'));
    expect(build([])).toThrow(new TypeError_('an optimizer config must be an object, got array'));
    expect(build({ parameter_groups: [[['^enc'], { lrr: 1 }]] })).toThrow('invalid option "lrr" in parameter group 0 for optimizer "adam"');
    expect(build({ parameter_groups: [[['^enc'], { lr: 'x' }]] })).toThrow(
      'invalid value "x" for option "lr" in parameter group 0 of optimizer "adam"',
    );
    expect(build({ parameter_groups: [[['^enc'], { requires_grad: 'no' }]] })).toThrow(
      'invalid value "no" for "requires_grad" in parameter group 0',
    );
    expect(build({ parameter_groups: [['^enc', { lr: 1 }]] })).toThrow('parameter_groups[0] must be a [regexes, options] pair');
    expect(build({ parameter_groups: { lr: 1 } })).toThrow('parameter_groups must be a list of [regexes, options] pairs, got object');
    expect(build({ parameter_groups: [[['[a-'], {}]] })).toThrow('parameter_groups[0]: invalid regex "[a-"');
    expect(
      build({
        parameter_groups: [
          [['^encoder'], {}],
          [['bias'], {}],
        ],
      }),
    ).toThrow('encoder.bias was specified in two separate parameter groups');
    expect(build({ type: 'lbfgs', parameter_groups: [[['^encoder'], {}]] })).toThrow('optimizer "lbfgs": ');
  });

  it('freezes nothing when building fails', () => {
    const ps = named();
    expect(() => fromConfig(ps, { lr: -1, parameter_groups: [[['^head'], { requires_grad: false }]] }, { logger: quiet })).toThrow(
      ValueError,
    );
    expect(ps.every(([, p]) => p.requiresGrad)).toBe(true);
  });

  it('reports an unmatched regex through the logger', () => {
    const warnings: string[] = [];
    fromConfig(named(), { parameter_groups: [[['^nothing'], { lr: 1 }]] }, { logger: { info: () => {}, warn: (m) => warnings.push(m) } });
    expect(warnings).toEqual(['When constructing parameter groups, ^nothing does not match any parameter name']);
  });

  it('rejects a sparse gradient where the optimizer does', () => {
    const ps = named();
    const opt = fromConfig(ps, { type: 'huggingface_adamw' }, { logger: quiet });
    ps[0]![1].grad = new SparseTensor([2, 2], Int32Array.of(1), tensor([[1, 1]]));
    expect(() => opt.step()).toThrow(new RuntimeError('Adam does not support sparse gradients, please consider SparseAdam instead'));
    expect(Parameter.isParameter(ps[0]![1])).toBe(true);
  });
});
