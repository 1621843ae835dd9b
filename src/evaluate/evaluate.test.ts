// A small seeded evaluation of the shipped plugins with their default options (100 customers x 6 h,
// the pure core): the alert-quality targets hold. Deterministic for the seed; timing is not asserted.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_POLICY } from '../core/decode.js';
import { loadPlugins } from '../rules/loader.js';
import { evaluate } from './evaluate.js';
import { ruleSpecs } from './rule-specs.js';

const pluginsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../plugins');
const engine = { allowedLatenessMs: 30_000, maxClockSkewMs: 5_000, timeBudgetMs: Number.MAX_SAFE_INTEGER, maxConsecutiveFailures: 5, decode: DEFAULT_DECODE_POLICY };

describe('evaluate', () => {
  it('meets the targets on 100 customers x 6 h with the shipped defaults', async () => {
    const plugins = await loadPlugins(pluginsDir);
    const e = await evaluate({ plugins, engine, customers: 100, hours: 6, simulator: { seed: 7 } });
    expect(e.missed).toEqual([]);
    expect(e.passed).toBe(true);
    const rule = (id: string) => e.rules.find((r) => r.rule === id)!;
    // Not vacuous: every targeted kind was injected and caught.
    for (const id of ['bradycardia', 'tachycardia', 'signal-loss']) {
      expect(rule(id).injected, id).toBeGreaterThan(0);
      expect(rule(id).recallWithMovement, id).toBeGreaterThanOrEqual(0.99);
      expect(rule(id).recallWithoutMovement, id).toBeGreaterThanOrEqual(0.9);
      expect(rule(id).medianDelayMs!, id).toBeLessThanOrEqual(rule(id).delayLimitMs);
    }
    expect(e.falsePerCustomerDay).toBeLessThanOrEqual(1);
    expect(e.customerDays).toBe(25);
  }, 120_000);

  it('takes each rule\'s window from its effective options, and does not score a rule it has no truth for', async () => {
    const plugins = await loadPlugins(pluginsDir, { 'signal-loss': { options: { silenceMs: 120_000 } } });
    const specs = ruleSpecs(plugins, 30_000);
    expect(specs.map((s) => s.rule)).not.toContain('level');
    expect(specs.find((s) => s.rule === 'signal-loss')).toMatchObject({ windowMs: 150_000, delayLimitMs: 155_000 });
    expect(specs.find((s) => s.rule === 'bradycardia')).toMatchObject({ windowMs: 600_000, matches: ['bradycardia'] });
    const custom = { ...plugins.find((p) => p.meta.id === 'tachycardia')!, meta: { ...plugins[0]!.meta, id: 'resting-high', kind: 'rule' as const } };
    expect(ruleSpecs([custom], 30_000)).toEqual([expect.objectContaining({ rule: 'resting-high', scored: false, matches: [] })]);
  });
});
