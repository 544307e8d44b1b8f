import { describe, expect, it } from 'vitest';
import { formatTick, lineChartSvg, niceTicks, smooth, stackedChartsSvg } from './index.js';

/** Checks the markup is well formed (every element closed, in order) and returns the element names seen. */
function wellFormed(svg: string): string[] {
  const stack: string[] = [];
  const seen: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:"[^"]*"|'[^']*'|[^'">])*?)(\/?)>/g)) {
    const [, close, name, , selfClose] = m;
    if (close) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!selfClose) stack.push(name!);
    seen.push(name!);
  }
  expect(stack).toEqual([]);
  return seen;
}

const lines = (svg: string) => [...svg.matchAll(/class="line" data-series="([^"]*)" d="([^"]*)"/g)].map((m) => ({ name: m[1]!, d: m[2]! }));
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
const points = (d: string) => [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);

describe('lineChartSvg', () => {
  it('draws one path per series with a point per value, titles, ticks and a legend', () => {
    const svg = lineChartSvg(
      [
        { name: 'Adam', x: [1, 2, 3, 4], y: [4, 3, 2, 1] },
        { name: 'SGD', x: [1, 2, 3, 4], y: [4, 3.5, 3, 2.5] },
      ],
      { title: 'loss', xTitle: 'step', yTitle: 'loss', width: 300, height: 150 },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(wellFormed(svg)[0]).toBe('svg');
    const ls = lines(svg);
    expect(ls.map((l) => l.name)).toEqual(['Adam', 'SGD']);
    const adam = points(ls[0]!.d);
    expect(adam).toHaveLength(4);
    // x increases left to right, a falling loss goes down the picture (y grows)
    expect(adam[3]![0]).toBeGreaterThan(adam[0]![0]);
    expect(adam[3]![1]).toBeGreaterThan(adam[0]![1]);
    // every point lies in the 300 × 150 plotting area
    for (const [x, y] of adam) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(300);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(150);
    }
    expect(texts(svg)).toEqual(expect.arrayContaining(['loss', 'step', 'Adam', 'SGD', '1', '4']));
  });

  it('breaks a line at non-finite points and leaves out non-positive ones on a log axis', () => {
    const svg = lineChartSvg([{ name: 'l', x: [1, 2, 3, 4, 5], y: [1, Number.NaN, 0.1, 0, 0.01] }], { logY: true });
    const d = lines(svg)[0]!.d;
    expect(d.match(/M/g)).toHaveLength(3);
    expect(points(d)).toHaveLength(3);
    expect(texts(svg)).toEqual(expect.arrayContaining(['0.01', '0.1', '1']));
    expect(svg).not.toContain('NaN');
  });

  it('keeps a fixed domain and draws nothing outside it; a flat or empty series still gets axes', () => {
    const svg = lineChartSvg([{ name: 'a', x: [0, 5, 20], y: [1, 2, 3] }], { xDomain: [0, 10], width: 100 });
    expect(points(lines(svg)[0]!.d)).toHaveLength(2);
    wellFormed(lineChartSvg([{ name: 'flat', x: [0, 1], y: [0.5, 0.5] }]));
    const empty = lineChartSvg([]);
    wellFormed(empty);
    expect(empty).not.toContain('NaN');
    expect(empty).not.toContain('Infinity');
  });

  it('escapes text', () => {
    const svg = lineChartSvg([{ name: 'a<b & "c"', x: [0, 1], y: [0, 1] }], { title: '<x>', legend: true });
    wellFormed(svg);
    expect(svg).toContain('a&lt;b &amp; &quot;c&quot;');
    expect(svg).toContain('&lt;x&gt;');
  });

  it('is deterministic', () => {
    const s = [{ name: 'a', x: [0, 1, 2], y: [0.3, 0.2, 0.1] }];
    expect(lineChartSvg(s)).toBe(lineChartSvg(s));
  });
});

describe('stackedChartsSvg', () => {
  it('stacks panels under one title', () => {
    const svg = stackedChartsSvg(
      [
        { series: [{ name: 'lr', x: [0, 1, 2], y: [0.1, 0.05, 0.01] }], options: { yTitle: 'learning rate' } },
        { series: [{ name: 'momentum', x: [0, 1, 2], y: [0.85, 0.9, 0.95] }], options: { yTitle: 'momentum', height: 100 } },
      ],
      { title: 'OneCycleLR' },
    );
    wellFormed(svg);
    expect(lines(svg)).toHaveLength(2);
    expect(texts(svg)).toEqual(expect.arrayContaining(['OneCycleLR', 'learning rate', 'momentum']));
  });
});

describe('axis helpers', () => {
  it('nice ticks and labels', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.013, 0.1, 4)).toEqual([0.02, 0.04, 0.06, 0.08, 0.1]);
    expect(niceTicks(0, 120, 6)).toEqual([0, 20, 40, 60, 80, 100, 120]);
    expect(formatTick(0.0001)).toBe('1e-4');
    expect(formatTick(0.30000000000000004)).toBe('0.3');
    expect(formatTick(250000)).toBe('2.5e5');
  });

  it('smooth: a moving average, thinned', () => {
    expect(smooth([1, 2, 3, 4, 5, 6], 2, 2)).toEqual({ x: [2, 4, 6], y: [1.5, 3.5, 5.5] });
  });
});
