// Tests of the plugin loader: the shipped plugins load in order with their options; every kind of
// broken plugin stops start-up with PLUGIN_INVALID naming the file; run-time failures are isolated;
// a .ts plugin dropped into a directory is loaded with no build step and reports through processChunk.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_POLICY } from '../src/core/decode.js';
import { processChunk } from '../src/core/process-chunk.js';
import type { RawMessage } from '../src/core/types.js';
import { AppError } from '../src/errors.js';
import { RuleEngine, type PluginFailure } from '../src/rules/engine.js';
import { describePlugins, loadPlugins } from '../src/rules/loader.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (name: string) => path.join(ROOT, 'test/fixtures', name);
const T = Date.parse('2026-11-23T07:00:00Z');
const message = (i: number, body: Record<string, unknown> = {}): RawMessage => ({
  value: Buffer.from(JSON.stringify({ customer_id: 'CUST-1', timestamp: T + i * 1000, heart_rate: 72, ...body })),
  key: null, topic: 'heartbeats', partition: 0, offset: String(i), receivedAt: T + i * 1000,
});

async function loadError(dir: string, settings = {}): Promise<AppError & { file?: string }> {
  const error = await loadPlugins(dir, settings).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError & { file?: string };
}

describe('loadPlugins with the shipped plugins', () => {
  it('loads them in run order: validators first, then by id', async () => {
    const plugins = await loadPlugins(path.join(ROOT, 'plugins'));
    expect(plugins.map((p) => p.meta.id)).toEqual([
      'range', 'baseline-shift', 'bradycardia', 'level', 'signal-loss', 'tachycardia',
    ]);
  });

  it('applies options from settings over the defaults, frozen, and leaves disabled plugins out', async () => {
    const plugins = await loadPlugins(path.join(ROOT, 'plugins'), {
      bradycardia: { options: { belowBpm: 45 } }, tachycardia: { enabled: false },
    });
    const brady = plugins.find((p) => p.meta.id === 'bradycardia')!;
    expect(brady.options).toEqual({ belowBpm: 45, criticalBelowBpm: 40, durationMs: 600_000, maxGapMs: 120_000, ignoreActivities: [] });
    expect(Object.isFrozen(brady.options)).toBe(true);
    expect(plugins.some((p) => p.meta.id === 'tachycardia')).toBe(false);
  });

  it('describes every plugin for `heartbeat plugins`, with effective options', async () => {
    const described = await describePlugins(path.join(ROOT, 'plugins'), { tachycardia: { enabled: false } });
    expect(described.find((d) => d.id === 'range')).toMatchObject({
      kind: 'validator', version: '1.0.0', enabled: true, options: { minBpm: 20, maxBpm: 250 },
    });
    expect(described.find((d) => d.id === 'tachycardia')).toMatchObject({ enabled: false, options: null });
    expect(described.every((d) => d.description.length > 0)).toBe(true);
  });

  it('refuses settings for a plugin that does not exist (a typo in config)', async () => {
    expect((await loadError(path.join(ROOT, 'plugins'), { tachycardai: { enabled: false } })).code).toBe('CONFIG_INVALID');
  });
});

describe('broken plugins stop start-up with PLUGIN_INVALID naming the file', () => {
  const cases: Array<[string, string]> = [
    ['plugins-no-export', 'no-export.ts'],
    ['plugins-wrong-export', 'wrong-export.ts'],
    ['plugins-id-mismatch', 'id-mismatch.ts'],
    ['plugins-duplicate', 'dup-id.ts'],
  ];
  for (const [dir, file] of cases) {
    it(dir.replace('plugins-', ''), async () => {
      const error = await loadError(fixture(dir));
      expect(error.code).toBe('PLUGIN_INVALID');
      expect(error.file).toBe(path.join(fixture(dir), file));
      expect(error.message).toContain(path.join(fixture(dir), file));
    });
  }

  it('invalid options', async () => {
    const error = await loadError(fixture('plugins-bad-options'), { 'strict-options': { options: { thresholdBpm: 'high' } } });
    expect(error.code).toBe('PLUGIN_INVALID');
    expect(error.message).toContain('strict-options.ts');
    expect(error.message).toContain('thresholdBpm');
  });

  it('a missing plugins directory', async () => {
    expect((await loadError(fixture('plugins-that-do-not-exist'))).code).toBe('PLUGIN_INVALID');
  });
});

