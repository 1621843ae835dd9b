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
    for (const kind of ['bradycardia', 'tachycardia', 'signal-loss', 'flatline'] as const) {
      expect(ofKind(kind).length, kind).toBeGreaterThan(10);
    }
  });

  it('holds bradycardia under 50 and tachycardia over 110 for the whole episode, the wearer at rest or asleep', () => {
    const badBrady = ofKind('bradycardia').flatMap(validDuring).filter((m) => m.heartRate > 48 || (m.activity !== 'rest' && m.activity !== 'sleep'));
    const badTachy = ofKind('tachycardia').flatMap(validDuring).filter((m) => m.heartRate < 114 || (m.activity !== 'rest' && m.activity !== 'sleep'));
    expect(badBrady).toEqual([]);
    expect(badTachy).toEqual([]);
    expect(ofKind('bradycardia').flatMap(validDuring).some((m) => m.heartRate < 40)).toBe(true);
  });

  it('lasts 3 to 40 minutes, most episodes long enough for the rules\' 10-minute window', () => {
    const clinical = [...complete('bradycardia'), ...complete('tachycardia')];
    for (const e of clinical) {
      expect(e.end - e.start).toBeGreaterThanOrEqual(3 * MINUTE);
      expect(e.end - e.start).toBeLessThanOrEqual(40 * MINUTE);
    }
    const long = clinical.filter((e) => e.end - e.start >= 10 * MINUTE).length / clinical.length;
    expect(long).toBeGreaterThan(0.7);
    expect(long).toBeLessThan(0.9);
  });

  it('starts a tachycardia abruptly: its first reading jumps above the one before it', () => {
    const jumps = complete('tachycardia').flatMap((e) => {
      const series = (byCustomer.get(e.customerId) ?? []).filter((m) => m.kind === 'valid');
      const before = series.filter((m) => m.eventTime < e.start).at(-1);
      const first = validDuring(e)[0];
      return before && first && e.start - before.eventTime <= 15_000 ? [first.heartRate - before.heartRate] : [];
    });
    expect(jumps.length).toBeGreaterThan(10);
    // From a resting rate (at most about 100) to the episode's level (at least 114), mostly by far more.
    expect(Math.min(...jumps)).toBeGreaterThanOrEqual(10);
    expect([...jumps].sort((a, b) => a - b)[jumps.length >> 1]).toBeGreaterThanOrEqual(30);
  });

  it('sends nothing during signal loss, which follows a heart-rhythm episode, so the device is silent for more than 60 s', () => {
    const clinical = [...ofKind('bradycardia'), ...ofKind('tachycardia')];
    for (const e of complete('signal-loss')) {
      expect(during(e)).toEqual([]);
      // It starts on the device's first reading slot after the episode's end.
      const follows = clinical.some((c) => c.customerId === e.customerId && e.start >= c.end && e.start - c.end < 10_000);
      expect(follows, 'starts where a heart-rhythm episode ends').toBe(true);
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
    }
    expect(complete('flatline').filter((e) => validDuring(e).length >= 10).length).toBeGreaterThan(10);
    // The frozen value is one of normal traffic, so no other rule has cause to fire.
    const frozen = ofKind('flatline').flatMap(validDuring);
    expect(frozen.filter((m) => m.heartRate < 54 || (m.activity !== 'exercise' && m.heartRate > 100))).toEqual([]);
  });

  it('keeps about anomalyShare of customers in a heart-rhythm episode and faultShare in a flatline', () => {
    const share = (kinds: EpisodeKind[]) =>
      episodes.filter((e) => kinds.includes(e.kind)).reduce((sum, e) => sum + Math.min(e.end, START + DURATION) - e.start, 0) / (CUSTOMERS * DURATION);
    expect(share(['bradycardia', 'tachycardia'])).toBeGreaterThan(0.15);
    expect(share(['bradycardia', 'tachycardia'])).toBeLessThan(0.25);
    expect(share(['flatline'])).toBeGreaterThan(0.07);
    expect(share(['flatline'])).toBeLessThan(0.13);
  });

  it('records what each episode\'s device reports about movement, about half of them nothing', () => {
    const none = episodes.filter((e) => e.movement === 'none').length / episodes.length;
    expect(episodes.every((e) => e.movement === 'none' || e.movement === 'activity' || e.movement === 'steps')).toBe(true);
    expect(none).toBeGreaterThan(0.35);
    expect(none).toBeLessThan(0.65);
  });

  it('injects nothing when both shares are 0', () => {
    const sim = createSimulator({ customers: 100, rate: 20, seed: 4, startMs: START, anomalyShare: 0, faultShare: 0, devices: 'ideal' });
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
