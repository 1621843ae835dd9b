// Tests of plugin isolation in the engine: a rule that throws, overruns its budget, mutates its
// input or misuses the context is counted and reported, the reading is still stored, and a rule
// throwing N times in a row is disabled. Validators fail closed: one that throws or overruns
// rejects the reading and is never disabled.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_POLICY } from '../core/decode.js';
import { processChunk } from '../core/process-chunk.js';
import type { RawMessage } from '../core/types.js';
import { CallBoard, type CallSample } from './call-board.js';
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

const busy = (ms: number) => { const end = performance.now() + ms; while (performance.now() < end) { /* spin */ } };

describe('plugin isolation', () => {
  it('a plugin that throws: the reading is stored, the other plugins report, the failure is counted', () => {
    const { engine, failures } = setup(failing(() => { throw new Error('boom'); }));
    const out = processChunk(messages(2), engine, T);
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
    const out = processChunk(messages(10), engine, T);
    expect(out.rows).toHaveLength(10);
    expect(failures).toHaveLength(3);
    expect(failures[2]).toMatchObject({ disabled: true, consecutive: 3 });
    expect(engine.stats().find((s) => s.id === 'failing')).toMatchObject({ calls: 3, failures: 3, disabled: true });
  });

  it('a success resets the count of failures in a row', () => {
    // Two failures, one success, over and over (limit 3): 7 failures in 10 calls, never 3 in a
    // row. Without the reset the fourth failure would be the third counted and disable it.
    let calls = 0;
    const { engine, failures } = setup(failing(() => { calls += 1; if (calls % 3 !== 0) throw new Error('two in three'); }));
    processChunk(messages(10), engine, T);
    expect(failures.map((f) => f.consecutive)).toEqual([1, 2, 1, 2, 1, 2, 1]);
    expect(failures.some((f) => f.disabled)).toBe(false);
    expect(engine.stats().find((s) => s.id === 'failing')).toMatchObject({ calls: 10, failures: 7, disabled: false });
  });

  it('a rule over its time budget is counted as slow, its reports kept, and never disabled for it', () => {
    const { engine, failures } = setup(failing(() => busy(30)), { timeBudgetMs: 5, maxConsecutiveFailures: 2 });
    const out = processChunk(messages(4), engine, T);
    expect(out.rows).toHaveLength(4);
    expect(out.anomalies.filter((a) => a.rule === 'failing')).toHaveLength(4);
    // Only the spinning plugin's reports: with a 5 ms budget, a busy machine (the full suite runs
    // files in parallel) once made the reporter plugin overrun too.
    const own = failures.filter((f) => f.pluginId === 'failing');
    expect(own.map((f) => [f.kind, f.disabled])).toEqual([['slow', false], ['slow', false], ['slow', false], ['slow', false]]);
    expect(engine.stats().find((s) => s.id === 'failing')).toMatchObject({ slow: 4, disabled: false });
  });

  it('only the plugin that overran is reported slow, not the one after it, nor for the time its report took', () => {
    const failures: PluginFailure[] = [];
    // Margins are wide on purpose: with a 20 ms budget a GC pause or a CI machine running test
    // files in parallel once made the trivial reporter overrun on its own.
    const engine = new RuleEngine([instantiatePlugin(failing(() => busy(200)), {}, 'failing'), instantiatePlugin(reporter, {}, 'reporter')], {
      allowedLatenessMs: 30_000, maxClockSkewMs: 5_000, timeBudgetMs: 150, maxConsecutiveFailures: 100, decode: DEFAULT_DECODE_POLICY,
      // A slow failure report (a log line written to a busy disk) must not count against the next plugin.
      onPluginFailure: (f) => { failures.push(f); busy(180); },
    });
    processChunk(messages(3), engine, T);
    expect(failures.map((f) => f.pluginId)).toEqual(['failing', 'failing', 'failing']);
    expect(engine.stats().find((s) => s.id === 'reporter')).toMatchObject({ calls: 3, slow: 0 });
  });

  it('a plugin that modifies the reading fails instead of changing the stored row or what the next plugin sees', () => {
    const seen: number[] = [];
    const after = defineRule({
      meta: { id: 'zz-after', kind: 'rule', version: '1', description: 'runs after failing', options: z.object({}) },
      create: () => (reading) => { seen.push(reading.heartRate); },
    });
    const failures: PluginFailure[] = [];
    // Not strict: what production runs.
    const engine = new RuleEngine([instantiatePlugin(failing((r) => { r.heartRate = 0; }), {}, 'failing'), instantiatePlugin(after, {}, 'zz-after')], {
      allowedLatenessMs: 30_000, maxClockSkewMs: 5_000, timeBudgetMs: 1000, maxConsecutiveFailures: 3, decode: DEFAULT_DECODE_POLICY, onPluginFailure: (f) => failures.push(f),
    });
    const out = processChunk(messages(1), engine, T);
    expect(out.rows[0]!.heartRate).toBe(45);
    expect(seen).toEqual([45]);
    expect(failures.map((f) => f.kind)).toEqual(['threw']);
  });

  it('a plugin that overwrites its context fails instead of changing the context of the plugins after it', () => {
    const { engine, failures } = setup(failing((_, ctx) => { ctx.report = () => undefined; }));
    const { engine: engine2, failures: failures2 } = setup(failing((_, ctx) => { ctx.late = true; }));
    // reporter runs before failing (ids sorted): the second reading shows whether failing's change stuck.
    const out = processChunk(messages(2), engine, T);
    expect(out.anomalies.map((a) => a.rule)).toEqual(['reporter', 'reporter']);
    expect(failures.map((f) => f.kind)).toEqual(['threw', 'threw']);
    processChunk(messages(2), engine2, T);
    expect(failures2.map((f) => f.kind)).toEqual(['threw', 'threw']);
  });

  it('an episode reported as ending before it started is a failure of the rule (the table would refuse it)', () => {
    const { engine, failures } = setup(failing((_, ctx) => ctx.report({ messageId: 'x', severity: 'info', episodeStart: T, episodeEnd: T - 1 })));
    const out = processChunk(messages(1), engine, T);
    expect(out.anomalies.map((a) => a.rule)).toEqual(['reporter']);
    expect(failures.map((f) => f.error.code)).toEqual(['PLUGIN_FAILED']);
  });

  it('misuse of the context is a failure: unknown messageId, bad severity, bad level, timers in a stateless rule', () => {
    for (const misuse of [
      (_: unknown, ctx: any) => ctx.report({ messageId: 'nope', severity: 'info' }),
      (_: unknown, ctx: any) => ctx.report({ messageId: 'x', severity: 'fatal' }),
      (_: unknown, ctx: any) => ctx.setLevel('very_high'),
      (_: unknown, ctx: any) => ctx.setTimer(T),
    ]) {
      const { engine, failures } = setup(failing(misuse));
      processChunk(messages(1), engine, T);
      expect(failures.map((f) => f.error.code)).toEqual(['PLUGIN_FAILED']);
    }
  });

  it('a throwing failure callback does not break the batch', () => {
    const { engine } = setup(failing(() => { throw new Error('boom'); }), { onPluginFailure: () => { throw new Error('logger down'); } });
    expect(processChunk(messages(2), engine, T).rows).toHaveLength(2);
  });
});