describe('plugins dropped into a directory', () => {
  let dir: string | undefined;
  afterEach(async () => { if (dir !== undefined) await rm(dir, { recursive: true, force: true }); dir = undefined; });
  const api = pathToFileURL(path.join(ROOT, 'src/rules/index.ts')).href;

  it('a new .ts plugin is loaded with no build step and reports through processChunk', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'heartbeat-plugins-'));
    await writeFile(path.join(dir, 'odd-bpm.ts'), `
      import { defineRule, z } from ${JSON.stringify(api)};
      export default defineRule({
        meta: { id: 'odd-bpm', kind: 'rule', version: '0.1.0', description: 'Odd heart rates.', options: z.object({ severity: z.enum(['info', 'warning']).default('info') }), messages: { odd: '{{bpm}} is odd' } },
        create: ({ severity }) => (reading, ctx) => { if (reading.heartRate % 2 === 1) ctx.report({ messageId: 'odd', severity, data: { bpm: reading.heartRate } }); },
      });
    `);
    await writeFile(path.join(dir, 'odd-bpm.test.ts'), 'export {};');
    await writeFile(path.join(dir, 'README.md'), '# not a plugin');
    const plugins = await loadPlugins(dir, { 'odd-bpm': { options: { severity: 'warning' } } });
    expect(plugins.map((p) => p.meta.id)).toEqual(['odd-bpm']);
    const engine = new RuleEngine(plugins, { allowedLatenessMs: 30_000, maxClockSkewMs: 5_000, timeBudgetMs: 1000, maxConsecutiveFailures: 5, decode: DEFAULT_DECODE_POLICY });
    const out = processChunk([message(0, { heart_rate: 71 }), message(1, { heart_rate: 72 })], engine, T);
    expect(out.rows).toHaveLength(2);
    expect(out.anomalies).toEqual([{
      customerId: 'CUST-1', eventTime: T, rule: 'odd-bpm', severity: 'warning', detail: { messageId: 'odd', message: '71 is odd', bpm: 71 },
    }]);
  });

  it('the README example loads from its folder and reports', async () => {
    const plugins = await loadPlugins(fixture('plugins-readme-example'), { 'resting-high': { options: { maxBpm: 95 } } });
    const engine = new RuleEngine(plugins, { allowedLatenessMs: 30_000, maxClockSkewMs: 5_000, timeBudgetMs: 1000, maxConsecutiveFailures: 5, decode: DEFAULT_DECODE_POLICY });
    const out = processChunk([message(0, { heart_rate: 96, activity: 'sleep' }), message(1, { heart_rate: 96, activity: 'walk' })], engine, T);
    expect(out.anomalies.map((a) => [a.rule, a.eventTime, a.detail.message])).toEqual([['resting-high', T, 'Heart rate 96 bpm while sleep (limit 95)']]);
  });

  it('a .ts plugin with a syntax error stops start-up naming the file', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'heartbeat-plugins-'));
    await writeFile(path.join(dir, 'broken.ts'), 'export default defineRule({ meta: { id: "broken", ');
    const error = await loadError(dir);
    expect(error.code).toBe('PLUGIN_INVALID');
    expect(error.file).toBe(path.join(dir, 'broken.ts'));
  });
});

describe('plugins that fail at run time are isolated', () => {
  const engineFor = async (dir: string, options: { timeBudgetMs: number; maxConsecutiveFailures: number }) => {
    const failures: PluginFailure[] = [];
    // Bradycardia episodes of one second: a few readings show the shipped rules still report.
    const shipped = await loadPlugins(path.join(ROOT, 'plugins'), { bradycardia: { options: { durationMs: 1000 } } });
    const plugins = [...shipped, ...(await loadPlugins(fixture(dir)))];
    return { failures, engine: new RuleEngine(plugins, { allowedLatenessMs: 30_000, maxClockSkewMs: 5_000, decode: DEFAULT_DECODE_POLICY, onPluginFailure: (f) => failures.push(f), ...options }) };
  };

  it('a plugin that throws: readings stored, failure reported, plugin disabled after N in a row', async () => {
    const { engine, failures } = await engineFor('plugins-throws', { timeBudgetMs: 1000, maxConsecutiveFailures: 3 });
    const out = processChunk([0, 1, 2, 3, 4].map((i) => message(i, { heart_rate: 45 })), engine, T);
    expect(out.rows.map((r) => r.level)).toEqual(['low', 'low', 'low', 'low', 'low']);
    expect(out.anomalies.filter((a) => a.rule === 'bradycardia').map((a) => [a.eventTime, a.episodeStart])).toEqual([[T, T]]);
    expect(failures.map((f) => [f.pluginId, f.kind, f.disabled])).toEqual([
      ['throws-at-runtime', 'threw', false], ['throws-at-runtime', 'threw', false], ['throws-at-runtime', 'threw', true],
    ]);
  });

  it('a validator that is too slow: each overrun is reported, its verdict stands, and it is never disabled', async () => {
    const { engine, failures } = await engineFor('plugins-slow', { timeBudgetMs: 5, maxConsecutiveFailures: 2 });
    const out = processChunk([0, 1, 2, 3].map((i) => message(i)), engine, T);
    expect(out.rows).toHaveLength(4);
    expect(out.rejects).toEqual([]);
    expect(failures.filter((f) => f.pluginId === 'too-slow').map((f) => [f.kind, f.disabled])).toEqual(Array(4).fill(['slow', false]));
    expect(engine.stats().find((s) => s.id === 'too-slow')).toMatchObject({ calls: 4, disabled: false });
  });
});
