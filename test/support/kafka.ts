// Kafka for the test suite: the broker the global setup hands out, unique topic and group names,
// a config pointing at that broker, and checks that no broker process was left behind.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { inject } from 'vitest';
import { loadConfig, loadConfigWithSources, type AppConfig } from '../../src/config.js';
import { createBootLogger, type Logger } from '../../src/log.js';
import { kafkaCacheDir } from '../../src/kafka/artifacts.js';
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from '../../src/kafka/local-cluster.js';
import { firstAnswering } from '../../src/kafka/probe.js';
import { freePortRange } from './ports.js';

/** The brokers a test run uses; stop() releases what startTestKafka started. */
export interface TestKafka {
  brokers: string[];
  stop(): Promise<void>;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

export { freePortRange };

/** Nodes of a throw-away cluster, and its first broker port (default: free ports); controllers follow the brokers. */
export interface TempClusterChoice {
  nodes?: number;
  basePort?: number;
}

/** Options for a throw-away local cluster: free ports, a fresh temp data dir, the configured release. */
export async function tempClusterOptions(log: Logger, { nodes = 1, basePort }: TempClusterChoice = {}): Promise<LocalClusterOptions> {
  const { local } = loadConfig().kafka;
  const base = basePort ?? (await freePortRange(2 * nodes));
  return {
    nodes, basePort: base, controllerBasePort: base + nodes, host: '127.0.0.1',
    dataDir: await mkdtemp(path.join(os.tmpdir(), 'heartbeat-kafka-')),
    version: local.version, cacheDir: kafkaCacheDir(local.cacheDir), heapMb: Math.min(local.heapMb, 384),
    startTimeoutMs: local.startTimeoutMs, log,
  };
}

/** Starts a throw-away local cluster; stop() also removes its data dir. */
export async function startTempCluster(log: Logger, choice: TempClusterChoice = {}): Promise<LocalCluster & { dataDir: string; options: LocalClusterOptions }> {
  const options = await tempClusterOptions(log, choice);
  const cluster = await startLocalCluster(options).catch(async (err: unknown) => {
    await rm(options.dataDir, { recursive: true, force: true });
    throw err;
  });
  return {
    ...cluster,
    dataDir: options.dataDir,
    options,
    async stop() {
      await cluster.stop();
      await rm(options.dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * For the global setup: KAFKA_BROKERS when set and answering; else a broker answering at
 * 127.0.0.1:9092; else a local broker on free ports with its data in a temp dir, removed on stop.
 */
export async function startTestKafka(): Promise<TestKafka> {
  const log = createBootLogger('info');
  const { config, sources } = loadConfigWithSources();
  if (sources['kafka.brokers'] === 'env') {
    if ((await firstAnswering(config.kafka.brokers)) !== undefined) return { brokers: [...config.kafka.brokers], stop: async () => undefined };
    log.warn({ brokers: config.kafka.brokers }, 'KAFKA_BROKERS does not answer; looking for another broker');
  }
  if ((await firstAnswering(['127.0.0.1:9092'])) !== undefined) return { brokers: ['127.0.0.1:9092'], stop: async () => undefined };
  const cluster = await startTempCluster(log);
  return { brokers: cluster.brokers, stop: () => cluster.stop() };
}

function suffix(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A topic name no other test uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${suffix()}`;
}

/** A consumer group id no other test uses. */
export function uniqueGroup(prefix: string): string {
  return `${prefix}-${suffix()}`;
}

function merge<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof over !== 'object' || over === null || Array.isArray(over)) return over as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
  return out as T;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The loaded config with the test run's brokers and the given overrides (frozen, like the app's). */
export function testConfig(overrides: DeepPartial<AppConfig> = {}): AppConfig {
  const base = loadConfig();
  const withBrokers = merge(base, { kafka: { brokers: inject('kafkaBrokers') } });
  return deepFreeze(merge(withBrokers, overrides));
}

/** A parsed log line. */
export type LogRecord = Record<string, unknown> & { msg?: string; level?: number };

/** A logger that keeps its JSON lines in memory, for asserting on what was logged. */
export interface MemoryLogger {
  log: Logger;
  lines: LogRecord[];
  /** Resolves with the first line (already logged or to come) that matches. */
  waitFor(match: (line: LogRecord) => boolean): Promise<LogRecord>;
}

/** See MemoryLogger. */
export function memoryLogger(level: pino.Level = 'debug'): MemoryLogger {
  const lines: LogRecord[] = [];
  const events = new EventEmitter();
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split('\n')) {
        if (text === '') continue;
        const line = JSON.parse(text) as LogRecord;
        lines.push(line);
        events.emit('line', line);
      }
      done();
    },
  });
  return {
    log: pino({ level }, stream),
    lines,
    waitFor(match) {
      const found = lines.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => {
        const listener = (line: LogRecord) => {
          if (!match(line)) return;
          events.off('line', listener);
          resolve(line);
        };
        events.on('line', listener);
      });
    },
  };
}

/** Pids of java processes whose command line mentions `dir` (a broker's data dir). */
export async function javaProcessesUsing(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = await readFile(`/proc/${entry}/cmdline`, 'utf8').then((s) => s.split('\0'), () => []);
    if (args[0] !== undefined && path.basename(args[0]) === 'java' && args.some((a) => a.includes(dir))) pids.push(Number(entry));
  }
  return pids;
}
