// The trade-off SVG: one line and one legend entry per rule, one labelled point per threshold,
// placed by its figures (more alerts further right, more recall higher), text escaped.
import { describe, expect, it } from 'vitest';
import { tradeOffSvg } from './plot.js';
import type { SweepPoint } from './sweep.js';

const pt = (rule: string, value: number, alertsPerCustomerDay: number, recall: number | null): SweepPoint =>
  ({ rule, option: 'aboveBpm', value, alertsPerCustomerDay, rowsPerCustomerDay: 0, recall });

const points = [pt('tachycardia', 100, 12, 1), pt('tachycardia', 120, 4, 0.9), pt('tachycardia', 140, 0.5, 0.4),
  pt('bradycardia', 110, 1, 1), pt('bradycardia', 130, 0.2, 0.3), pt('x<&>', 1, 0.1, null)];

const attrs = (svg: string, tag: string) => [...svg.matchAll(new RegExp(`<${tag} ([^>]*)>`, 'g'))].map((m) =>
  Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])));

describe('tradeOffSvg', () => {
  const svg = tradeOffSvg(points);

  it('is one SVG document with a line per rule and a labelled point per threshold with a recall', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(attrs(svg, 'g').filter((g) => g.class === 'rule').map((g) => g['data-rule'])).toEqual(['tachycardia', 'bradycardia']);
    expect(attrs(svg, 'polyline')).toHaveLength(2);
    expect(attrs(svg, 'circle')).toHaveLength(5);
    const labels = [...svg.matchAll(/<text class="label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(['100', '120', '140', '110', '130']);
    expect(svg).toContain('tachycardia (aboveBpm)');
    // The point without recall (no episode of its kind was simulated) is left out, so its odd name never appears raw.
    expect(svg).not.toContain('x<&>');
  });

  it('places points by their figures inside the plot area', () => {
    const [c100, c120, c140] = attrs(svg, 'circle').map((c) => ({ x: Number(c.cx), y: Number(c.cy) }));
    expect(c100!.x).toBeGreaterThan(c120!.x);
    expect(c120!.x).toBeGreaterThan(c140!.x);
    expect(c100!.y).toBeLessThan(c120!.y); // higher recall is higher up (smaller y)
    for (const c of attrs(svg, 'circle')) {
      expect(Number(c.cx)).toBeGreaterThanOrEqual(70);
      expect(Number(c.cx)).toBeLessThanOrEqual(780 - 230);
      expect(Number(c.cy)).toBeGreaterThanOrEqual(40);
      expect(Number(c.cy)).toBeLessThanOrEqual(480 - 60);
    }
  });

  it('spaces alerts per customer-day by decades, puts 0 on the left edge, and marks the 0.5 target', () => {
    const two = tradeOffSvg([pt('r', 1, 0, 1), pt('r', 2, 0.1, 1), pt('r', 3, 1, 1), pt('r', 4, 10, 1)]);
    const xs = attrs(two, 'circle').map((c) => Number(c.cx));
    expect(xs[0]).toBe(70);
    expect(xs[2]! - xs[1]!).toBeCloseTo(xs[3]! - xs[2]!, 0);
    const target = attrs(two, 'line').find((l) => l.class === 'target')!;
    expect(Number(target.x1)).toBeGreaterThan(xs[1]!);
    expect(Number(target.x1)).toBeLessThan(xs[2]!);
  });

  it('escapes text', () => {
    expect(tradeOffSvg([pt('a&b', 1, 1, 1)], 'A <title>')).toContain('A &lt;title&gt;');
    expect(tradeOffSvg([pt('a&b', 1, 1, 1)])).toContain('data-rule="a&amp;b"');
  });
});
