// The benchmark's output: a readable table (with the targets, judged only in a full run)
// and one JSON line with every figure. Everything here comes from the measurements passed in.
import type { LatencyResult } from './latency.js';
import type { BaselineResult } from './baselines.js';
import type { CardinalityResult } from './cardinality.js';
import type { DrainResult } from './drain.js';
import type { FillResult } from './fill.js';
import type { GcSummary } from './gc-trace.js';

export interface BenchReport {
  date: string;
  quick: boolean;
  machine: { cores: number; memoryGiB: number; cpu: string };
  versions: { node: string; kafka: string; postgres: string; kafkajs: string };
  settings: { readings: number; customers: number; partitions: number; headlineWorkers: number };
  fill: FillResult;
  /** Every drain, in the order run. */
  drains: DrainResult[];
  raw: BaselineResult[];
  naive?: BaselineResult;
  latency?: LatencyResult;
  cardinality?: CardinalityResult;
}

/** The targets (2 cores, everything on one machine). */
export const TARGETS = { drainPerSecond: 50_000, ourOverRaw: 0.5, ourOverNaive: 100, p99Ms: 250, peakRssMb: 400, manyCustomersRatio: 0.7, manyCustomersRssMb: 1024 };

export const median = (xs: number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Figures derived from the runs: medians, ratios, scaling, peak memory, and whether counts matched. */
export function summarize(r: BenchReport) {
  const headline = r.drains.filter((d) => d.workers === r.settings.headlineWorkers);
  const drainPerSecond = median(headline.map((d) => d.perSecond));
  const rawPerSecond = median(r.raw.map((x) => x.perSecond));
  const scaling = [...new Set(r.drains.map((d) => d.workers))].sort((a, b) => a - b)
    .map((workers) => ({ workers, perSecond: median(r.drains.filter((d) => d.workers === workers).map((d) => d.perSecond)) }));
  const countsMatch = r.drains.every((d) => d.countsMatch) && r.raw.every((x) => x.countsMatch)
    && (r.naive?.countsMatch ?? true) && (r.latency?.countsMatch ?? true) && (r.cardinality?.runs.every((d) => d.countsMatch) ?? true);
  return {
    drainPerSecond,
    drainRuns: headline.map((d) => Math.round(d.perSecond)),
    rawPerSecond,
    rawRuns: r.raw.map((x) => Math.round(x.perSecond)),
    ourOverRaw: drainPerSecond / rawPerSecond,
    naivePerSecond: r.naive?.perSecond,
    ourOverNaive: r.naive === undefined ? undefined : drainPerSecond / r.naive.perSecond,
    scaling,
    peakRssMb: Math.max(...headline.map((d) => d.peakRssMb)),
    // CPU ms per 1,000 readings drained, per process group (median over the headline drains).
    cpuMsPer1000: Object.fromEntries(['app', 'postgres', 'kafka'].map((k) => [k, median(headline.map((d) => (1e6 * (d.cpu[k] ?? 0)) / d.cpuMessages))])),
    // The same for the raw baseline (its "app" is the bare client and COPY in the bench process).
    rawCpuMsPer1000: Object.fromEntries(['app', 'postgres', 'kafka'].map((k) => [k, median(r.raw.map((x) => (1e6 * (x.cpu[k] ?? 0)) / x.messages))])),
    peakRssMbAnyRun: Math.max(...r.drains.map((d) => d.peakRssMb)),
    // With --trace-gc: the app's collections in the headline drains, medians.
    gc: gcMedians(headline.flatMap((d) => (d.gc === undefined ? [] : [d.gc]))),
    // Each cardinality drain against the headline drain of the same run.
    cardinality: r.cardinality?.runs.map((d) => ({ customers: d.customers, perSecond: d.perSecond, ratio: d.perSecond / drainPerSecond, peakRssMb: d.peakRssMb, workerRestarts: d.workerRestarts })),
    countsMatch,
  };
}

function gcMedians(runs: GcSummary[]): GcSummary | undefined {
  if (runs.length === 0) return undefined;
  const keys = Object.keys(runs[0]!) as Array<keyof GcSummary>;
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((g) => g[k]))])) as unknown as GcSummary;
}

const int = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const fixed = (n: number | undefined, digits: number) => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits));

