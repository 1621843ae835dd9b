// Throughput check of the pure core: `node --import tsx src/bench/core-throughput.ts [messages]`.
// Compares the hand-rolled shape check with the zod schema, then runs processChunk with the
// shipped plugins on a synthetic stream (1,000 customers, 12 partitions, 0.5 % malformed).
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { RuleEngine } from '../rules/engine.js';
import { loadPlugins } from '../rules/loader.js';
import { DEFAULT_DECODE_POLICY, checkReadingShape, decodeReading } from '../core/decode.js';
import { decodeReadingWithZod, readingMessageSchema } from '../core/message-schema.js';
import { processChunk } from '../core/process-chunk.js';
import type { RawMessage } from '../core/types.js';

const total = Number(process.argv[2] ?? 300_000);
const customers = 1000, partitions = 12, batchSize = 5000;
const start = Date.parse('2026-11-23T00:00:00Z');

function synthetic(): RawMessage[] {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const offsets = new Array<number>(partitions).fill(0);
  return Array.from({ length: total }, (_, i) => {
    const c = i % customers, partition = c % partitions;
    const t = start + Math.floor(i / customers) * 1000 + c;
    const bpm = c < 20 ? 130 + Math.floor(rand() * 10) : 60 + Math.floor(rand() * 30);
    const body = rand() < 0.005 ? `{"customer_id":"CUST-${c}","heart_rate":"${bpm}"}`
      : JSON.stringify({ customer_id: `CUST-${String(c).padStart(5, '0')}`, timestamp: new Date(t).toISOString(), heart_rate: bpm, device_id: `dev-${c}`, activity: 'rest' });
    return { value: Buffer.from(body), key: null, topic: 'heartbeats', partition, offset: String(offsets[partition]!++), receivedAt: t + 50 };
  });
}

function time(label: string, fn: () => void, count: number): number {
  fn(); // warm-up
  const t0 = performance.now();
  fn();
  const perSecond = count / ((performance.now() - t0) / 1000);
  console.log(`${label.padEnd(44)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)} /s`);
  return perSecond;
}

const messages = synthetic();
const schema = readingMessageSchema(DEFAULT_DECODE_POLICY);
let sink = 0;
const hand = time('decode, hand-rolled check', () => { for (const m of messages) sink += decodeReading(m.value, m.receivedAt, DEFAULT_DECODE_POLICY) ? 1 : 0; }, total);
const zod = time('decode, zod schema', () => { for (const m of messages) sink += decodeReadingWithZod(schema, m.value, m.receivedAt, DEFAULT_DECODE_POLICY) ? 1 : 0; }, total);
console.log(`hand-rolled / zod, whole decode: ${(hand / zod).toFixed(1)}x`);
const docs = messages.map((m) => JSON.parse(m.value!.toString('utf8')) as unknown);
const handShape = time('shape check only, hand-rolled', () => { for (const d of docs) sink += checkReadingShape(d, start) ? 1 : 0; }, total);
const zodShape = time('shape check only, zod safeParse', () => { for (const d of docs) sink += schema.safeParse(d).success ? 1 : 0; }, total);
console.log(`hand-rolled / zod, shape check only: ${(handShape / zodShape).toFixed(1)}x`);

const plugins = await loadPlugins(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../plugins'));
let rows = 0, anomalies = 0, rejects = 0;
time(`processChunk, ${plugins.length} shipped plugins, batches of ${batchSize}`, () => {
  const engine = new RuleEngine(plugins, { allowedLatenessMs: 30_000, maxClockSkewMs: 5_000, timeBudgetMs: 50, maxConsecutiveFailures: 5, decode: DEFAULT_DECODE_POLICY });
  rows = anomalies = rejects = 0;
  for (let i = 0; i < messages.length; i += batchSize) {
    const out = processChunk(messages.slice(i, i + batchSize), engine, Date.now());
    engine.commit();
    rows += out.rows.length; anomalies += out.anomalies.length; rejects += out.rejects.length;
  }
}, total);
console.log(`messages ${total}: rows ${rows}, anomalies ${anomalies}, rejects ${rejects} (${sink > 0 ? 'ok' : ''})`);
