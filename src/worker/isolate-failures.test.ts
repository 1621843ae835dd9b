// A bug in the core that throws on some message: the chunk's other messages are stored as if it
// was never sent (rule state included), and it becomes a processing_failed reject, not a stall.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_POLICY } from '../core/decode.js';
import { processChunk } from '../core/process-chunk.js';
import type { Verdict } from '../core/reading-rules.js';
import type { RawMessage, Reading } from '../core/types.js';
import { RuleEngine, type EngineOptions } from '../rules/engine.js';
import { loadPlugins, type LoadedPlugin } from '../rules/loader.js';
import { PROCESSING_FAILED, processIsolated } from './isolate-failures.js';

const PLUGINS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../plugins');
const T = Date.parse('2026-11-23T07:00:00Z');
const S = 1000, MIN = 60_000;
const NOW = T + 60 * MIN;
const OPTIONS: EngineOptions = { allowedLatenessMs: 30_000, maxClockSkewMs: 5_000, timeBudgetMs: 1000, maxConsecutiveFailures: 5, decode: DEFAULT_DECODE_POLICY };

/** The shipped engine with a bug: it throws on BUG's readings, after updating its state for them. */
class BuggyEngine extends RuleEngine {
  override judge(reading: Reading, late: boolean, now: number): Verdict {
    const verdict = super.judge(reading, late, now);
    if (reading.customerId === 'BUG') throw new TypeError('a bug in the engine');
    return verdict;
  }
}

let plugins: LoadedPlugin[];
beforeAll(async () => { plugins = await loadPlugins(PLUGINS); });

/** Readings at rest: a high rate while the device says the wearer is resting is a tachycardia episode. */
function chunk(customers: Array<[string, number, number]>, firstOffset = 0): RawMessage[] {
  return customers.map(([customer, at, bpm], i) => ({
    value: Buffer.from(JSON.stringify({ customer_id: customer, timestamp: new Date(at).toISOString(), heart_rate: bpm, activity: 'rest' })),
    key: null, topic: 'heartbeats', partition: 2, offset: String(firstOffset + i), receivedAt: at,
  }));
}

describe('processIsolated', () => {
  // C-1 above 110 bpm at rest for 10.5 min (a tachycardia episode) and BUG's readings in the middle of it.
  const readings: Array<[string, number, number]> = [];
  for (let i = 0; i <= 21; i++) {
    readings.push(['C-1', T + i * 30 * S, 130]);
    if (i === 5 || i === 12) readings.push(['BUG', T + i * 30 * S, 72]);
  }
  const messages = chunk(readings);
  const withoutBug = messages.filter((m) => !m.value!.toString().includes('"BUG"'));

  it('rejects the messages the core throws on and processes the rest as if they were never sent', () => {
    const engine = new BuggyEngine(plugins, OPTIONS);
    expect(() => processChunk(messages, engine, NOW)).toThrow(TypeError);
    engine.rollback();

    const failures: Array<[string, string]> = [];
    const result = processIsolated(messages, engine, NOW, (err, m) => failures.push([(err as Error).message, m.offset]));
    const bugOffsets = messages.filter((m) => !withoutBug.includes(m)).map((m) => m.offset);
    expect(failures).toEqual(bugOffsets.map((o) => ['a bug in the engine', o]));
    expect(result.rejects.map((r) => [r.reason, r.offset, r.validator, r.receivedAt > 0])).toEqual(bugOffsets.map((o) => [PROCESSING_FAILED, o, 'core', true]));
    expect(result.rejects[0]!.raw.toString()).toContain('"BUG"');
    expect(result.rejects[0]!.detail).toContain('TypeError: a bug in the engine');

    const reference = processChunk(withoutBug, new BuggyEngine(plugins, OPTIONS), NOW);
    expect(result.rows).toEqual(reference.rows);
    expect(result.anomalies).toEqual(reference.anomalies);
    expect(result.anomalies.filter((a) => a.rule === 'tachycardia').map((a) => [a.eventTime, a.episodeEnd])).toEqual([[T, undefined]]);
  });

  it('leaves the rule state as the kept messages made it: the next chunk continues from there', () => {
    const engine = new BuggyEngine(plugins, OPTIONS);
    processIsolated(messages, engine, NOW, () => undefined);
    engine.commit();
    const reference = new BuggyEngine(plugins, OPTIONS);
    processChunk(withoutBug, reference, NOW);
    reference.commit();
    // C-1's last reading again (a duplicate), then it carries on and recovers: the episode ends once.
    const next = chunk([['C-1', T + 21 * 30 * S, 130], ['C-1', T + 22 * 30 * S, 80]], 100);
    const out = processIsolated(next, engine, NOW, () => undefined);
    expect(out).toEqual(processChunk(next, reference, NOW));
    expect(out.rejects.map((r) => r.reason)).toEqual(['duplicate']);
    expect(out.anomalies.filter((a) => a.rule === 'tachycardia').map((a) => [a.eventTime, a.episodeEnd])).toEqual([[T, T + 21 * 30 * S]]);
  });

  it('is processChunk itself when nothing throws', () => {
    const result = processIsolated(withoutBug, new BuggyEngine(plugins, OPTIONS), NOW, () => { throw new Error('not called'); });
    expect(result).toEqual(processChunk(withoutBug, new BuggyEngine(plugins, OPTIONS), NOW));
  });
});
