// ensureKafka: uses brokers that answer, starts a local broker when none does (autoStart), and
// fails clearly after retrying when none answers and autoStart is off.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppError } from '../src/errors.js';
import { ensureKafka } from '../src/kafka/local-broker.js';
import { portAnswers } from '../src/kafka/probe.js';
import { freePortRange, javaProcessesUsing, memoryLogger, testConfig } from './support/kafka.js';

describe('ensureKafka', () => {
  it('uses the configured brokers when they answer and starts nothing', async () => {
    const config = testConfig();
    const { log, lines } = memoryLogger();
    const kafka = await ensureKafka(config, log);
    expect(kafka.startedLocally).toBe(false);
    expect(kafka.brokers).toEqual(config.kafka.brokers);
    expect(lines.some((l) => l.msg === 'Kafka answers at the configured brokers; no local broker started')).toBe(true);
    await kafka.stop();
    expect(await portAnswers(config.kafka.brokers[0]!)).toBe(true);
  });

  it('starts a local broker at the configured address when none answers, and stops it', async () => {
    const port = await freePortRange(2);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'heartbeat-kafka-ensure-'));
    try {
      const config = testConfig({ kafka: { brokers: [`127.0.0.1:${port}`], local: { autoStart: true, dataDir, heapMb: 256 } } });
      const { log } = memoryLogger('info');
      const kafka = await ensureKafka(config, log);
      expect(kafka.startedLocally).toBe(true);
      expect(kafka.brokers).toEqual([`127.0.0.1:${port}`]);
      expect(await portAnswers(kafka.brokers[0]!)).toBe(true);
      await kafka.stop();
      expect(await portAnswers(kafka.brokers[0]!)).toBe(false);
      expect(await javaProcessesUsing(dataDir)).toEqual([]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('fails with RETRIES_EXHAUSTED (cause CONNECTION_FAILED) when none answers and autoStart is off', async () => {
    const port = await freePortRange(1);
    const config = testConfig({
      kafka: { brokers: [`127.0.0.1:${port}`], local: { autoStart: false } },
      retry: { retries: 2, minDelayMs: 10, maxDelayMs: 20 },
    });
    const { log, lines } = memoryLogger();
    const error = (await ensureKafka(config, log).catch((err: unknown) => err)) as AppError;
    expect(error.code).toBe('RETRIES_EXHAUSTED');
    expect((error.cause as AppError).code).toBe('CONNECTION_FAILED');
    expect(lines.filter((l) => l.msg === 'attempt failed; retrying after backoff')).toHaveLength(2);
  });
});
