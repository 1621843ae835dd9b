// Injected episodes and faults: the log matches the readings, every episode is unambiguous for
// its rule, the configured shares hold, and the JSON-lines log equals the in-memory one.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEpisodeLog } from './episode-log.js';
import { createSimulator } from './simulator.js';
import { simulateSpan } from './span.js';
import type { EpisodeKind, EpisodeRecord, SimMessage } from './types.js';

const START = Date.UTC(2026, 10, 23, 6, 0);
const HOUR = 3_600_000;
const MINUTE = 60_000;
const DURATION = 8 * HOUR;
const CUSTOMERS = 300;

const messages: SimMessage[] = [];
const episodes: EpisodeRecord[] = [];
for (const batch of simulateSpan({ customers: CUSTOMERS, seed: 21, startMs: START, durationMs: DURATION, intervalMs: 10_000, anomalyShare: 0.2, faultShare: 0.1 })) {
  messages.push(...batch.messages);
  episodes.push(...batch.episodes);
}
const byCustomer = new Map<string, SimMessage[]>();
for (const m of messages) {
  const series = byCustomer.get(m.key);
  if (series) series.push(m);
  else byCustomer.set(m.key, [m]);
}
const during = (e: EpisodeRecord) => (byCustomer.get(e.customerId) ?? []).filter((m) => m.eventTime >= e.start && m.eventTime < e.end);
const validDuring = (e: EpisodeRecord) => during(e).filter((m) => m.kind === 'valid');
const ofKind = (kind: EpisodeKind) => episodes.filter((e) => e.kind === kind);
// Episodes cut off by the end of the span are checked only as far as they got.
const complete = (kind: EpisodeKind) => ofKind(kind).filter((e) => e.end <= START + DURATION);

describe('injected episodes', () => {
  it('injects every kind', () => {
    for (const kind of ['bradycardia', 'tachycardia', 'sustained-high', 'sustained-low', 'signal-loss', 'flatline'] as const) {
      expect(ofKind(kind).length, kind).toBeGreaterThan(10);
    }
  });

  it('holds bradycardia under 50 and tachycardia over 110 (not exercising) for the whole episode', () => {
    const badBrady = ofKind('bradycardia').flatMap(validDuring).filter((m) => m.heartRate > 46 || m.activity === 'exercise');
    const badTachy = ofKind('tachycardia').flatMap(validDuring).filter((m) => m.heartRate < 115 || m.activity === 'exercise');
    expect(badBrady).toEqual([]);
    expect(badTachy).toEqual([]);
    expect(ofKind('bradycardia').flatMap(validDuring).some((m) => m.heartRate < 40)).toBe(true);
  });

  it('holds sustained episodes past their threshold for more than 10 minutes, and short spells under 10', () => {
    const high = complete('sustained-high');
    const low = complete('sustained-low');
    expect(high.flatMap(validDuring).filter((m) => m.heartRate < 126 || m.activity === 'exercise')).toEqual([]);
    expect(low.flatMap(validDuring).filter((m) => m.heartRate > 37 || m.activity === 'exercise')).toEqual([]);
    for (const e of [...high, ...low]) expect(e.end - e.start).toBeGreaterThanOrEqual(12 * MINUTE);
    // Every sustained episode is also logged as the simpler kind, over the same span.
    const key = (e: EpisodeRecord) => `${e.customerId}@${e.start}-${e.end}`;
    const simple = new Set([...ofKind('bradycardia'), ...ofKind('tachycardia')].map(key));
    for (const e of [...ofKind('sustained-high'), ...ofKind('sustained-low')]) expect(simple.has(key(e))).toBe(true);
    // The other bradycardia / tachycardia spells end before a sustained rule could fire.
    const sustained = new Set([...ofKind('sustained-high'), ...ofKind('sustained-low')].map(key));
    for (const e of [...ofKind('bradycardia'), ...ofKind('tachycardia')]) {
      if (!sustained.has(key(e))) expect(e.end - e.start).toBeLessThanOrEqual(8 * MINUTE);
    }
  });

  it('sends nothing during signal loss, so the device is silent for more than 60 s', () => {
    for (const e of complete('signal-loss')) {
      expect(during(e)).toEqual([]);
      const series = byCustomer.get(e.customerId)!;
      const before = series.filter((m) => m.eventTime < e.start).at(-1);
      const after = series.find((m) => m.eventTime >= e.end);
      if (before && after) expect(after.eventTime - before.eventTime).toBeGreaterThan(60_000);
    }
  });

  it('repeats one normal value during a flatline', () => {
    for (const e of complete('flatline')) {
      const values = new Set(validDuring(e).map((m) => `${m.heartRate}/${m.activity}`));
      expect(values.size).toBeLessThanOrEqual(1);
      expect(validDuring(e).length).toBeGreaterThanOrEqual(10);
    }
    // The frozen value is one of normal traffic, so no other rule has cause to fire.
    const frozen = ofKind('flatline').flatMap(validDuring);
    expect(frozen.filter((m) => m.heartRate < 54 || (m.activity !== 'exercise' && m.heartRate > 100))).toEqual([]);
  });

  it('keeps about anomalyShare of customers in a heart-rhythm episode and faultShare in a fault', () => {
    const share = (kinds: EpisodeKind[]) =>
      episodes.filter((e) => kinds.includes(e.kind)).reduce((sum, e) => sum + Math.min(e.end, START + DURATION) - e.start, 0) / (CUSTOMERS * DURATION);
    // bradycardia + tachycardia records cover every heart-rhythm episode exactly once.
    expect(share(['bradycardia', 'tachycardia'])).toBeGreaterThan(0.15);
    expect(share(['bradycardia', 'tachycardia'])).toBeLessThan(0.25);
    expect(share(['signal-loss', 'flatline'])).toBeGreaterThan(0.07);
    expect(share(['signal-loss', 'flatline'])).toBeLessThan(0.13);
  });

  it('injects nothing when both shares are 0', () => {
    const sim = createSimulator({ customers: 100, rate: 20, seed: 4, startMs: START, anomalyShare: 0, faultShare: 0 });
    const batch = sim.nextBatch(START + 2 * HOUR, 10_000_000);
    expect(sim.episodes).toEqual([]);
    expect(batch.length).toBe(2 * 3600 * 20 + 1);
  });
});

describe('episode log', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'episodes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the same records as JSON lines as it keeps in memory, in start order', () => {
    const file = path.join(dir, 'nested', 'episodes.jsonl');
    const sim = createSimulator({ customers: 100, rate: 20, seed: 9, startMs: START, anomalyShare: 0.3, faultShare: 0.1, episodeLog: file });
    sim.nextBatch(START + HOUR, 1_000_000);
    sim.close();
    expect(sim.episodes.length).toBeGreaterThan(20);
    expect(sim.episodeCount).toBe(sim.episodes.length);
    expect(parseEpisodeLog(readFileSync(file, 'utf8'))).toEqual(sim.episodes);
    const starts = sim.episodes.map((e) => e.start);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });
});
