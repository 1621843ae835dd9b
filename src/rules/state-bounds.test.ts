// Rule state is bounded: idle customers are forgotten after the rules' longest window (event
// time), customers with a timer pending are kept until it fires, and beyond the cap the least
// recently seen go. What is forgotten starts fresh; what is kept behaves as before.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_POLICY } from '../core/decode.js';
import { processChunk } from '../core/process-chunk.js';
import type { RawMessage } from '../core/types.js';
import { defineRule, stateful, z } from './index.js';
import { RuleEngine, type EngineOptions } from './engine.js';
import { instantiatePlugin } from './loader.js';

const T = Date.parse('2026-11-23T07:00:00Z');
const MINUTE = 60_000;

/** Counts each customer's readings; reports the count at every reading, so forgotten state shows as 1 again. */
const counter = defineRule({
  meta: { id: 'counter', kind: 'rule', version: '1', description: 'counts readings per customer', options: z.object({}), messages: { n: '{{n}}' } },
  create: () => stateful({
    initialState: 0,
    onReading(_reading, n, ctx) {
      ctx.report({ messageId: 'n', severity: 'info', data: { n: n + 1 } });
      return n + 1;
    },
  }),
});

/** Sets a timer an hour and a half after each reading; reports when it fires. */
const alarm = defineRule({
  meta: { id: 'alarm', kind: 'rule', version: '1', description: 'fires 90 minutes after a reading', options: z.object({}), messages: { fired: 'fired' } },
  create: () => stateful({
    initialState: null,
    keepStateMs: 10 * MINUTE,
    onReading(reading, _s, ctx) { ctx.setTimer(reading.eventTime + 90 * MINUTE); },
    onTimer(_s, ctx) { ctx.report({ messageId: 'fired', severity: 'info' }); },
  }),
});

let offset = 0;
const reading = (customer: string, t: number): RawMessage => ({
  value: Buffer.from(JSON.stringify({ customer_id: customer, timestamp: t, heart_rate: 70 })),
  key: null, topic: 't', partition: 0, offset: String(offset++), receivedAt: t,
});

function engineWith(plugins: Array<typeof counter | typeof alarm>, options: Partial<EngineOptions>) {
  return new RuleEngine(plugins.map((p) => instantiatePlugin(p, {}, p.meta.id)), {
    allowedLatenessMs: 0, maxClockSkewMs: 5_000, timeBudgetMs: 1000, maxConsecutiveFailures: 3, decode: DEFAULT_DECODE_POLICY, ...options,
  });
}

/** One chunk, committed; the worker's clock is just after the chunk's newest reading. */
function run(engine: RuleEngine, messages: RawMessage[]) {
  const now = Math.max(...messages.map((m) => Number(JSON.parse(m.value!.toString()).timestamp))) + 1;
  const out = processChunk(messages, engine, now);
  engine.commit();
  return out;
}

const counts = (out: ReturnType<typeof run>, customer: string) =>
  out.anomalies.filter((a) => a.customerId === customer && a.rule === 'counter').map((a) => a.detail.n);

describe('bounded rule state', () => {
  it('forgets a customer idle for longer than rules.stateIdleMs, and keeps one that is not', () => {
    const engine = engineWith([counter], { stateIdleMs: 60 * MINUTE });
    run(engine, [reading('idle', T), reading('busy', T)]);
    // Both are seen again within the hour: their counts go on.
    expect(counts(run(engine, [reading('idle', T + 30 * MINUTE), reading('busy', T + 30 * MINUTE)]), 'idle')).toEqual([2]);
    // 'busy' keeps sending; 'idle' is silent for 2 hours of event time.
    for (let m = 40; m <= 150; m += 10) run(engine, [reading('busy', T + m * MINUTE)]);
    expect(engine.stateCounts()).toMatchObject({ customers: 1, evictedIdle: 1, evictedCap: 0 });
    const back = run(engine, [reading('idle', T + 160 * MINUTE), reading('busy', T + 160 * MINUTE)]);
    expect(counts(back, 'idle')).toEqual([1]);
    expect(counts(back, 'busy')).toEqual([15]);
  });

  it('keeps an idle customer while a timer is pending, and the timer fires', () => {
    const engine = engineWith([alarm], { stateIdleMs: 60 * MINUTE });
    run(engine, [reading('sleeper', T)]);
    const fired: string[] = [];
    for (let m = 10; m <= 200; m += 10) {
      const out = run(engine, [reading('clock', T + m * MINUTE)]);
      fired.push(...out.anomalies.filter((a) => a.customerId === 'sleeper').map((a) => a.detail.messageId as string));
    }
    expect(fired).toEqual(['fired']);
  });

  it('beyond rules.maxCustomersInState forgets the least recently seen, and never fires their timers', () => {
    const engine = engineWith([counter, alarm], { stateIdleMs: 24 * 60 * MINUTE, maxCustomersInState: 1000 });
    for (let chunk = 0; chunk < 10; chunk += 1) {
      run(engine, Array.from({ length: 500 }, (_, i) => reading(`c-${chunk * 500 + i}`, T + chunk * 1000 + i)));
    }
    const { customers, evictedCap } = engine.stateCounts();
    expect(customers).toBeLessThanOrEqual(1000);
    expect(customers + evictedCap).toBe(5000);
    // The newest are kept (their counts go on), the oldest start again.
    const again = run(engine, [reading('c-4999', T + 20_000), reading('c-0', T + 20_001)]);
    expect(counts(again, 'c-4999')).toEqual([2]);
    expect(counts(again, 'c-0')).toEqual([1]);
    // Every alarm comes due: only the kept customers' fire (c-1's heap entry is dropped; c-0 came back).
    const late = run(engine, [reading('clock', T + 200 * MINUTE)]);
    const firedFor = new Set(late.anomalies.filter((a) => a.rule === 'alarm').map((a) => a.customerId));
    expect(firedFor.has('c-1')).toBe(false);
    expect(firedFor.has('c-0')).toBe(true);
    expect(firedFor.size).toBeGreaterThan(0);
    expect(firedFor.size).toBeLessThanOrEqual(1000);
  });

  it('a rule\'s longer window (keepStateMs) holds idle customers past rules.stateIdleMs', () => {
    const longWindow = defineRule({ ...counter, meta: { ...counter.meta, id: 'long-window' }, create: () => ({ ...counter.create({}) as object, keepStateMs: 3 * 60 * MINUTE }) as never });
    const engine = engineWith([longWindow as typeof counter], { stateIdleMs: 60 * MINUTE });
    run(engine, [reading('quiet', T)]);
    for (let m = 10; m <= 150; m += 10) run(engine, [reading('other', T + m * MINUTE)]);
    expect(engine.stateCounts().evictedIdle).toBe(0);
    for (let m = 160; m <= 240; m += 10) run(engine, [reading('other', T + m * MINUTE)]);
    expect(engine.stateCounts().evictedIdle).toBe(1);
  });

  it('without bounds (tests, evaluate) nothing is forgotten', () => {
    const engine = engineWith([counter], {});
    for (let chunk = 0; chunk < 4; chunk += 1) run(engine, Array.from({ length: 500 }, (_, i) => reading(`u-${chunk * 500 + i}`, T + chunk * 10 * 60 * MINUTE + i)));
    expect(engine.stateCounts()).toEqual({ customers: 2000, evictedIdle: 0, evictedCap: 0 });
  });
});