describe('validators fail closed', () => {
  const validator = (id: string, check: (heartRate: number, ctx: { reject(reason: string): void }) => void) => instantiatePlugin(defineRule({
    meta: { id, kind: 'validator', version: '1', description: 'test validator', options: z.object({}) },
    create: () => (reading, ctx) => check(reading.heartRate, ctx),
  }), {}, id);
  const bpm = (values: number[]): RawMessage[] => values.map((heartRate, i) => ({
    value: Buffer.from(JSON.stringify({ customer_id: 'C-1', timestamp: T + i * 1000, heart_rate: heartRate })),
    key: null, topic: 't', partition: 0, offset: String(i), receivedAt: T + i * 1000,
  }));
  const run = (plugins: ReturnType<typeof validator>[], values: number[], options: Partial<EngineOptions> = {}) => {
    const failures: PluginFailure[] = [];
    const engine = new RuleEngine(plugins, {
      allowedLatenessMs: 30_000, maxClockSkewMs: 5_000, timeBudgetMs: 1000, maxConsecutiveFailures: 3, decode: DEFAULT_DECODE_POLICY, onPluginFailure: (f) => failures.push(f), ...options,
    });
    return { out: processChunk(bpm(values), engine, T), failures, engine };
  };

  it('a validator that throws rejects the reading as validator_failed:<id>, and the validators after it do not run', () => {
    let laterCalls = 0;
    const { out, failures } = run([validator('a-throws', () => { throw new Error('boom'); }), validator('b-later', () => { laterCalls++; })], [72]);
    expect(out.rows).toEqual([]);
    expect(out.rejects.map((r) => [r.reason, r.validator])).toEqual([['validator_failed:a-throws', 'a-throws']]);
    expect(out.rejects[0]!.detail).toContain('boom');
    expect(laterCalls).toBe(0);
    expect(failures.map((f) => [f.pluginId, f.kind, f.readingRejected, f.disabled])).toEqual([['a-throws', 'threw', true, false]]);
  });

  it('a validator over its time budget is reported slow and its verdict stands: the fate of a reading does not depend on a GC pause', () => {
    const slow = validator('slow', (hr, ctx) => { busy(30); if (hr > 250) ctx.reject('heart_rate_out_of_range'); });
    const { out, failures, engine } = run([slow], [72, 400], { timeBudgetMs: 5, maxConsecutiveFailures: 1 });
    expect(out.rows.map((r) => r.heartRate)).toEqual([72]);
    expect(out.rejects.map((r) => r.reason)).toEqual(['heart_rate_out_of_range']);
    expect(failures.map((f) => [f.kind, f.readingRejected, f.disabled])).toEqual([['slow', false, false], ['slow', false, false]]);
    expect(engine.stats()[0]).toMatchObject({ slow: 2, disabled: false });
  });

  it('a validator that returns only after rules.watchdogMs has timed out: the reading is refused whatever it said', () => {
    const slow = validator('stuck', () => { busy(30); });
    const { out, failures } = run([slow], [72, 73], { timeBudgetMs: 5, validatorTimeoutMs: 20 });
    expect(out.rows).toEqual([]);
    expect(out.rejects.map((r) => r.reason)).toEqual(['validator_failed:stuck', 'validator_failed:stuck']);
    expect(out.rejects[0]!.detail).toMatch(/timed out/);
    // Within the timeout (a long GC pause, say) the verdict stands.
    expect(run([slow], [72], { timeBudgetMs: 5, validatorTimeoutMs: 1000 }).out.rows).toHaveLength(1);
    expect(failures.map((f) => [f.kind, f.readingRejected])).toEqual([['slow', true], ['slow', true]]);
  });

  it('a validator is never disabled: after many failures in a row it still refuses 400 bpm', () => {
    // Throws on most readings, as a flaky dependency or a bug on some input would; refuses 400 bpm.
    const flaky = validator('range-ish', (hr, ctx) => { if (hr === 72) throw new Error('flaky'); if (hr > 250) ctx.reject('heart_rate_out_of_range'); });
    const { out, engine } = run([flaky], [...Array<number>(20).fill(72), 400, 80], { maxConsecutiveFailures: 3 });
    expect(out.rejects.filter((r) => r.reason === 'validator_failed:range-ish')).toHaveLength(20);
    expect(out.rejects.at(-1)!.reason).toBe('heart_rate_out_of_range');
    expect(out.rows.map((r) => r.heartRate)).toEqual([80]);
    expect(engine.stats()[0]).toMatchObject({ failures: 20, disabled: false });
  });
});

describe('call board (read by the watchdog while a plugin runs)', () => {
  it('shows the reading and the plugin being called, and idle once the reading is done', () => {
    const board = CallBoard.allocate();
    const seen: CallSample[] = [];
    const { engine } = setup(failing(() => { seen.push(board.read()); }), { board });
    const batch = messages(2).map((m, i) => ({ ...m, partition: 3, offset: String(40 + i) }));
    processChunk(batch, engine, T);
    // 'failing' is the second plugin in stats() order: its index is what the watchdog names it by.
    expect(engine.stats()[1]!.id).toBe('failing');
    expect(seen.map((s) => [s.partition, s.offset, s.plugin])).toEqual([[3, '40', 1], [3, '41', 1]]);
    expect(seen[1]!.seq).toBe(seen[0]!.seq + 1);
    expect(board.read().plugin).toBe(-1);
  });
});
