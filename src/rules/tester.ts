// A RuleTester for plugins, used inside vitest: each case's readings go through the real
// processChunk and engine (one batch per reading, like a stream) with the plugin alone, options
// and readings frozen, and the anomalies, rejects and levels compared with what the case expects.
import { describe, expect, it } from 'vitest';
import { processChunk } from '../core/process-chunk.js';
import { DEFAULT_DECODE_POLICY } from '../core/decode.js';
import type { Activity, ChunkResult, Level, RawMessage, Severity } from '../core/types.js';
import type { PluginDefinition } from './contract.js';
import { RuleEngine, type PluginFailure } from './engine.js';
import { instantiatePlugin } from './loader.js';

/** A reading in a test: `at` is the event time (ms or an ISO string). */
export interface TestReading {
  at: number | string;
  heartRate: number;
  /** Default CUST-TEST. */
  customerId?: string;
  activity?: Activity;
  /** Steps in the minute before the reading. */
  steps?: number;
  deviceId?: string;
  /** Receive time in ms; default: the event time. */
  receivedAt?: number | string;
  /** Kafka partition; default 0. */
  partition?: number;
}

/** An anomaly a case expects; only the fields given are compared (data: a subset of the detail). */
export interface ExpectedAnomaly {
  messageId?: string;
  severity?: Severity;
  customerId?: string;
  eventTime?: number | string;
  episodeStart?: number | string;
  /** null: the episode is still open (no end reported). */
  episodeEnd?: number | string | null;
  data?: Record<string, unknown>;
}

/** A reject a case expects, by reason. */
export interface ExpectedReject { reject: string }

/** A sequence of readings, optionally with the level and late flag expected on each stored row. */
export interface TestCase {
  name?: string;
  reading?: TestReading;
  readings?: TestReading[];
  levels?: Array<Level | null>;
  late?: boolean[];
}

export interface InvalidCase extends TestCase {
  /** Every anomaly and reject the readings produce, in order (at least one). */
  expect: Array<ExpectedAnomaly | ExpectedReject>;
}

export interface RuleTesterConfig {
  /** Raw options, validated with the plugin's schema (defaults filled) and frozen. */
  options?: Record<string, unknown>;
  allowedLatenessMs?: number;
  /** Cases that produce no anomaly and no reject (at least one). */
  valid: Array<TestReading | TestCase>;
  /** Cases that produce exactly the expected anomalies and rejects (at least one). */
  invalid: InvalidCase[];
}

const ms = (t: number | string): number => (typeof t === 'number' ? t : Date.parse(t));

/** Readings every `stepMs` from `start`, one per heart rate. */
export function series(start: number | string, stepMs: number, heartRates: readonly number[], extra: Partial<TestReading> = {}): TestReading[] {
  const t0 = ms(start);
  return heartRates.map((heartRate, i) => ({ ...extra, at: t0 + i * stepMs, heartRate }));
}

/** The same value n times (for series). */
export const repeat = (value: number, n: number): number[] => Array.from({ length: n }, () => value);

/** Runs readings through processChunk with the plugin alone; returns all output and plugin failures. */
export function runReadings(plugin: PluginDefinition, readings: readonly TestReading[], config: { options?: Record<string, unknown>; allowedLatenessMs?: number } = {}): ChunkResult & { failures: PluginFailure[] } {
  const failures: PluginFailure[] = [];
  const loaded = instantiatePlugin(plugin, config.options ?? {}, `(test of ${plugin.meta.id})`);
  const engine = new RuleEngine([loaded], {
    allowedLatenessMs: config.allowedLatenessMs ?? 30_000, maxClockSkewMs: 5_000, timeBudgetMs: 10_000, maxConsecutiveFailures: Number.MAX_SAFE_INTEGER,
    decode: DEFAULT_DECODE_POLICY, strict: true, onPluginFailure: (f) => failures.push(f),
  });
  const all: ChunkResult & { failures: PluginFailure[] } = { rows: [], anomalies: [], rejects: [], failures };
  const offsets = new Map<number, number>();
  for (const r of readings) {
    const partition = r.partition ?? 0;
    const offset = offsets.get(partition) ?? 0;
    offsets.set(partition, offset + 1);
    const body: Record<string, unknown> = { customer_id: r.customerId ?? 'CUST-TEST', timestamp: ms(r.at), heart_rate: r.heartRate };
    if (r.activity !== undefined) body.activity = r.activity;
    if (r.steps !== undefined) body.steps = r.steps;
    if (r.deviceId !== undefined) body.device_id = r.deviceId;
    const message: RawMessage = {
      value: Buffer.from(JSON.stringify(body)), key: null, topic: 'test', partition, offset: String(offset),
      receivedAt: r.receivedAt === undefined ? ms(r.at) : ms(r.receivedAt),
    };
    const out = processChunk([message], engine, message.receivedAt);
    engine.commit();
    all.rows.push(...out.rows);
    all.anomalies.push(...out.anomalies);
    all.rejects.push(...out.rejects);
  }
  return all;
}

