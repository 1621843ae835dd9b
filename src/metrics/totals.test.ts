// The stats lines' and the dashboard's totals are read from the threads' metrics: what a thread
// recorded, summed over every label and over threads, a restarted thread's last report included.
import { describe, expect, it } from 'vitest';
import type { Anomaly, ChunkResult, Reject } from '../core/types.js';
import { totalsOf } from './totals.js';
import { createWorkerMetrics } from './worker-metrics.js';

const reject = (reason: string) => ({ reason }) as Reject;
const anomaly = (rule: string) => ({ rule }) as Anomaly;
const outcome = (rows: number, rejects: Reject[], anomalies: Anomaly[]): ChunkResult => ({
  rows: Array.from({ length: rows }, () => ({ customerId: 'C', eventTime: Date.now(), heartRate: 70, level: null, late: false, partition: 0, offset: '0' })),
  rejects, anomalies,
});

describe('totalsOf', () => {
  it('sums each counter over its labels and the threads, and counts groups written from the group-size histogram', async () => {
    const a = createWorkerMetrics();
    a.recordWrite({ consumed: 10, outcome: outcome(7, [reject('invalid_json'), reject('duplicate'), reject('invalid_json')], [anomaly('tachycardia')]), stored: 6, newAnomalies: { tachycardia: 1 }, writeMs: 3, published: 1, suppressed: 0 });
    a.recordWrite({ consumed: 4, outcome: outcome(4, [], [anomaly('bradycardia'), anomaly('tachycardia')]), stored: 4, newAnomalies: { bradycardia: 1, tachycardia: 1 }, writeMs: 2, published: 0, suppressed: 2 });
    a.pluginFailures.inc({ plugin: 'range' });
    const b = createWorkerMetrics();
    b.recordWrite({ consumed: 5, outcome: outcome(5, [], []), stored: 5, newAnomalies: {}, writeMs: 1, published: 0, suppressed: 0 });
    b.pluginFailures.inc({ plugin: 'level' }, 2);

    const threads = [await a.registry.getMetricsAsJSON(), await b.registry.getMetricsAsJSON()];
    expect(totalsOf(threads)).toEqual({ consumed: 19, stored: 15, rejected: 3, anomalies: 3, groups: 3, pluginFailures: 3 });
    expect(totalsOf(threads.slice(1))).toEqual({ consumed: 5, stored: 5, rejected: 0, anomalies: 0, groups: 1, pluginFailures: 2 });
    expect(totalsOf([])).toEqual({ consumed: 0, stored: 0, rejected: 0, anomalies: 0, groups: 0, pluginFailures: 0 });
  });
});
