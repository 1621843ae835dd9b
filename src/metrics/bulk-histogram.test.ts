import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BulkHistogram } from './bulk-histogram.js';
import { quantileBetween } from './registry.js';

const BOUNDS = [0.01, 0.1, 1, 10];
const VALUES = [0.001, 0.01, 0.05, 0.5, 0.5, 2, 20, 100];

describe('BulkHistogram', () => {
  it('exports exactly what prom-client\'s Histogram exports for the same observations', async () => {
    const bulkRegistry = new Registry();
    const refRegistry = new Registry();
    const bulk = new BulkHistogram('h_seconds', 'help', BOUNDS, [bulkRegistry]);
    const ref = new Histogram({ name: 'h_seconds', help: 'help', buckets: BOUNDS, registers: [refRegistry] });
    for (const v of VALUES) {
      bulk.observe(v);
      ref.observe(v);
    }
    expect(await bulkRegistry.metrics()).toBe(await refRegistry.metrics());
    // And two threads' copies sum like prom-client's own.
    const summed = AggregatorRegistry.aggregate([await bulkRegistry.getMetricsAsJSON(), await bulkRegistry.getMetricsAsJSON()]);
    expect(await summed.metrics()).toContain('h_seconds_bucket{le="1"} 10');
    expect(await summed.metrics()).toContain('h_seconds_count 16');
  });
});

describe('quantileBetween', () => {
  it('interpolates within the bucket of the rank, over the observations between two readings', () => {
    const before = { bounds: [1, 2, 4], counts: [10, 10, 10], count: 10 };
    // 100 new observations: 50 in (0,1], 40 in (1,2], 10 in (2,4].
    const after = { bounds: [1, 2, 4], counts: [60, 100, 110], count: 110 };
    expect(quantileBetween(before, after, 0.5)).toBeCloseTo(1);
    expect(quantileBetween(before, after, 0.7)).toBeCloseTo(1.5);
    expect(quantileBetween(before, after, 0.95)).toBeCloseTo(3);
    expect(quantileBetween(after, after, 0.5)).toBeNull();
  });
});
