// Pass 2 on a fake clock: the shift lands the newest reading on now with gaps kept, pacing follows
// event time, fractional heart rates are rounded, readings past the maximum age are not sent, and
// merged files come out in event-time order.
import { describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../kafka/producer.js';
import type { PacerClock } from '../simulator/pacer.js';
import { mergeByTime } from './merge.js';
import { planReplay } from './plan.js';
import { publishReadings } from './publish.js';
import type { ParsedReading } from './types.js';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0, 250);
const T = Date.UTC(2016, 3, 12, 11, 0);

function fakeClock(start: number): PacerClock {
  let now = start;
  return { now: () => now, sleep: async (ms) => { now += ms; } };
}

async function* from(readings: ParsedReading[]): AsyncGenerator<ParsedReading> {
  yield* readings;
}

const decode = (m: OutboundMessage) => JSON.parse(String(m.value)) as { customer_id: string; timestamp: string; heart_rate: number };

async function run(readings: ParsedReading[], speed: number, maxAgeMs: number | null = null) {
  const clock = fakeClock(NOW);
  const sent: Array<{ at: number; key: string; body: ReturnType<typeof decode> }> = [];
  const plan = planReplay(Math.min(...readings.map((r) => r.timeMs)), Math.max(...readings.map((r) => r.timeMs)), clock.now(), speed);
  const result = await publishReadings(from(readings), {
    plan, maxAgeMs, clock,
    send: async (messages) => { for (const m of messages) sent.push({ at: clock.now(), key: String(m.key), body: decode(m) }); },
  });
  return { plan, result, sent };
}

describe('publishReadings', () => {
  const readings: ParsedReading[] = [
    { customerId: 'a', timeMs: T, heartRate: 60 },
    { customerId: 'a', timeMs: T + 5_000, heartRate: 72.5 },
    { customerId: 'b', timeMs: T + 3_600_000, heartRate: 71.4 },
  ];

  it('unpaced: the newest is stamped now (to the whole second), gaps and order kept, rates rounded', async () => {
    const { result, sent } = await run(readings, Number.POSITIVE_INFINITY);
    const times = sent.map((s) => Date.parse(s.body.timestamp));
    expect(NOW - times[2]!).toBeGreaterThanOrEqual(0);
    expect(NOW - times[2]!).toBeLessThan(1000);
    expect([times[1]! - times[0]!, times[2]! - times[1]!]).toEqual([5_000, 3_595_000]);
    expect(sent.map((s) => [s.key, s.body.customer_id, s.body.heart_rate])).toEqual([['a', 'a', 60], ['a', 'a', 73], ['b', 'b', 71]]);
    expect(result).toMatchObject({ sent: 3, rounded: 2, tooOld: 0, customers: 2 });
  });

  it('paced at 10x: each reading is sent a tenth of its recorded gap after the one before, never stamped after it is sent', async () => {
    const { sent } = await run(readings, 10);
    expect(sent.map((s) => s.at - NOW)).toEqual([0, 500, 360_000]);
    for (const s of sent) expect(Date.parse(s.body.timestamp)).toBeLessThanOrEqual(s.at);
    // The newest is stamped the moment it falls due.
    expect(sent[2]!.at - Date.parse(sent[2]!.body.timestamp)).toBeLessThan(1000);
  });

  it('skips what would be older than the maximum age when sent, and sends the rest', async () => {
    const { result, sent } = await run(readings, Number.POSITIVE_INFINITY, 30 * 60_000);
    expect(sent.map((s) => s.key)).toEqual(['b']);
    expect(result).toMatchObject({ sent: 1, tooOld: 2 });
  });
});

describe('mergeByTime', () => {
  it('interleaves streams by event time, each keeping its own order', async () => {
    const a = from([{ customerId: 'a', timeMs: 1, heartRate: 60 }, { customerId: 'a', timeMs: 5, heartRate: 60 }, { customerId: 'a', timeMs: 4, heartRate: 60 }]);
    const b = from([{ customerId: 'b', timeMs: 2, heartRate: 60 }, { customerId: 'b', timeMs: 6, heartRate: 60 }]);
    const out: string[] = [];
    for await (const r of mergeByTime([a, b])) out.push(`${r.customerId}${r.timeMs}`);
    expect(out).toEqual(['a1', 'b2', 'a5', 'a4', 'b6']);
  });
});
