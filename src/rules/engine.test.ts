// Tests of plugin isolation in the engine: a plugin that throws, overruns its budget, mutates its
// input or misuses the context is counted and reported, the reading is still stored, and a plugin
// failing N times in a row is disabled.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_POLICY } from '../core/decode.js';
import { processBatch } from '../core/process-batch.js';
import type { RawMessage } from '../core/types.js';
import { defineRule, z } from './index.js';
import { RuleEngine, type EngineOptions, type PluginFailure } from './engine.js';
import { instantiatePlugin } from './loader.js';

const T = Date.parse('2026-11-23T07:00:00Z');
const messages = (n: number): RawMessage[] => Array.from({ length: n }, (_, i) => ({
  value: Buffer.from(JSON.stringify({ customer_id: `C-${i}`, timestamp: T + i * 1000, heart_rate: 45 })),
  key: null, topic: 't', partition: 0, offset: String(i), receivedAt: T + i * 1000,
}));

const reporter = defineRule({
  meta: { id: 'reporter', kind: 'rule', version: '1', description: 'reports every reading', options: z.object({}), messages: { seen: 'seen {{bpm}}' } },
  create: () => (reading, ctx) => ctx.report({ messageId: 'seen', severity: 'info', data: { bpm: reading.heartRate } }),
});
const failing = (behaviour: (reading: { heartRate: number }, ctx: any) => void) => defineRule({
  meta: { id: 'failing', kind: 'rule', version: '1', description: 'misbehaves', options: z.object({}), messages: { x: 'x' } },
  create: () => (reading, ctx) => { ctx.report({ messageId: 'x', severity: 'info' }); behaviour(reading, ctx); },
});

function setup(bad: ReturnType<typeof failing>, options: Partial<EngineOptions> = {}) {
  const failures: PluginFailure[] = [];
  const engine = new RuleEngine([instantiatePlugin(reporter, {}, 'reporter'), instantiatePlugin(bad, {}, 'failing')], {
    allowedLatenessMs: 30_000, maxClockSkewMs: 5_000, timeBudgetMs: 1000, maxConsecutiveFailures: 3, decode: DEFAULT_DECODE_POLICY,
    onPluginFailure: (f) => failures.push(f), ...options,
  });
  return { engine, failures };
}

describe('plugin isolation', () => {
  it('a plugin that throws: the reading is stored, the other plugins report, the failure is counted', () => {
    const { engine, failures } = setup(failing(() => { throw new Error('boom'); }));
    const out = processBatch(messages(2), engine, T);
    expect(out.rows).toHaveLength(2);
    // The failing call's own report is discarded with it.
    expect(out.anomalies.map((a) => a.rule)).toEqual(['reporter', 'reporter']);
    expect(failures.map((f) => [f.pluginId, f.kind, f.error.code, f.consecutive, f.disabled])).toEqual([
      ['failing', 'threw', 'PLUGIN_FAILED', 1, false], ['failing', 'threw', 'PLUGIN_FAILED', 2, false],
    ]);
    expect((failures[0]!.error.cause as Error).message).toBe('boom');
    expect(engine.stats().find((s) => s.id === 'failing')).toMatchObject({ calls: 2, failures: 2, disabled: false });
  });

  it('a plugin failing N times in a row is disabled and reported once as disabled', () => {
    const { engine, failures } = setup(failing(() => { throw new Error('boom'); }));
    const out = processBatch(messages(10), engine, T);
    expect(out.rows).toHaveLength(10);
    expect(failures).toHaveLength(3);
    expect(failures[2]).toMatchObject({ disabled: true, consecutive: 3 });
    expect(engine.stats().find((s) => s.id === 'failing')).toMatchObject({ calls: 3, failures: 3, disabled: true });
  });

  it('a success resets the count of failures in a row', () => {
    const { engine, failures } = setup(failing((r) => { if (r.heartRate === 45 && failures.length % 2 === 0) throw new Error('every other'); }));
    processBatch(messages(10), engine, T);
    expect(engine.stats().find((s) => s.id === 'failing')!.disabled).toBe(false);
  });

  it('a plugin over its time budget is counted as slow and disabled when it keeps overrunning', () => {
    const busy = (ms: number) => { const end = performance.now() + ms; while (performance.now() < end) { /* spin */ } };
    const { engine, failures } = setup(failing(() => busy(30)), { timeBudgetMs: 5, maxConsecutiveFailures: 2 });
    const out = processBatch(messages(4), engine, T);
    expect(out.rows).toHaveLength(4);
    // Only the spinning plugin's reports: with a 5 ms budget, a busy machine (the full suite runs
    // files in parallel) once made the reporter plugin overrun too.
    const own = failures.filter((f) => f.pluginId === 'failing');
    expect(own.map((f) => [f.kind, f.disabled])).toEqual([['slow', false], ['slow', true]]);
    expect(engine.stats().find((s) => s.id === 'failing')).toMatchObject({ slow: 2, disabled: true });
  });

  it('only the plugin that overran is reported slow, not the one after it, nor for the time its report took', () => {
    const busy = (ms: number) => { const end = performance.now() + ms; while (performance.now() < end) { /* spin */ } };
    const failures: PluginFailure[] = [];
    const engine = new RuleEngine([instantiatePlugin(failing(() => busy(30)), {}, 'failing'), instantiatePlugin(reporter, {}, 'reporter')], {
      allowedLatenessMs: 30_000, maxClockSkewMs: 5_000, timeBudgetMs: 20, maxConsecutiveFailures: 100, decode: DEFAULT_DECODE_POLICY,
      // A slow failure report (a log line written to a busy disk) must not count against the next plugin.
      onPluginFailure: (f) => { failures.push(f); busy(25); },
    });
    processBatch(messages(3), engine, T);
    expect(failures.map((f) => f.pluginId)).toEqual(['failing', 'failing', 'failing']);
    expect(engine.stats().find((s) => s.id === 'reporter')).toMatchObject({ calls: 3, slow: 0 });
  });

  it('in strict mode a plugin that modifies the reading fails instead of corrupting it', () => {
    const { engine, failures } = setup(failing((r) => { r.heartRate = 0; }), { strict: true });
    const out = processBatch(messages(1), engine, T);
    expect(out.rows[0]!.heartRate).toBe(45);
    expect(failures.map((f) => f.kind)).toEqual(['threw']);
  });

  it('misuse of the context is a failure: unknown messageId, bad severity, bad level, timers in a stateless rule', () => {
    for (const misuse of [
      (_: unknown, ctx: any) => ctx.report({ messageId: 'nope', severity: 'info' }),
      (_: unknown, ctx: any) => ctx.report({ messageId: 'x', severity: 'fatal' }),
      (_: unknown, ctx: any) => ctx.setLevel('very_high'),
      (_: unknown, ctx: any) => ctx.setTimer(T),
    ]) {
      const { engine, failures } = setup(failing(misuse));
      processBatch(messages(1), engine, T);
      expect(failures.map((f) => f.error.code)).toEqual(['PLUGIN_FAILED']);
    }
  });

  it('a throwing failure callback does not break the batch', () => {
    const { engine } = setup(failing(() => { throw new Error('boom'); }), { onPluginFailure: () => { throw new Error('logger down'); } });
    expect(processBatch(messages(2), engine, T).rows).toHaveLength(2);
  });
});
