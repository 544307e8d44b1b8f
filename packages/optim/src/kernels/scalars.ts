/** Host-side scalars of the Adam family, computed once per step in float64. */

/** 1 − βᵗ. */
export function biasCorrection(beta: number, step: number): number {
  return 1 - beta ** step;
}

/** torch's Adam: the step size γ/(1−β₁ᵗ) and 1/√(1−β₂ᵗ), which multiplies √v before ε is added. */
export function adamScalars(lr: number, beta1: number, beta2: number, step: number): { stepSize: number; invBc2Sqrt: number } {
  return { stepSize: lr / biasCorrection(beta1, step), invBc2Sqrt: 1 / Math.sqrt(biasCorrection(beta2, step)) };
}

/**
 * The step size γ·√(1−β₂ᵗ)/(1−β₁ᵗ) of the form that adds ε to √v before the bias correction (Kingma & Ba's ε̂:
 * TensorFlow, labml's `optimized_update`, transformers, SparseAdam, thinc).
 */
export function epsHatStepSize(lr: number, beta1: number, beta2: number, step: number): number {
  return (lr * Math.sqrt(biasCorrection(beta2, step))) / biasCorrection(beta1, step);
}

/** RAdam's ρ∞ = 2/(1−β₂) − 1 and ρ_t = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ) (Liu et al., https://arxiv.org/abs/1908.03265). */
export function radamRho(beta2: number, step: number): { rhoInf: number; rhoT: number } {
  const rhoInf = 2 / (1 - beta2) - 1;
  const beta2t = beta2 ** step;
  return { rhoInf, rhoT: rhoInf - (2 * step * beta2t) / (1 - beta2t) };
}

/**
 * RAdam's rectification r_t = √((ρ_t−4)(ρ_t−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρ_t)), or null while the variance is intractable:
 * ρ_t ≤ 5 (torch), or ρ_t < 5 with `inclusive` (labml).
 */
export function radamRectification(beta2: number, step: number, inclusive = false): number | null {
  const { rhoInf, rhoT } = radamRho(beta2, step);
  if (!(inclusive ? rhoT >= 5 : rhoT > 5)) return null;
  return Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
}