/** The readable table. */
export function formatTable(r: BenchReport): string {
  const s = summarize(r);
  const judge = (ok: boolean | undefined) => (r.quick || ok === undefined ? '' : ok ? 'yes' : 'NO');
  const rows: Array<[string, string, string, string]> = [];
  const n = r.settings.headlineWorkers;
  const runs = (xs: number[]) => (xs.length > 1 ? ` (median of ${xs.length}: ${xs.map(int).join(', ')})` : '');
  rows.push([`1. drain, ${n} workers`, `${int(s.drainPerSecond)} readings/s${runs(s.drainRuns)}`, `>= ${int(TARGETS.drainPerSecond)}`, judge(s.drainPerSecond >= TARGETS.drainPerSecond)]);
  rows.push(['2. raw: bare kafkajs + COPY', `${int(s.rawPerSecond)} readings/s${runs(s.rawRuns)}`, '', '']);
  rows.push(['   our/raw', fixed(s.ourOverRaw, 2), `>= ${TARGETS.ourOverRaw}`, judge(s.ourOverRaw >= TARGETS.ourOverRaw)]);
  if (r.naive !== undefined) {
    rows.push([`3. naive: INSERT+COMMIT per reading`, `${fixed(s.naivePerSecond, 0)} readings/s (sample of ${int(r.naive.messages)})`, '', '']);
    rows.push(['   our/naive', `${fixed(s.ourOverNaive, 0)}x`, `>= ${TARGETS.ourOverNaive}x`, judge(s.ourOverNaive! >= TARGETS.ourOverNaive)]);
  }
  if (r.latency !== undefined) {
    const l = r.latency;
    rows.push([`4. latency at ${int(l.rate)}/s for ${l.seconds} s`, `achieved ${int(l.publishedPerSecond)}/s, ${int(l.measured)} readings measured`, '', '']);
    rows.push(['   event -> row committed p50/p95/p99', `${int(l.committed.p50)} / ${int(l.committed.p95)} / ${int(l.committed.p99)} ms (max ${int(l.committed.max)})`, `p99 <= ${TARGETS.p99Ms} ms`, judge(l.committed.p99 <= TARGETS.p99Ms)]);
    rows.push(['   event -> row written   p50/p95/p99', `${int(l.written.p50)} / ${int(l.written.p95)} / ${int(l.written.p99)} ms (max ${int(l.written.max)})`, '', '']);
    const b = l.coresBusy;
    const busy = b.app + b.simulator + b.postgres + b.kafka + b.bench;
    rows.push([`   cores busy (of ${r.machine.cores})`, `app ${fixed(b.app, 2)} + simulator ${fixed(b.simulator, 2)} + PostgreSQL ${fixed(b.postgres, 2)} + Kafka ${fixed(b.kafka, 2)} + bench ${fixed(b.bench, 2)} = ${fixed(busy, 2)}`, '', '']);
  }
  rows.push(['5. scaling', s.scaling.map((x) => `${x.workers}: ${int(x.perSecond)}/s`).join(', '), '', '']);
  rows.push([`6. peak RSS of the app, drain with ${n} workers`, `${int(s.peakRssMb)} MB (any drain: ${int(s.peakRssMbAnyRun)} MB)`, `<= ${TARGETS.peakRssMb} MB`, judge(s.peakRssMb <= TARGETS.peakRssMb)]);
  const c = s.cpuMsPer1000;
  const cpuTotal = (c.app ?? 0) + (c.postgres ?? 0) + (c.kafka ?? 0);
  rows.push([`   CPU per 1,000 readings, ${n} workers`, `app ${fixed(c.app, 1)} + PostgreSQL ${fixed(c.postgres, 1)} + Kafka ${fixed(c.kafka, 1)} = ${fixed(cpuTotal, 1)} ms`, '', '']);
  rows.push([`   ceiling if all ${r.machine.cores} cores were ours`, `${int((r.machine.cores * 1e6) / cpuTotal)} readings/s`, '', '']);
  if (r.raw.length > 0) {
    const w = s.rawCpuMsPer1000;
    const rawTotal = (w.app ?? 0) + (w.postgres ?? 0) + (w.kafka ?? 0);
    rows.push(['   CPU per 1,000 readings, raw', `client+COPY ${fixed(w.app, 1)} + PostgreSQL ${fixed(w.postgres, 1)} + Kafka ${fixed(w.kafka, 1)} = ${fixed(rawTotal, 1)} ms`, '', '']);
  }
  if (s.gc !== undefined) {
    const g = s.gc;
    rows.push([`   garbage collection, ${n} workers`, `${fixed(g.allocatedBytesPerReading / 1024, 1)} KB allocated and ${fixed(g.promotedBytesPerReading / 1024, 2)} KB promoted per reading; ${int(g.scavenges)} scavenges ${int(g.scavengeMs)} ms, ${int(g.markCompacts)} mark-compacts ${int(g.markCompactMs)} ms`, '', '']);
  }
  if (r.cardinality !== undefined && s.cardinality !== undefined) {
    rows.push([`7. customers, ${int(r.cardinality.readings)} readings each run, ${n} workers`, `against the ${int(r.settings.customers)}-customer drain (1.)`, '', '']);
    for (const c of s.cardinality) {
      const ok = c.workerRestarts === 0 && c.ratio >= TARGETS.manyCustomersRatio && c.peakRssMb <= TARGETS.manyCustomersRssMb;
      rows.push([`   ${int(c.customers)} customers`, `${int(c.perSecond)} readings/s (${fixed(c.ratio, 2)}x), peak RSS ${int(c.peakRssMb)} MB, worker restarts ${c.workerRestarts}`,
        `>= ${TARGETS.manyCustomersRatio}x, <= ${int(TARGETS.manyCustomersRssMb)} MB, 0 restarts`, judge(ok)]);
    }
    rows.push(['   rule state per customer', `${int(r.cardinality.stateBytesPerCustomer)} bytes (shipped plugins)`, '', '']);
  }
  rows.push(['counts (stored = valid, rejected = bad)', s.countsMatch ? 'all match' : 'MISMATCH', 'match', s.countsMatch ? 'yes' : 'NO']);

  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length), ['measure', 'value', 'target', 'ok'][i]!.length));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const head = [
    `heartbeat benchmark${r.quick ? ' (quick: counts only, timings not judged)' : ''}, ${r.date}`,
    `machine: ${r.machine.cores} cores (${r.machine.cpu}), ${fixed(r.machine.memoryGiB, 1)} GiB; Node ${r.versions.node}, Kafka ${r.versions.kafka}, PostgreSQL ${r.versions.postgres}, kafkajs ${r.versions.kafkajs}`,
    `readings: ${int(r.fill.total)} from ${int(r.settings.customers)} customers (${int(r.fill.valid)} valid, ${int(r.fill.bad)} bad), ${r.settings.partitions} partitions; filled in ${fixed(r.fill.seconds, 1)} s`,
    '',
  ];
  return [...head, line(['measure', 'value', 'target', 'ok']), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** One JSON line with every figure. */
export function formatJson(r: BenchReport): string {
  return JSON.stringify({ ...r, summary: summarize(r), targets: r.quick ? undefined : TARGETS });
}
