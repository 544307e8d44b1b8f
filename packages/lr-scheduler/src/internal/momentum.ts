import { ValueError } from '@tsoptim/core';
import type { Optimizer } from '@tsoptim/optim';
import type { Group } from '../lr-scheduler.js';

/** Whether the optimizer cycles `betas[0]` (it has `betas`) or `momentum`; torch's check and message. */
export function momentumKind(optimizer: Optimizer): 'betas' | 'momentum' {
  const d = optimizer.defaults as Record<string, unknown>;
  if (!('momentum' in d) && !('betas' in d)) {
    throw new ValueError('optimizer must support momentum or beta1 with `cycle_momentum` option enabled');
  }
  return 'betas' in d ? 'betas' : 'momentum';
}

/** Writes a momentum value: `betas[0]` (keeping the other betas) or `momentum`. */
export function writeMomentum(g: Group, useBeta1: boolean, m: number): void {
  if (useBeta1) g.betas = [m, ...(g.betas as number[]).slice(1)];
  else g.momentum = m;
}

/** Reads the momentum a group has: `betas[0]` or `momentum`. */
export function readMomentum(g: Group, useBeta1: boolean): number {
  return useBeta1 ? (g.betas as number[])[0]! : (g.momentum as number);
}

/** Checks that momentum can be cycled in these groups (`betas` lists, or a number `momentum`) before a load writes it. */
export function checkMomentumGroups(groups: readonly Group[], useBeta1: boolean): void {
  groups.forEach((g, i) => {
    const ok = useBeta1 ? Array.isArray(g.betas) && g.betas.length >= 1 : typeof g.momentum === 'number';
    if (!ok)
      throw new ValueError(
        `loaded scheduler state dict cycles ${useBeta1 ? 'betas[0]' : 'momentum'}, which parameter group ${i} does not have`,
      );
  });
}

/** Saves the listed keys of each group (presence included); the returned function puts them back. */
export function snapshotGroups(groups: readonly Group[], keys: readonly string[]): () => void {
  const saved = groups.map((g) =>
    keys.map((k) => [k, Object.hasOwn(g, k), Array.isArray(g[k]) ? [...(g[k] as unknown[])] : g[k]] as const),
  );
  return () => {
    groups.forEach((g, i) => {
      for (const [k, had, v] of saved[i]!) {
        if (had) g[k] = v;
        else delete g[k];
      }
    });
  };
}

/** The group keys CyclicLR and OneCycleLR write. */
export const CYCLE_KEYS = ['lr', 'initialLr', 'maxLr', 'minLr', 'momentum', 'betas', 'maxMomentum', 'baseMomentum'] as const;
