// Tests of processChunk with the shipped plugins: a mixed batch, hostile input that must never
// throw, duplicates, redelivery, rollback after a failed write, episode merging, timers and rebalance.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { RuleEngine, type EngineOptions } from '../rules/engine.js';
import { defineRule, z } from '../rules/index.js';
import { instantiatePlugin, loadPlugins, type LoadedPlugin } from '../rules/loader.js';
import range from '../../plugins/range.js';
import { HEART_RATE_MAX_BPM, HEART_RATE_MIN_BPM } from './input-policy.js';
import { NOT_STORABLE_REASON } from './table-limits.js';
import { DEFAULT_DECODE_POLICY } from './decode.js';
import { processChunk, quarantineKey } from './process-chunk.js';
import type { RawMessage } from './types.js';

const PLUGINS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../plugins');
const T = Date.parse('2026-11-23T07:00:00Z');
const S = 1000, MIN = 60_000, HOUR = 60 * MIN;
// The worker's clock while processing (processChunk's `now`): after every reading below was sent.
const NOW = T + HOUR;
const OPTIONS: EngineOptions = { allowedLatenessMs: 30_000, maxClockSkewMs: 5_000, timeBudgetMs: 1000, maxConsecutiveFailures: 5, decode: DEFAULT_DECODE_POLICY };

/** A point rule (one anomaly per reading below 50 bpm) next to the shipped ones, which all report episodes. */
const lowPoint = defineRule({
  meta: { id: 'low-point', kind: 'rule', version: '1.0.0', description: 'Each reading below 50 bpm.', options: z.object({}), messages: { low: 'low' } },
  create: () => (r, ctx) => { if (r.heartRate < 50) ctx.report({ messageId: 'low', severity: 'warning' }); },
});

let plugins: LoadedPlugin[];
beforeAll(async () => { plugins = [...await loadPlugins(PLUGINS), instantiatePlugin(lowPoint, {}, 'low-point')]; });
const engine = () => new RuleEngine(plugins, OPTIONS);

let nextOffset = 0;
function msg(value: unknown, extra: Partial<RawMessage> = {}): RawMessage {
  const buffer = value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return { value: buffer, key: null, topic: 'heartbeats', partition: 0, offset: String(nextOffset++), receivedAt: T + 10 * MIN, ...extra };
}
const reading = (customer: string, at: number, bpm: number, extra: Record<string, unknown> = {}) =>
  msg({ customer_id: customer, timestamp: new Date(at).toISOString(), heart_rate: bpm, ...extra }, { receivedAt: at });
/** Readings of a customer at rest (so that tachycardia judges a high rate without inferring activity). */
const run = (customer: string, from: number, stepMs: number, bpms: number[]) => bpms.map((b, i) => reading(customer, from + i * stepMs, b, { activity: 'rest' }));