const readingsOf = (c: TestReading | TestCase): TestReading[] =>
  'heartRate' in c ? [c] : [...(c.reading === undefined ? [] : [c.reading]), ...(c.readings ?? [])];

const nameOf = (c: TestReading | TestCase, i: number): string => {
  if (!('heartRate' in c) && c.name !== undefined) return c.name;
  const rs = readingsOf(c);
  return rs.length === 1 ? `#${i + 1}: ${rs[0]!.heartRate} bpm${rs[0]!.activity ? ` (${rs[0]!.activity})` : ''}` : `#${i + 1}: ${rs.length} readings`;
};

function checkRows(c: TestReading | TestCase, out: ChunkResult): void {
  if ('heartRate' in c) return;
  if (c.levels !== undefined) expect(out.rows.map((r) => r.level), 'levels of the stored rows').toEqual(c.levels);
  if (c.late !== undefined) expect(out.rows.map((r) => r.late), 'late flags of the stored rows').toEqual(c.late);
}

const summary = (out: ChunkResult) => out.anomalies.map((a) => ({
  messageId: a.detail.messageId, severity: a.severity, customerId: a.customerId, eventTime: a.eventTime,
  episodeStart: a.episodeStart, episodeEnd: a.episodeEnd ?? null, data: a.detail,
}));

/** Declares a vitest suite for the plugin: one test per case, plus the case-count checks. */
export function ruleTester(plugin: PluginDefinition, config: RuleTesterConfig): void {
  describe(`${plugin.meta.id} (${plugin.meta.kind})`, () => {
    // Every suite shows both sides: what passes untouched and what the pipeline reports. (A rule
    // that only sets levels still has readings it never classifies: those the core rejects.)
    it('has at least one valid and one invalid case', () => {
      expect(config.valid.length, 'valid cases').toBeGreaterThan(0);
      expect(config.invalid.length, 'invalid cases').toBeGreaterThan(0);
    });
    const run = (c: TestReading | TestCase) => {
      const readings = readingsOf(c);
      expect(readings.length, 'a case needs at least one reading').toBeGreaterThan(0);
      const out = runReadings(plugin, readings, config);
      expect(out.failures.map((f) => f.error.message), 'plugin failures').toEqual([]);
      return out;
    };
    config.valid.forEach((c, i) => {
      it(`valid ${nameOf(c, i)}`, () => {
        const out = run(c);
        expect(out.rejects.map((r) => r.reason), 'rejects').toEqual([]);
        expect(summary(out), 'anomalies').toEqual([]);
        checkRows(c, out);
      });
    });
    config.invalid.forEach((c, i) => {
      it(`invalid ${nameOf(c, i)}`, () => {
        expect(c.expect.length, 'an invalid case expects at least one report').toBeGreaterThan(0);
        const out = run(c);
        const rejects = c.expect.filter((e): e is ExpectedReject => 'reject' in e);
        const anomalies = c.expect.filter((e): e is ExpectedAnomaly => !('reject' in e)).map((e) => ({
          ...e,
          ...(e.eventTime === undefined ? {} : { eventTime: ms(e.eventTime) }),
          ...(e.episodeStart === undefined ? {} : { episodeStart: ms(e.episodeStart) }),
          ...(e.episodeEnd === undefined || e.episodeEnd === null ? {} : { episodeEnd: ms(e.episodeEnd) }),
        }));
        expect(out.rejects.map((r) => r.reason), 'rejects').toEqual(rejects.map((r) => r.reject));
        const actual = summary(out);
        expect(actual.length, `anomalies: ${JSON.stringify(actual)}`).toBe(anomalies.length);
        anomalies.forEach((e, k) => expect(actual[k], `anomaly #${k + 1}`).toMatchObject(e));
        checkRows(c, out);
      });
    });
  });
}
