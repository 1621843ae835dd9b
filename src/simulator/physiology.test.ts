// Customers behave like people: smooth heart rates, activity changes by day, sleep at night,
// and normal traffic clear of the rules' thresholds.
import { describe, expect, it } from 'vitest';
import { simulateSpan } from './span.js';
import type { EpisodeRecord, SimMessage } from './types.js';

const DAY_START = Date.UTC(2026, 10, 23, 0, 0);
const HOUR = 3_600_000;

interface Series { messages: SimMessage[]; episodes: EpisodeRecord[] }

function collect(options: { customers: number; durationMs: number; intervalMs: number; seed: number; anomalyShare?: number; devices?: 'consumer' | 'ideal' }): Series {
  const messages: SimMessage[] = [];
  const episodes: EpisodeRecord[] = [];
  for (const batch of simulateSpan({ startMs: DAY_START, malformedShare: 0, outOfRangeShare: 0, ...options })) {
    messages.push(...batch.messages);
    episodes.push(...batch.episodes);
  }
  return { messages, episodes };
}

/** A test of "is this reading inside one of its customer's episodes". */
function episodeIndex(episodes: EpisodeRecord[]): (m: SimMessage) => boolean {
  const byKey = new Map<string, EpisodeRecord[]>();
  for (const e of episodes) byKey.set(e.customerId, [...(byKey.get(e.customerId) ?? []), e]);
  return (m) => (byKey.get(m.key) ?? []).some((e) => m.eventTime >= e.start && m.eventTime < e.end);
}

const byCustomer = (messages: SimMessage[]) => {
  const map = new Map<string, SimMessage[]>();
  for (const m of messages) {
    const list = map.get(m.key) ?? [];
    list.push(m);
    map.set(m.key, list);
  }
  return map;
};

describe('simulated physiology', () => {
  // A whole day, one reading per customer per 30 s.
  const day = collect({ customers: 200, durationMs: 24 * HOUR, intervalMs: 30_000, seed: 11 });
  const hourOf = (m: SimMessage) => new Date(m.eventTime).getUTCHours();

  it('sleeps at night and is awake by day', () => {
    const asleepShare = (hour: number) => {
      const inHour = day.messages.filter((m) => hourOf(m) === hour);
      return inHour.filter((m) => m.activity === 'sleep').length / inHour.length;
    };
    expect(asleepShare(3)).toBeGreaterThan(0.95);
    expect(asleepShare(14)).toBe(0);
    expect(asleepShare(19)).toBe(0);
  });

  it('changes activity during the day: rests, walks and exercises', () => {
    const daytime = day.messages.filter((m) => hourOf(m) >= 9 && hourOf(m) < 21);
    for (const activity of ['rest', 'walk', 'exercise'] as const) {
      expect(daytime.filter((m) => m.activity === activity).length / daytime.length).toBeGreaterThan(0.03);
    }
    let changes = 0;
    for (const series of byCustomer(daytime).values()) {
      for (let k = 1; k < series.length; k++) if (series[k]!.activity !== series[k - 1]!.activity) changes++;
    }
    // Dwell times of minutes to an hour: several changes per customer over 12 hours.
    expect(changes / 200).toBeGreaterThan(10);
    expect(changes / 200).toBeLessThan(200);
  });

  it('keeps normal traffic clear of the thresholds: 54..100 bpm unless exercising', () => {
    const inEpisode = episodeIndex(day.episodes);
    const normal = day.messages.filter((m) => !inEpisode(m));
    expect(normal.length).toBeGreaterThan(day.messages.length * 0.9);
    const outside = normal.filter((m) => m.heartRate < 54 || (m.activity !== 'exercise' && m.heartRate > 100));
    expect(outside.map((m) => m.value.toString())).toEqual([]);
    const exercising = normal.filter((m) => m.activity === 'exercise').map((m) => m.heartRate);
    expect(Math.max(...exercising)).toBeGreaterThan(120);
  });

  it('moves the heart rate smoothly: bounded steps between consecutive 1-s readings outside episodes', () => {
    // Ideal devices: one reading a second, none missed, so consecutive readings are 1 s apart.
    const { messages, episodes } = collect({ customers: 20, durationMs: 8 * HOUR, intervalMs: 1000, seed: 12, devices: 'ideal' });
    const inEpisode = episodeIndex(episodes);
    let steps = 0;
    let largest = 0;
    let changed = 0;
    for (const series of byCustomer(messages).values()) {
      for (let k = 1; k < series.length; k++) {
        const [a, b] = [series[k - 1]!, series[k]!];
        if (inEpisode(a) || inEpisode(b)) continue;
        const step = Math.abs(b.heartRate - a.heartRate);
        largest = Math.max(largest, step);
        if (step > 0) changed++;
        steps++;
      }
    }
    expect(steps).toBeGreaterThan(100_000);
    // At most 1 bpm/s of physiology (0.4 up, 1 down) plus a little noise and rounding; never white noise.
    expect(largest).toBeLessThanOrEqual(6);
    expect(changed / steps).toBeGreaterThan(0.1);
  });
});
