// Tests of the traffic profile: shares beyond 110/50 bpm, gaps by class per customer-day (per
// customer, never across customers), means by part of the day, and the side-by-side text.
import { describe, expect, it } from 'vitest';
import { formatProfiles, TrafficProfile } from './traffic-profile.js';

const T = Date.parse('2026-11-23T00:00:00Z');
const S = 1000, MIN = 60 * S, HOUR = 60 * MIN;

describe('TrafficProfile', () => {
  it('counts shares beyond 110 and 50 bpm, gaps per customer by class, and means by part of the day', () => {
    const p = new TrafficProfile();
    // A: 5 s, 15 s, 2 min, 2 h apart; B, interleaved, every 10 s from T + 3 h (no gap with A counted).
    for (const [t, bpm] of [[T, 60], [T + 5 * S, 120], [T + 20 * S, 45], [T + 2 * MIN + 20 * S, 70], [T + 2 * HOUR + 2 * MIN + 20 * S, 80]] as const) p.add('A', t, bpm);
    for (let k = 0; k < 3; k++) p.add('B', T + 3 * HOUR + k * 10 * S, 100);
    p.add('B', T + 3 * HOUR + 40 * S, null); // a rejected message: a gap of 20 s, no heart rate
    const f = p.figures();
    expect(f.readings).toBe(8);
    expect(f.above110).toBe(1 / 8);
    expect(f.below50).toBe(1 / 8);
    expect(f.customerDays).toBe(2);
    expect(f.gapsPerCustomerDay).toEqual([4 / 2, 1 / 2, 1 / 2, 0, 1 / 2]);
    expect(f.meanBpmByDayPart).toEqual([(60 + 120 + 45 + 70 + 80 + 300) / 8, null, null, null]);
  });

  it('prints the simulator and the recordings side by side', () => {
    const a = new TrafficProfile(), b = new TrafficProfile();
    a.add('A', T, 120); a.add('A', T + 10 * S, 70);
    b.add('B', T + 13 * HOUR, 45);
    const text = formatProfiles(a.figures(), b.figures());
    expect(text).toMatch(/^readings above 110 bpm +50\.00 % +0\.00 %$/m);
    expect(text).toMatch(/^readings below 50 bpm +0\.00 % +100\.00 %$/m);
    expect(text).toMatch(/^gaps <= 15 s per customer-day +1\.00 +0\.00$/m);
    expect(text).toMatch(/^mean bpm 12-18 h +- +45\.0$/m);
  });
});