describe('processChunk', () => {
  it('sorts a mixed batch into rows, anomalies and rejects with reasons', () => {
    const bad = msg('{"customer_id":"C-1","heart_rate":7');
    const out = processChunk([
      reading('C-1', T, 72), reading('C-2', T, 45), reading('C-3', T, 251), bad, msg(null), reading('C-4', T, 130, { activity: 'exercise' }),
    ], engine(), NOW);
    expect(out.rows.map((r) => [r.customerId, r.level, r.late])).toEqual([
      ['C-1', 'normal', false], ['C-2', 'low', false], ['C-4', 'elevated', false],
    ]);
    expect(out.anomalies.map((a) => [a.customerId, a.rule, a.severity])).toEqual([['C-2', 'low-point', 'warning']]);
    expect(out.rejects.map((r) => [r.reason, r.validator])).toEqual([
      ['heart_rate_out_of_range', 'range'], ['invalid_json', 'parse'], ['empty_message', 'parse'],
    ]);
    expect(out.rejects[1]!.raw.equals(bad.value!)).toBe(true);
    expect(out.rejects[1]).toMatchObject({ topic: 'heartbeats', partition: 0, offset: bad.offset });
  });

  it('never throws on hostile input, and accounts for every message', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const good = JSON.stringify({ customer_id: 'CUST-00042', timestamp: T, heart_rate: 72 });
    const messages: RawMessage[] = [];
    for (let i = 0; i < 3000; i++) {
      const kind = i % 3;
      if (kind === 0) messages.push(msg(Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)))));
      else if (kind === 1) messages.push(msg(good.slice(0, Math.floor(rand() * good.length))));
      else {
        const chars = [...good];
        chars[Math.floor(rand() * chars.length)] = String.fromCharCode(Math.floor(rand() * 0x3000));
        messages.push(msg(chars.join(''), { partition: i % 4 }));
      }
    }
    const out = processChunk(messages, engine(), NOW);
    expect(out.rows.length + out.rejects.length).toBe(messages.length);
    expect(out.rejects.filter((r) => !/^[a-z0-9_]+(:[a-z_]+)?$/.test(r.reason) || r.detail.length === 0).map((r) => [r.reason, r.detail])).toEqual([]);
  });

  it('stores a duplicate reading once and reports it once', () => {
    const out = processChunk([reading('C-1', T, 45), reading('C-1', T, 45), reading('C-1', T + S, 45)], engine(), NOW);
    expect(out.rows).toHaveLength(2);
    expect(out.anomalies.filter((a) => a.rule === 'low-point')).toHaveLength(2);
    expect(out.rejects.map((r) => [r.reason, r.validator])).toEqual([['duplicate', 'dedupe']]);
  });

  it('catches a duplicate that is not the customer\'s previous reading, in order or not, and in a redelivered batch', () => {
    // C-1 goes back in time: the copy of T (after T+2s) and of T+1s are duplicates, T-1s is new.
    // C-2 interleaves and is in order throughout.
    const batch = [
      reading('C-1', T, 72), reading('C-2', T, 72), reading('C-1', T + 2 * S, 72), reading('C-1', T, 72), reading('C-2', T + S, 72),
      reading('C-1', T + S, 72), reading('C-1', T - S, 72), reading('C-1', T + S, 72), reading('C-2', T, 72),
    ];
    const e = engine();
    const first = processChunk(batch, e, NOW);
    const outcome = (out: ReturnType<typeof processChunk>) => [
      out.rows.map((r) => `${r.customerId}@${(r.eventTime - T) / S}`),
      out.rejects.map((r) => `${r.offset}:${r.reason}`),
    ];
    expect(outcome(first)).toEqual([
      ['C-1@0', 'C-2@0', 'C-1@2', 'C-2@1', 'C-1@1', 'C-1@-1'],
      [`${batch[3]!.offset}:duplicate`, `${batch[7]!.offset}:duplicate`, `${batch[8]!.offset}:duplicate`],
    ]);
    // The same messages again (the write failed): the same outcome, duplicates within it included.
    e.rollback();
    expect(outcome(processChunk(batch, e, NOW))).toEqual(outcome(first));
  });

  it('catches a duplicate sent again in the next batch', () => {
    const e = engine();
    processChunk([reading('C-1', T, 72)], e, NOW);
    e.commit();
    expect(processChunk([reading('C-1', T, 72)], e, NOW).rejects.map((r) => r.reason)).toEqual(['duplicate']);
  });

  it('marks readings older than the watermark as late and still stores them', () => {
    const out = processChunk([reading('C-1', T + MIN, 72), reading('C-2', T + MIN - 31 * S, 72), reading('C-3', T + MIN - 30 * S, 72)], engine(), NOW);
    expect(out.rows.map((r) => r.late)).toEqual([false, true, false]);
  });

  it('merges an episode confirmed and ended in the same batch into one anomaly', () => {
    const out = processChunk([...run('C-1', T, 30 * S, Array(21).fill(130)), reading('C-1', T + 11 * MIN, 80)], engine(), NOW);
    expect(out.anomalies.filter((a) => a.rule === 'tachycardia')).toEqual([
      expect.objectContaining({ customerId: 'C-1', eventTime: T, episodeStart: T, episodeEnd: T + 10 * MIN }),
    ]);
  });

  it('raises signal loss inside the batch as other customers advance the watermark', () => {
    // A minute above 110 bpm at rest, then silence: the kind of silence signal-loss reports by default.
    const batch: RawMessage[] = [];
    for (let i = 0; i < 20; i++) batch.push(...(i < 7 ? [reading('A', T + i * 10 * S, 120, { activity: 'rest' })] : []), reading('B', T + i * 10 * S, 70));
    const out = processChunk(batch, engine(), NOW);
    expect(out.anomalies.filter((a) => a.rule === 'signal-loss')).toEqual([
      expect.objectContaining({ customerId: 'A', episodeStart: T + 60 * S }),
    ]);
  });

  it('gives a redelivered batch the same rows and no second episode', () => {
    const e = engine();
    const batch = [...run('C-1', T, 30 * S, Array(21).fill(130)), reading('C-2', T, 45)];
    const first = processChunk(batch, e, NOW);
    e.commit();
    const again = processChunk(batch, e, NOW);
    expect(again.rows.map((r) => r.eventTime)).toEqual(first.rows.map((r) => r.eventTime));
    expect(again.rejects).toEqual([]);
    // Point anomalies repeat identically (the store ignores them); the episode is not reported twice.
    expect(again.anomalies.filter((a) => a.rule === 'low-point')).toEqual(first.anomalies.filter((a) => a.rule === 'low-point'));
    expect(again.anomalies.filter((a) => a.rule === 'tachycardia')).toEqual([]);
    expect(first.anomalies.filter((a) => a.rule === 'tachycardia')).toHaveLength(1);
  });

  it('after a rollback (write failed) the redelivered batch gives exactly the first output', () => {
    const e = engine();
    processChunk(run('C-1', T, 30 * S, Array(10).fill(130)), e, NOW);
    e.commit();
    const batch = [...run('C-1', T + 5 * MIN, 30 * S, Array(11).fill(130)), reading('A', T + 5 * MIN, 70)];
    const first = processChunk(batch, e, NOW);
    e.rollback();
    const again = processChunk(batch, e, NOW);
    expect(again).toEqual(first);
    expect(first.anomalies.filter((a) => a.rule === 'tachycardia')).toHaveLength(1);
  });

  it('rolls back one partition while another, processed in between, stays committed', () => {
    // A worker writes several partitions' chunks at once: partition 0's write fails after
    // partition 1's chunk was processed and made durable.
    const e = engine();
    const onPartition = (partition: number, batch: RawMessage[]) => batch.map((m) => ({ ...m, partition }));
    processChunk(onPartition(0, run('P0', T, 30 * S, Array(10).fill(130))), e, NOW);
    processChunk(onPartition(1, run('P1', T, 30 * S, Array(10).fill(130))), e, NOW);
    e.commit();
    const chunk0 = onPartition(0, run('P0', T + 5 * MIN, 30 * S, Array(11).fill(130)));
    const chunk1 = onPartition(1, run('P1', T + 5 * MIN, 30 * S, Array(11).fill(130)));
    const first0 = processChunk(chunk0, e, NOW);
    const first1 = processChunk(chunk1, e, NOW);
    e.commit([1]);
    e.rollback([0]);
    // Partition 0's redelivery gives exactly its first output, episode included ...
    expect(processChunk(chunk0, e, NOW)).toEqual(first0);
    expect(first0.anomalies.filter((a) => a.rule === 'tachycardia')).toHaveLength(1);
    // ... and partition 1 kept its committed state: a redelivery there reports its episode once only.
    expect(first1.anomalies.filter((a) => a.rule === 'tachycardia')).toHaveLength(1);
    expect(processChunk(chunk1, e, NOW).anomalies.filter((a) => a.rule === 'tachycardia')).toEqual([]);
  });

  it('forgets revoked partitions: an episode in progress restarts its clock', () => {
    const e = engine();
    processChunk(run('C-1', T, 30 * S, Array(15).fill(130)), e, NOW);
    e.commit();
    e.revokePartitions([0]);
    const out = processChunk(run('C-1', T + 7.5 * MIN, 30 * S, Array(10).fill(130)), e, NOW);
    expect(out.anomalies.filter((a) => a.rule === 'tachycardia')).toEqual([]);
  });

  it('does not let one reading stamped an hour ahead (device and Kafka timestamp) make the others late', () => {
    // 50 customers stream every 10 s; HIGH stays above 110 bpm at rest, an episode once it lasts 10 min.
    // After 2 minutes one producer with its clock an hour fast sends a reading: its Kafka timestamp
    // is an hour ahead too, so only the worker's clock (now) tells it is in the future.
    const customers = Array.from({ length: 50 }, (_, i) => `C-${i}`);
    const tick = (from: number, to: number) => {
      const batch: RawMessage[] = [];
      for (let t = from; t < to; t += 10 * S) {
        for (const c of customers) batch.push(reading(c, t, 72));
        batch.push(reading('HIGH', t, 130, { activity: 'rest' }));
      }
      return batch;
    };
    const e = engine();
    processChunk(tick(T, T + 2 * MIN), e, T + 2 * MIN);
    const ahead = processChunk([reading('FAST-CLOCK', T + 2 * MIN + HOUR, 72)], e, T + 2 * MIN);
    expect(ahead.rows.map((r) => r.late)).toEqual([false]);
    const after = processChunk(tick(T + 2 * MIN, T + 12 * MIN), e, T + 12 * MIN);
    expect(after.rows.filter((r) => r.late)).toEqual([]);
    expect(after.anomalies.filter((a) => a.rule === 'signal-loss')).toEqual([]);
    expect(after.anomalies.filter((a) => a.rule === 'tachycardia').map((a) => [a.customerId, a.episodeStart])).toEqual([['HIGH', T]]);
  });

  it('never throws on times beyond the JS date range, in the reading or in the Kafka timestamp', () => {
    // Beyond 8.64e15 ms new Date(t).toISOString() throws: a duplicate's detail, a dead-letter header.
    const far = 9e15;
    const stampedFar = () => msg({ customer_id: 'C-1', timestamp: far, heart_rate: 72 }, { receivedAt: far });
    const out = processChunk([
      stampedFar(), stampedFar(), msg('{"customer_id":', { receivedAt: far }), msg({ customer_id: 'C-2', timestamp: T, heart_rate: 72 }, { receivedAt: far }),
    ], engine(), NOW);
    expect(out.rejects.map((r) => r.reason)).toEqual(['out_of_range:timestamp', 'out_of_range:timestamp', 'invalid_json']);
    // An impossible receive time is replaced by the worker's clock, like a missing one.
    expect(out.rejects.map((r) => r.receivedAt)).toEqual([NOW, NOW, NOW]);
    expect(out.rows.map((r) => [r.customerId, r.eventTime])).toEqual([['C-2', T]]);
  });

  it('uses `now` when a message has no receive time', () => {
    const out = processChunk([msg({ customer_id: 'C-1', timestamp: T + 10 * MIN, heart_rate: 72 }, { receivedAt: -1 })], engine(), T);
    expect(out.rejects.map((r) => r.reason)).toEqual(['timestamp_in_future']);
  });
});

