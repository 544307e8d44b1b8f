import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Parameter, parameter } from './parameter.js';
import { Tensor, tensor, zeros } from './tensor.js';

// Expected strings are what torch 2.x prints for the same tensors (repr / print).
describe("tensors print like torch's repr", () => {
  it('integral values, fixed decimals, scientific notation', () => {
    expect(
      String(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(String(tensor([0.1, 0.2]))).toBe('tensor([0.1000, 0.2000])');
    expect(String(tensor([1e-5, 1e3]))).toBe('tensor([1.0000e-05, 1.0000e+03])');
    expect(String(tensor([-1, 2]))).toBe('tensor([-1.,  2.])');
    expect(String(tensor([-0.5, 2.25]))).toBe('tensor([-0.5000,  2.2500])');
    expect(String(tensor(3))).toBe('tensor(3.)');
    expect(String(tensor([Number.NaN, 1, Number.POSITIVE_INFINITY]))).toBe('tensor([nan, 1., inf])');
    expect(String(tensor([0, 0]))).toBe('tensor([0., 0.])');
  });

  it('three dimensions: blank lines between blocks', () => {
    expect(String(tensor([[[1, 2]], [[3, 4]]]))).toBe('tensor([[[1., 2.]],\n\n        [[3., 4.]]])');
  });

  it('empty tensors and their size', () => {
    expect(String(tensor([]))).toBe('tensor([])');
    expect(String(zeros([0, 3]))).toBe('tensor([], size=(0, 3))');
  });

  it('wraps long rows at 80 columns', () => {
    const t = tensor(Array.from({ length: 12 }, (_, i) => i / 10 + 0.05));
    expect(String(t)).toBe(
      'tensor([0.0500, 0.1500, 0.2500, 0.3500, 0.4500, 0.5500, 0.6500, 0.7500, 0.8500,\n' + '        0.9500, 1.0500, 1.1500])',
    );
  });

  it('summarises more than 1000 elements with ... and the size', () => {
    const t = tensor(Array.from({ length: 2000 }, (_, i) => i));
    expect(String(t)).toBe('tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03], size=(2000))');
    const m = zeros([100, 100]);
    expect(String(m)).toBe(
      'tensor([[0., 0., 0.,  ..., 0., 0., 0.],\n        [0., 0., 0.,  ..., 0., 0., 0.],\n        [0., 0., 0.,  ..., 0., 0., 0.],\n        ...,\n' +
        '        [0., 0., 0.,  ..., 0., 0., 0.],\n        [0., 0., 0.,  ..., 0., 0., 0.],\n        [0., 0., 0.,  ..., 0., 0., 0.]], size=(100, 100))',
    );
  });

  it('console.log and util.inspect print the repr; parameters say so', () => {
    expect(inspect(tensor([1, 2]))).toBe('tensor([1., 2.])');
    expect(inspect({ w: tensor([1, 2]) })).toBe('{ w: tensor([1., 2.]) }');
    const p = parameter([0.5, 1.5]);
    expect(String(p)).toBe('Parameter containing:\ntensor([0.5000, 1.5000], requires_grad=True)');
    p.requiresGrad = false;
    expect(inspect(p)).toContain('requires_grad=False');
    const d = tensor([1, 2]);
    d.dispose();
    expect(String(d)).toBe('tensor(<disposed>, size=(2,))');
  });
});

describe('parameter(tensor)', () => {
  it('copies the values and keeps the shape', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const p = parameter(t, { name: 'w' });
    expect(Parameter.isParameter(p)).toBe(true);
    expect(p.shape).toEqual([2, 3]);
    expect(p.name).toBe('w');
    expect(p.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    t.fill_(0);
    expect(p.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(Tensor.isTensor(p.grad)).toBe(false);
  });

  it('reshapes when asked, and rejects a shape of another size', () => {
    const p = parameter(tensor([1, 2, 3, 4]), { shape: [2, 2] });
    expect(p.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(() => parameter(tensor([1, 2, 3]), { shape: [2, 2] })).toThrow("shape [2,2] does not hold the tensor's 3 elements");
  });
});
