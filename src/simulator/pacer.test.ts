// The pacer keeps the configured rate on a clock, without drift and without real waiting.
import { describe, expect, it } from 'vitest';
import { pace, type PacerClock } from './pacer.js';
import { createSimulator } from './simulator.js';

const START = Date.UTC(2026, 10, 23, 12, 0);

/** A clock that only moves when slept on (plus an optional cost per batch, like a slow send). */
function fakeClock(start: number) {
  let now = start;
  const clock: PacerClock & { advance(ms: number): void } = {
    now: () => now,
    sleep: async (ms) => { now += ms; },
    advance: (ms) => { now += ms; },
  };
  return clock;
}

async function countUntil(rate: number, elapsedMs: number, sendCostMs: number, maxBatch = 5000) {
  const sim = createSimulator({ customers: 1000, rate, seed: 2, startMs: START, faultShare: 0, devices: 'ideal' });
  const clock = fakeClock(START);
  let count = 0;
  let batches = 0;
  for await (const batch of pace(sim, { clock, maxBatch })) {
    // Never ahead of the clock: a reading comes out once its time has come.
    expect(batch.at(-1)!.eventTime).toBeLessThanOrEqual(clock.now());
    if (batch.at(-1)!.eventTime >= START + elapsedMs) {
      count += batch.filter((m) => m.eventTime < START + elapsedMs).length;
      break;
    }
    count += batch.length;
    batches++;
    expect(batch.length).toBeLessThanOrEqual(maxBatch);
    clock.advance(sendCostMs);
  }
  return { count, batches, now: clock.now() };
}

describe('pace', () => {
  it('yields rate readings per second of clock time', async () => {
    const { count } = await countUntil(1000, 10_000, 0);
    expect(count).toBe(10_000);
  });

  it('does not drift when each send takes time: the backlog comes out in full batches', async () => {
    const { count, now } = await countUntil(20_000, 30_000, 40, 500);
    expect(count).toBe(600_000);
    // 40 ms per 500-reading send is slower than 20,000/s: the loop ran behind, never ahead.
    expect(now).toBeGreaterThan(START + 30_000);
  });

  it('stops when its signal is aborted', async () => {
    const sim = createSimulator({ customers: 10, rate: 100, seed: 1, startMs: START, devices: 'ideal' });
    const clock = fakeClock(START);
    const controller = new AbortController();
    let batches = 0;
    for await (const _batch of pace(sim, { clock, signal: controller.signal })) {
      if (++batches === 3) controller.abort();
    }
    expect(batches).toBe(3);
  });
});
