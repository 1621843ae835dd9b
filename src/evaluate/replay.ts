// The replay of `heartbeat evaluate`: streams a simulated span of event time through the pure core
// (processChunk with the loaded rules, no Kafka, no database) and keeps the anomalies, each with the
// event time at which it was emitted, plus the episodes the simulator says it injected.
import { processChunk } from '../core/process-chunk.js';
import type { Anomaly, RawMessage } from '../core/types.js';
import { RuleEngine, type EngineOptions } from '../rules/engine.js';
import type { LoadedPlugin } from '../rules/loader.js';
import { setImmediate } from 'node:timers/promises';
import { simulateSpan, type SpanOptions } from '../simulator/span.js';
import { TrafficProfile, type TrafficFigures } from './traffic-profile.js';
import type { EpisodeRecord } from '../simulator/types.js';

/** What to replay: the simulated span, and the rules with the engine settings the workers would use. */
export interface ReplayOptions {
  plugins: readonly LoadedPlugin[];
  engine: EngineOptions;
  /** The simulated span (startMs, durationMs, customers, seed, shares, intervalMs). */
  span: Omit<SpanOptions, 'batchSize' | 'episodeLog'>;
  /** Kafka partitions the customers are spread over, by key, as the topic would (default 12). */
  partitions?: number;
  /** receivedAt = event time + this (ms, default 50): the range validator judges age against it. */
  receiveDelayMs?: number;
  /** Called after each simulated batch with the newest event time replayed (progress output). */
  onProgress?: (eventTime: number) => void;
  /** Stops the replay between two simulated batches (it rejects with the signal's reason). */
  signal?: AbortSignal;
}

/**
 * An anomaly as a user would see it, merged by identity (customerId, rule, eventTime) as the store
 * upserts it, with `detectedAt`: the event time of the reading whose processing emitted its first
 * report. For a timer-driven report (signal-loss) that is the reading that moved the watermark past
 * the timer, i.e. when the alert would reach the user in a stream with no backlog.
 */
export interface Detection {
  customerId: string;
  rule: string;
  eventTime: number;
  detectedAt: number;
  episodeStart?: number;
  episodeEnd?: number;
}

/** Everything the scorer needs from a replay. */
export interface ReplayResult {
  startMs: number;
  endMs: number;
  customers: number;
  /** Messages replayed, and how many of them became rejects. */
  messages: number;
  rejects: number;
  /** In emission order. */
  detections: Detection[];
  /** Injected episodes, `end` clipped to the span. */
  episodes: EpisodeRecord[];
  /** What the simulated readings outside injected episodes look like (for the side-by-side with recordings). */
  traffic: TrafficFigures;
}

const TOPIC = 'evaluate';

/** A stable string hash (FNV-1a), so a customer always lands on the same partition. */
function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % partitions;
}

/**
 * Collects anomalies into `detections` as the store keeps them: one per identity (customerId, rule,
 * eventTime), an episode's later report (its end) completing the first. `detectedAt` is the event
 * time of the reading whose processing reported it first.
 */
export function detectionCollector(detections: Detection[]): (a: Anomaly, detectedAt: number) => void {
  const episodic = new Map<string, Detection>();
  return (a, detectedAt) => {
    if (a.episodeStart === undefined) {
      detections.push({ customerId: a.customerId, rule: a.rule, eventTime: a.eventTime, detectedAt });
      return;
    }
    const key = `${a.customerId}\u0000${a.rule}\u0000${a.eventTime}`;
    const known = episodic.get(key);
    if (known !== undefined) {
      if (a.episodeEnd !== undefined) known.episodeEnd = a.episodeEnd;
      return;
    }
    const d: Detection = { customerId: a.customerId, rule: a.rule, eventTime: a.eventTime, detectedAt, episodeStart: a.episodeStart };
    if (a.episodeEnd !== undefined) d.episodeEnd = a.episodeEnd;
    episodic.set(key, d);
    detections.push(d);
  };
}

/**
 * Replays the span. Each message is processed as a batch of its own, so every anomaly's emission
 * time is exact; the engine is committed after every simulated batch, as a worker commits after a
 * write. Between batches it yields to the event loop, so signals are handled during a long run.
 * Deterministic: the same options give the same result.
 */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const { plugins, span, partitions = 12, receiveDelayMs = 50, onProgress, signal } = options;
  const engine = new RuleEngine(plugins, options.engine);
  const endMs = span.startMs + span.durationMs;
  const partitionByKey = new Map<string, number>();
  const offsets = new Array<number>(partitions).fill(0);
  const detections: Detection[] = [];
  const episodes: EpisodeRecord[] = [];
  let messages = 0, rejects = 0;

  const keep = detectionCollector(detections);
  const traffic = new TrafficProfile();

  for (const batch of simulateSpan({ ...span, batchSize: 10_000 })) {
    for (const e of batch.episodes) episodes.push(e.end > endMs ? { ...e, end: endMs } : e);
    for (const m of batch.messages) {
      let partition = partitionByKey.get(m.key);
      if (partition === undefined) partitionByKey.set(m.key, (partition = partitionOf(m.key, partitions)));
      const raw: RawMessage = {
        value: m.value, key: null, topic: TOPIC, partition, offset: String(offsets[partition]!++), receivedAt: m.eventTime + receiveDelayMs,
      };
      const out = processChunk([raw], engine, raw.receivedAt);
      // Heart rates of everyday traffic only: injected episodes are there to be found, not part of
      // what people do; every message counts for the gaps between a device's messages.
      traffic.add(m.key, m.eventTime, m.kind === 'valid' && m.injected !== true ? m.heartRate : null);
      messages++;
      rejects += out.rejects.length;
      for (const a of out.anomalies) keep(a, m.eventTime);
    }
    engine.commit();
    const last = batch.messages.at(-1);
    if (last !== undefined) onProgress?.(last.eventTime);
    await setImmediate();
    signal?.throwIfAborted();
  }
  return { startMs: span.startMs, endMs, customers: span.customers ?? 1000, messages, rejects, detections, episodes, traffic: traffic.figures() };
}
