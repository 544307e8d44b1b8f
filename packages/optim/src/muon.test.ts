import { Parameter, ValueError, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { Muon } from './muon.js';

/** θ after one step from θ = 0 with momentum 0 and lr 1: −scale·NS₅(g/‖g‖). */
function oneStep(shape: number[], grad: number[]): Float32Array {
  const p = new Parameter(tensor(new Array(grad.length).fill(0), { shape }));
  p.grad = tensor(grad, { shape });
  new Muon([p], { lr: 1, momentum: 0 }).step();
  return p.data as Float32Array;
}

const G = [0.3, -1.2, 0.8, 2.1, -0.4, 0.9, 1.5, 0.2, -0.7, -1.1, 0.6, 0.05, -0.3, 1.8, -2.2, 0.4, 0.75, -0.9];

describe('Muon', () => {
  it('rejects parameters of fewer than 2 dimensions, pointing to AdamW', () => {
    const w = new Parameter(tensor([1, 2, 3, 4], { shape: [2, 2] }));
    const b = new Parameter(tensor([1, 2], { shape: [2] }));
    expect(() => new Muon([w, b])).toThrow(ValueError);
    expect(() => new Muon([w, b])).toThrow(/parameter 1 of group 0 has shape \[2\].*AdamW/);
    expect(() => new Muon([new Parameter(tensor([1], { shape: [] }))])).toThrow(/shape \[\]/);
  });

  it('leaves the optimizer as it was when addParamGroup is given a 1-D parameter', () => {
    const opt = new Muon([new Parameter(tensor([1, 2, 3, 4], { shape: [2, 2] }))]);
    expect(() => opt.addParamGroup({ params: [new Parameter(tensor([1, 2], { shape: [2] }))] })).toThrow(/AdamW/);
    expect(opt.paramGroups.length).toBe(1);
  });

  it('orthogonalises a tall matrix as the transpose of the wide one (scale max(1, rows/cols)^½ apart)', () => {
    const tall = oneStep([6, 3], G);
    const gT = Array.from({ length: 18 }, (_, i) => G[(i % 6) * 3 + Math.floor(i / 6)]!);
    const wide = oneStep([3, 6], gT);
    for (let r = 0; r < 6; r++) {
      for (let c = 0; c < 3; c++) expect(tall[r * 3 + c]! / Math.SQRT2).toBeCloseTo(wide[c * 6 + r]!, 5);
    }
    // Newton–Schulz brings every singular value near 1: ‖O‖²_F = Σσ² is near 3.
    const frob = wide.reduce((s, x) => s + x * x, 0);
    expect(frob).toBeGreaterThan(3 * 0.6);
    expect(frob).toBeLessThan(3 * 1.3);
  });

  it('orthogonalises a 3-D parameter as [shape[0], rest], its lr scale from the last two dimensions', () => {
    const cube = oneStep([3, 3, 2], G);
    const flat = oneStep([3, 6], G);
    const scale = Math.sqrt(3 / 2);
    cube.forEach((x, i) => expect(x).toBeCloseTo(flat[i]! * scale, 5));
  });
});
