// The bench's arithmetic and its baseline parse: medians, ratios, counts, and which messages the
// baselines can put into the table as they are.
import { describe, expect, it } from 'vitest';
import { bareRow } from './bare-parse.js';
import type { DrainResult } from './drain.js';
import { formatJson, formatTable, median, summarize, type BenchReport } from './report.js';

const drain = (workers: number, perSecond: number, countsMatch = true): DrainResult => ({
  workers, messages: 1000, seconds: 1000 / perSecond, perSecond, stored: 990, rejected: 10, countsMatch, peakRssMb: 300,
  cpu: { app: 2, postgres: 1, kafka: 0.5 }, cpuMessages: 1000, workerRestarts: 0,
});

function report(overrides: Partial<BenchReport> = {}): BenchReport {
  return {
    date: '2026-11-23T00:00:00.000Z', quick: false,
    machine: { cores: 2, memoryGiB: 8, cpu: 'test' },
    versions: { node: 'v20', kafka: '4.3.1', postgres: '15', kafkajs: '2.2.4' },
    settings: { readings: 1000, customers: 10, partitions: 12, headlineWorkers: 2 },
    fill: { total: 1000, valid: 990, bad: 10, seconds: 1 },
    drains: [drain(2, 100), drain(2, 300), drain(2, 200), drain(1, 50)],
    raw: [{ messages: 1000, seconds: 2.5, perSecond: 400, written: 990, stored: 990, countsMatch: true, cpu: { app: 1, postgres: 0.5, kafka: 0.25 } }],
    naive: { messages: 100, seconds: 50, perSecond: 2, written: 99, stored: 99, countsMatch: true, cpu: { app: 1, postgres: 1, kafka: 0 } },
    ...overrides,
  };
}

describe('bench report', () => {
  it('takes medians of the headline drains and ratios against the baselines', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const s = summarize(report());
    expect(s.drainPerSecond).toBe(200);
    expect(s.ourOverRaw).toBe(0.5);
    expect(s.ourOverNaive).toBe(100);
    expect(s.scaling).toEqual([{ workers: 1, perSecond: 50 }, { workers: 2, perSecond: 200 }]);
    expect(s.cpuMsPer1000).toEqual({ app: 2000, postgres: 1000, kafka: 500 });
    expect(s.rawCpuMsPer1000).toEqual({ app: 1000, postgres: 500, kafka: 250 });
    expect(formatTable(report())).toMatch(/CPU per 1,000 readings, raw +client\+COPY 1000\.0 \+ PostgreSQL 500\.0 \+ Kafka 250\.0 = 1750\.0 ms/);
    expect(s.countsMatch).toBe(true);
    // No --trace-gc: no GC row.
    expect(s.gc).toBeUndefined();
    expect(formatTable(report())).not.toContain('garbage collection');
  });

  it('reports the median garbage collection of the headline drains when traced', () => {
    const gc = (kb: number) => ({ allocatedBytesPerReading: kb * 1024, promotedBytesPerReading: 512, scavenges: kb, scavengeMs: 10 * kb, markCompacts: 2, markCompactMs: 30 });
    const drains = [{ ...drain(2, 100), gc: gc(3) }, { ...drain(2, 300), gc: gc(5) }, { ...drain(2, 200), gc: gc(4) }, { ...drain(1, 50), gc: gc(100) }];
    const s = summarize(report({ drains }));
    expect(s.gc).toEqual(gc(4));
    expect(formatTable(report({ drains }))).toMatch(/garbage collection, 2 workers +4\.0 KB allocated and 0\.50 KB promoted per reading; 4 scavenges 40 ms, 2 mark-compacts 30 ms/);
  });

  it('puts each cardinality drain against the headline drain, judging speed, memory and restarts', () => {
    const card = (customers: number, perSecond: number, peakRssMb: number, workerRestarts: number) => ({ ...drain(2, perSecond), customers, peakRssMb, workerRestarts });
    const r = report({ cardinality: { readings: 1000, stateBytesPerCustomer: 712, runs: [card(10_000, 180, 320, 0), card(1_000_000, 120, 500, 0), card(100_000, 190, 1500, 2)] } });
    expect(summarize(r).cardinality!.map((c) => [c.customers, c.ratio])).toEqual([[10_000, 0.9], [1_000_000, 0.6], [100_000, 0.95]]);
    const rows = formatTable(r).split('\n');
    expect(rows.find((l) => l.includes('10,000 customers'))).toMatch(/180 readings\/s \(0\.90x\).*yes$/);
    // Too slow against the headline drain; too big and restarting: each fails its row.
    expect(rows.find((l) => l.includes('1,000,000 customers'))).toMatch(/\(0\.60x\).*NO$/);
    expect(rows.find((l) => l.includes('100,000 customers'))).toMatch(/peak RSS 1,500 MB, worker restarts 2.*NO$/);
    expect(rows.find((l) => l.includes('rule state per customer'))).toContain('712 bytes');
    expect(summarize(report({ cardinality: { readings: 1000, stateBytesPerCustomer: 1, runs: [{ ...card(10_000, 1, 1, 0), countsMatch: false }] } })).countsMatch).toBe(false);
  });

  it('reports a count mismatch anywhere, and judges no timing in quick mode', () => {
    const bad = report({ quick: true, drains: [drain(2, 100, false)] });
    expect(summarize(bad).countsMatch).toBe(false);
    const table = formatTable(bad);
    expect(table).toContain('MISMATCH');
    // Only the counts row is judged (NO); no timing row is, though 100/s misses every target.
    expect(table.split('\n').filter((l) => /\bNO\b/.test(l)).map((l) => l.split(' ')[0])).toEqual(['counts']);
    expect(JSON.parse(formatJson(bad)).targets).toBeUndefined();
  });
});

describe('baseline parse', () => {
  const row = (value: string) => bareRow(Buffer.from(value), 3, '42');

  it('takes what the heartbeats table accepts', () => {
    expect(row('{"customer_id":"CUST-00001","timestamp":"2026-11-23T07:40:00.123Z","heart_rate":72}'))
      .toEqual({ customerId: 'CUST-00001', eventTime: '2026-11-23T07:40:00.123Z', heartRate: 72, partition: 3, offset: '42' });
    expect(row('{"customer_id":"C","timestamp":1763883600123,"heart_rate":20}')?.eventTime).toBe(1763883600123);
  });

  it('skips what the table would refuse', () => {
    for (const value of ['not json', '[1]', 'null', '{"customer_id":"C","timestamp":"x","heart_rate":72}',
      '{"customer_id":"C","timestamp":1,"heart_rate":300}', '{"customer_id":"C","timestamp":1,"heart_rate":72.5}',
      '{"customer_id":"","timestamp":1,"heart_rate":72}', '{"timestamp":1,"heart_rate":72}']) {
      expect(row(value), value).toBeNull();
    }
    expect(bareRow(null, 0, '0')).toBeNull();
  });
});
