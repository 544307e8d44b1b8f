import { type CatalogEntry, catalogEntry } from '@tsoptim/optim';
import { AdamTF } from './adam-tf.js';
import { NeroPlus } from './nero-plus.js';

const FROM = '@tsoptim/alf';
const ALF = { cite: 'ALF', url: 'https://github.com/HorizonRobotics/alf' } as const;

/**
 * ALF's optimizers as catalog entries (see `CatalogEntry` in `@tsoptim/optim`): what the demo's `--optimizers`
 * and the playground list beside the registry's names. (ALF's `AdamW` is `@tsoptim/optim`'s, listed there.)
 */
export const ALF_CATALOG: readonly CatalogEntry[] = [
  catalogEntry(
    'adamtf',
    {
      className: 'AdamTF',
      label: 'AdamTF (ALF)',
      from: FROM,
      summary: "Adam in TensorFlow's form: ε added to √v before the bias correction, per-parameter L2",
      references: [{ cite: 'Kingma & Ba 2014', url: 'https://arxiv.org/abs/1412.6980' }, ALF],
      state: 'step, exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad)',
      start: { lr: 0.003, peakLr: 0.01 },
    },
    (p, o) => new AdamTF(p, o),
  ),
  catalogEntry(
    'neroplus',
    {
      className: 'NeroPlus',
      label: 'NeroPlus (ALF)',
      from: FROM,
      summary: "Nero's per-neuron steps on weights kept at zero mean and unit norm, ALF's enhanced form",
      references: [{ cite: 'Liu et al. 2021', url: 'https://arxiv.org/abs/2102.07227' }, ALF],
      state: 'step, exp_avg_sq, exp_avg (betas[0] > 0)',
      start: { lr: 0.01, note: 'weights projected by NeroPlus.initialize first' },
    },
    (p, o) => new NeroPlus(p, o),
    (p) => NeroPlus.initialize(p),
  ),
];
