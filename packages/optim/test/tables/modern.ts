import type { OptimizerInfo } from '@tsoptim/testkit';
import { Adan, LAMB, Lion, Muon, Prodigy, ScheduleFreeAdamW } from '../../src/index.js';

/**
 * Optimizers torch.optim lacks, against float64 references written from the papers and the authors' code
 * (tooling/fixtures/reference_modern.py, no torch; each fixture's "source" says which).
 */
export const modernOptimizers: OptimizerInfo[] = [
  Lion.row({ fixtures: ['lion_default', 'lion_wd_maximize', 'lion_groups', 'lion_lstsq'], errors: 'lion_errors' }),
  LAMB.row({
    fixtures: ['lamb_default', 'lamb_wd', 'lamb_groups', 'lamb_lstsq'],
    errors: 'lamb_errors',
  }),
  ScheduleFreeAdamW.row({
    fixtures: ['schedule_free_adamw_default', 'schedule_free_adamw_warmup_wd', 'schedule_free_adamw_groups', 'schedule_free_adamw_lstsq'],
    errors: 'schedule_free_adamw_errors',
    groupState: ['weight_sum', 'lr_max'],
  }),
  Prodigy.row({
    fixtures: ['prodigy_default', 'prodigy_options', 'prodigy_coupled_nomomentum', 'prodigy_groups', 'prodigy_lstsq'],
    errors: 'prodigy_errors',
    // d's estimate reads a dot product and ‖s‖₁ back on the host every step.
    needsSyncRead: true,
    groupState: ['d', 'd_max', 'd_numerator', 'd_denom', 'd_hat'],
    // ⟨g, θ₀ − θ⟩ takes the difference of nearby float32 values: d's estimate (and every step it scales) carries
    // that cancellation, which a float64 reference does not have (measured: up to 7e-5 relative on prodigy_lstsq).
    tolerance: { atol: 1e-5, rtol: 2e-4 },
  }),
  Muon.row({
    fixtures: ['muon_default', 'muon_wd_plain', 'muon_groups', 'muon_lstsq'],
    errors: 'muon_errors',
    // Newton–Schulz runs in float32 on the backend, the reference in float64. A rounding error (u ≈ 6e-8 of ‖X‖)
    // grows by up to a = 3.4445 per iteration (the polynomial's slope at small singular values), so O may differ by
    // ~a⁵·u ≈ 3e-5 relative; θ moves by γ·scale·O (γ ≤ 0.02, scale ≤ √(5/3)): ≤ 1e-6 per step over 12 steps.
    // Measured on the CPU paths: 8.5e-7 absolute at most; a step itself moves θ by ~1e-2.
    tolerance: { atol: 1e-5, rtol: 1e-5 },
  }),
  Adan.row({ fixtures: ['adan_default', 'adan_prox_wd', 'adan_no_prox_wd', 'adan_groups', 'adan_lstsq'], errors: 'adan_errors' }),
];