describe('what the heartbeats table stores, enforced by the core', () => {
  const fractions = { ...OPTIONS, decode: { ...DEFAULT_DECODE_POLICY, wholeNumberHeartRate: false } };
  const widened = async () => [instantiatePlugin(range, { minBpm: 0, maxBpm: 400 }, 'range'), ...plugins.filter((p) => p.meta.id !== 'range')];

  it('a fraction accepted by input.wholeNumberHeartRate=false is stored rounded to whole bpm, and the plugins see it rounded', () => {
    const out = processChunk([reading('FR-1', T, 75.5), reading('FR-2', T, 75.4), reading('FR-3', T, 249.5)], new RuleEngine(plugins, fractions), T);
    expect(out.rows.map((r) => [r.customerId, r.heartRate])).toEqual([['FR-1', 76], ['FR-2', 75], ['FR-3', 250]]);
    expect(out.rejects).toEqual([]);
  });

  it('a heart rate outside the table\'s limits is a reject even when the range validator is wider or disabled', async () => {
    const values = [HEART_RATE_MIN_BPM - 1, HEART_RATE_MIN_BPM, HEART_RATE_MAX_BPM, HEART_RATE_MAX_BPM + 1, 300, 250.5];
    for (const loaded of [await widened(), plugins.filter((p) => p.meta.id !== 'range'), []]) {
      const out = processChunk(values.map((bpm, i) => reading(`LIM-${i}`, T, bpm)), new RuleEngine(loaded, fractions), T);
      expect(out.rows.map((r) => r.heartRate)).toEqual([HEART_RATE_MIN_BPM, HEART_RATE_MAX_BPM]);
      expect(out.rejects.map((r) => [r.reason, r.validator])).toEqual(Array(4).fill([NOT_STORABLE_REASON, 'table']));
    }
  });

  it('the range validator, when it refuses first, keeps its own reason', () => {
    const out = processChunk([reading('RNG-1', T, 300)], engine(), T);
    expect(out.rejects.map((r) => [r.reason, r.validator])).toEqual([['heart_rate_out_of_range', 'range']]);
  });

  it('rejects a quarantined message as plugin_timeout:<id> without running the plugins, and processes the rest', () => {
    const first = reading('QUA-1', T, 72), poison = reading('QUA-2', T, 45), after = reading('QUA-1', T + S, 73);
    const quarantine = new Map([[quarantineKey(poison.partition, poison.offset), 'spin-forever']]);
    const out = processChunk([first, poison, after], engine(), NOW, quarantine);
    expect(out.rows.map((r) => [r.customerId, r.heartRate])).toEqual([['QUA-1', 72], ['QUA-1', 73]]);
    expect(out.rejects.map((r) => [r.reason, r.validator, r.offset, r.raw.equals(poison.value!)])).toEqual([['plugin_timeout:spin-forever', 'spin-forever', poison.offset, true]]);
    // No plugin saw it: without the quarantine, low-point reports 45 bpm.
    expect(out.anomalies.filter((a) => a.customerId === 'QUA-2')).toEqual([]);
    expect(processChunk([first, poison, after], engine(), NOW).anomalies.filter((a) => a.customerId === 'QUA-2').map((a) => a.rule)).toContain('low-point');
  });
});
