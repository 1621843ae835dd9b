// The Grafana dashboard and the Prometheus rules cannot run here (no Docker): these checks keep
// them true to the app. Every SQL panel runs against the migrated schema (Grafana's macros
// expanded), every PromQL expression names only metrics the app exports, and the alert rules
// cover what operators must hear about: a worker down, lag, p95 latency, the dead-letter rate.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PipelineMetrics } from '../src/metrics/registry.js';
import { createWorkerMetrics } from '../src/metrics/worker-metrics.js';
import { createTestDatabase, openPool, type TestDatabase } from './support/database.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const dashboard = JSON.parse(read('ops/grafana/dashboards/heartbeat-overview.json')) as { panels: Array<{ title: string; targets: Array<Record<string, any>> }> };
const rules = parse(read('ops/prometheus/alerts.yml')) as { groups: Array<{ rules: Array<{ alert: string; expr: string; labels: Record<string, string>; annotations: Record<string, string> }> }> };
const alertRules = rules.groups.flatMap((g) => g.rules);

/** Grafana's PostgreSQL macros, expanded as Grafana would for the last hour. */
function expandMacros(sql: string): string {
  return sql
    .replace(/\$__timeGroupAlias\((\w+),\s*'1m'\)/g, `date_trunc('minute', $1) AS "time"`)
    .replace(/\$__timeFilter\((\w+)\)/g, `$1 BETWEEN now() - interval '1 hour' AND now()`);
}

/** Metric names a PromQL expression refers to (ours all start with heartbeat_; `up` is Prometheus's own). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(heartbeat_[a-z_]+)\b/g)].map((m) => m[1]!);
}

async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>();
  const add = (json: Array<{ name: string; type: string }>) => {
    for (const m of json) {
      names.add(m.name);
      if (m.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`);
    }
  };
  add((await createWorkerMetrics().registry.getMetricsAsJSON()).map((m) => ({ name: m.name, type: String(m.type) })));
  const text = (await new PipelineMetrics(undefined).render()).body;
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) add([{ name: match[1]!, type: match[2]! }]);
  return names;
}

describe('Grafana dashboard and Prometheus rules', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = await openPool(db.url);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('every SQL panel runs on the migrated schema', async () => {
    const sqlTargets = dashboard.panels.flatMap((p) => p.targets.filter((t) => t.rawSql !== undefined).map((t) => [p.title, t.rawSql as string] as const));
    expect(sqlTargets.length).toBeGreaterThanOrEqual(8);
    for (const [title, sql] of sqlTargets) {
      await expect(pool.query(expandMacros(sql)), title).resolves.toBeDefined();
    }
  });

  it('every PromQL expression (panels and alert rules) names only metrics the app exports', async () => {
    const exported = await exportedNames();
    const exprs = [...dashboard.panels.flatMap((p) => p.targets.filter((t) => t.expr !== undefined).map((t) => t.expr as string)), ...alertRules.map((r) => r.expr)];
    expect(exprs.length).toBeGreaterThan(8);
    const unknown = exprs.flatMap(metricNames).filter((n) => !exported.has(n));
    expect(unknown).toEqual([]);
  });

  it('alerts on a worker down, lag, p95 latency and the dead-letter rate, each with a summary', () => {
    const watching = (metric: string) => alertRules.filter((r) => r.expr.includes(metric)).map((r) => r.alert);
    expect(watching('heartbeat_worker_up')).not.toEqual([]);
    expect(watching('heartbeat_consumer_lag')).not.toEqual([]);
    expect(alertRules.some((r) => /histogram_quantile\(0\.95,.*heartbeat_end_to_end_latency_seconds_bucket/.test(r.expr))).toBe(true);
    expect(alertRules.some((r) => r.expr.includes('heartbeat_readings_rejected_total') && r.expr.includes('heartbeat_readings_consumed_total'))).toBe(true);
    for (const r of alertRules) {
      expect(['critical', 'warning']).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toBeTruthy();
    }
  });

  it('Prometheus loads the rules file that compose mounts', () => {
    const prometheus = parse(read('ops/prometheus/prometheus.yml')) as { rule_files: string[] };
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, { volumes: string[] }> };
    expect(compose.services.prometheus!.volumes).toContain(`./ops/prometheus/alerts.yml:${prometheus.rule_files[0]}:ro`);
  });
});
