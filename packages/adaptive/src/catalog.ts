import type { Parameter } from '@tsoptim/core';
import { type AlgorithmAbout, type CatalogEntry, type Optimizer, catalogEntry } from '@tsoptim/optim';
import { AdaBelief } from './ada-belief.js';
import { LabmlAdam } from './adam.js';
import { AdamWarmup } from './adam-warmup.js';
import { AdamWarmupCosineDecay } from './adam-warmup-cosine-decay.js';
import { AMSGrad } from './amsgrad.js';
import { Noam } from './noam.js';
import { LabmlRAdam } from './radam.js';

const FROM = '@tsoptim/adaptive';
const LABML = { cite: 'labml.ai annotated implementations', url: 'https://nn.labml.ai/optimizers/index.html' } as const;
const ADAM_STATE = 'step, exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad)';

type Ctor = new (params: Parameter[], options: Readonly<Record<string, unknown>>) => unknown;

/** An entry that builds `new ctor(params, options)`, its class named in `about`. */
function entry(name: string, ctor: Ctor, about: Omit<AlgorithmAbout, 'from'>): CatalogEntry {
  return catalogEntry(name, { ...about, from: FROM }, (p, o) => new ctor(p, o) as Optimizer);
}

/**
 * labml's family as catalog entries (see `CatalogEntry` in `@tsoptim/optim`): what the demo's `--optimizers` and
 * the playground list beside the registry's names. Names are unique across catalogs.
 */
export const ADAPTIVE_CATALOG: readonly CatalogEntry[] = [
  entry('adabelief', AdaBelief as Ctor, {
    className: 'AdaBelief',
    label: 'AdaBelief (labml)',
    summary: "RAdam's update over the variance of the gradient around its average",
    references: [{ cite: 'Zhuang et al. 2020', url: 'https://arxiv.org/abs/2010.07468' }, LABML],
    state: 'step, exp_avg, exp_avg_var, max_exp_avg_var (amsgrad)',
    start: { lr: 0.003, peakLr: 0.04 },
  }),
  entry('labml_adam', LabmlAdam as Ctor, {
    className: 'LabmlAdam',
    summary: "labml's Adam: ε added before the bias correction, weight decay as a pluggable strategy",
    references: [{ cite: 'Kingma & Ba 2014', url: 'https://arxiv.org/abs/1412.6980' }, LABML],
    state: ADAM_STATE,
    start: { lr: 0.003 },
  }),
  entry('amsgrad', AMSGrad as Ctor, {
    className: 'AMSGrad',
    label: 'AMSGrad (labml)',
    summary: 'Adam over the running maximum of the second moment',
    references: [{ cite: 'Reddi et al. 2018', url: 'https://arxiv.org/abs/1904.09237' }, LABML],
    state: ADAM_STATE,
    start: { lr: 0.003, peakLr: 0.01 },
  }),
  entry('labml_radam', LabmlRAdam as Ctor, {
    className: 'LabmlRAdam',
    summary: "labml's RAdam: the rectified adaptive step, SGD-with-momentum steps while it is intractable",
    references: [{ cite: 'Liu et al. 2019', url: 'https://arxiv.org/abs/1908.03265' }, LABML],
    state: ADAM_STATE,
    start: { lr: 0.003 },
  }),
  entry('adam_warmup', AdamWarmup as Ctor, {
    className: 'AdamWarmup',
    summary: 'Adam with a linear learning-rate warm-up',
    references: [LABML],
    state: ADAM_STATE,
    start: { options: { warmup: 50 }, lr: 0.003 },
  }),
  entry('adam_warmup_cosine_decay', AdamWarmupCosineDecay as Ctor, {
    className: 'AdamWarmupCosineDecay',
    summary: 'Adam with a linear warm-up, then a cosine decay to 10 % of the learning rate (the GPT schedule)',
    references: [LABML],
    state: ADAM_STATE,
    start: { options: { warmup: 50, totalSteps: 1000 }, lr: 0.003 },
  }),
  entry('noam', Noam as Ctor, {
    className: 'Noam',
    summary: 'Adam under the Noam schedule of "Attention Is All You Need": warm-up, then 1/√t',
    references: [{ cite: 'Vaswani et al. 2017', url: 'https://arxiv.org/abs/1706.03762' }, LABML],
    state: ADAM_STATE,
    start: { options: { warmup: 50, dModel: 128 }, lr: 1 },
  }),
];
