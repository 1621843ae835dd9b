// One consumer worker thread: a member of the consumer group that turns each chunk of messages
// into rows, anomalies and rejects (the pure core), makes them durable, then lets the offset commit.
//
//   Kafka chunk ─► processChunk (decode, validate, rules) ─► durable output ─► commit
//
// The durable output (durable-output.ts) writes the chunks ready in one turn as one group (rows,
// dead-letter copies, alerts) and retries until they are durable (write-retry.ts); then the rule
// state commits per partition (engine.commit([partition])) and the consumer commits the offsets.
//
// A message the core throws on (a bug) becomes a processing_failed reject (isolate-failures.ts);
// one on which a plugin never returned, twice (the orchestrator's watchdog terminated the thread
// each time), is quarantined: the core rejects it as plugin_timeout:<id> without running plugins;
// any other exception rolls the partition's rule state back and the consumer retries the chunk
// after a backoff (chunk-consumer.ts handleChunk).
//
// A worker handles workers.concurrentPartitions partitions at once (one chunk each). Small chunks
// that are ready together (a fetch's, at moderate rates) are written as one group; a large one
// (a drain's) goes alone, so one partition's write overlaps the next one's processing.
//
// Until a group is durable the worker stops fetching, so memory stays bounded, and resumes by
// itself. Everything it counts goes to its metrics registry, posted to the orchestrator every
// second with its partitions.
import { threadId } from 'node:worker_threads';
import { quarantineKey } from '../core/process-chunk.js';
import type { RawMessage } from '../core/types.js';
import { createKafka } from '../kafka/client.js';
import { startChunkConsumer, type ChunkControl } from '../kafka/chunk-consumer.js';
import { createPublisher, type Publisher } from '../kafka/producer.js';
import { closeWorkerLogger, createWorkerLogger } from '../log.js';
import { totalsOf } from '../metrics/totals.js';
import { createWorkerMetrics } from '../metrics/worker-metrics.js';
import { CallBoard } from '../rules/call-board.js';
import { RuleEngine, engineOptionsFromConfig } from '../rules/engine.js';
import { loadPlugins } from '../rules/loader.js';
import type { StateCounts } from '../rules/partition-state.js';
import { createPool } from '../store/pool.js';
import { AlertPublisher } from './alerts.js';
import { DurableOutput, type ProcessedChunk } from './durable-output.js';
import { processIsolated } from './isolate-failures.js';
import type { FromWorker, ToWorker, WorkerTask } from './thread-messages.js';
import { TurnBatcher } from './turn-batcher.js';

const STATS_INTERVAL_MS = 1000;
/**
 * Chunks ready in the same turn are written together until they hold this many messages; a
 * larger chunk (a drain's) is written without waiting for the others.
 */
const GROUP_FLUSH_AT = 1000;

/** The task piscina runs: consumes until the orchestrator sends { type: 'stop' }. */
export default async function consumerThread(task: WorkerTask): Promise<void> {
  const { config, index, port } = task;
  const board = new CallBoard(task.board);
  board.claim(threadId);
  // Messages a plugin never returned on (see the orchestrator's watchdog): rejected, not processed.
  const quarantine = new Map<string, string>();
  const quarantineAll = (entries: WorkerTask['quarantine']) => { for (const e of entries) quarantine.set(quarantineKey(e.partition, e.offset), e.pluginId); };
  quarantineAll(task.quarantine);
  port.on('message', (msg: ToWorker) => { if (msg.type === 'quarantine') quarantineAll(msg.entries); });
  // The store and Kafka client name their own component; the worker's own lines say 'worker'.
  const threadLog = createWorkerLogger(config.log, { worker: index });
  const log = threadLog.child({ component: 'worker' });
  let partitions: number[] = [];
  let pool: Awaited<ReturnType<typeof createPool>> | undefined;
  let dlq: Publisher | undefined;
  let consumer: Awaited<ReturnType<typeof startChunkConsumer>> | undefined;
  const metrics = createWorkerMetrics();
  let stateCounts: (() => StateCounts) | undefined;
  const report = async () => {
    if (stateCounts !== undefined) metrics.recordState(stateCounts());
    const json = await metrics.registry.getMetricsAsJSON();
    port.postMessage({ type: 'stats', partitions, metrics: json } satisfies FromWorker);
    return json;
  };
  const timer = setInterval(() => void report(), STATS_INTERVAL_MS);
  try {
    const plugins = await loadPlugins(config.plugins.dir, config.plugins.settings);
    const engine = new RuleEngine(plugins, { ...engineOptionsFromConfig(config, (failure) => {
      metrics.pluginFailures.inc({ plugin: failure.pluginId });
      const entry = { plugin: failure.pluginId, kind: failure.kind, customer: failure.customerId, partition: failure.partition, offset: failure.offset, consecutive: failure.consecutive, durationMs: failure.durationMs, err: failure.error };
      if (failure.disabled) log.error(entry, 'plugin disabled after repeated failures');
      // Validators fail closed: the reading became a reject (validator_failed:<id>).
      else if (failure.readingRejected) log.warn(entry, 'validator failed; reading rejected');
      // A rule that threw is left out of that reading; one over its time budget finished, and its result stands.
      else log.warn(entry, failure.kind === 'slow' ? 'plugin over its time budget; its result was kept' : 'plugin failed; reading processed without it');
    }), board });
    stateCounts = () => engine.stateCounts();
    // Before any message: the watchdog names a stalled plugin from this list, and may have to while this thread is blocked.
    port.postMessage({ type: 'plugins', ids: engine.stats().map((p) => p.id) } satisfies FromWorker);
    pool = await createPool(config, threadLog, { max: config.database.poolSize });
    const kafka = createKafka(config, threadLog, `worker-${index}`);
    dlq = await createPublisher(kafka, config.kafka);
    const stopRequested = new Promise<void>((resolve) => port.on('message', (msg: ToWorker) => { if (msg.type === 'stop') resolve(); }));

    const output = new DurableOutput({
      pool, publisher: dlq, deadLetterTopic: config.kafka.topics.deadLetter, retry: config.retry, metrics, log,
      alerts: new AlertPublisher(pool, dlq, config.kafka.topics.alerts, config.alerts.cooldownMs),
    });
    // Resolves false when every chunk's partition was given up before the group was durable.
    const makeGroupDurable = async (group: ProcessedChunk[]): Promise<boolean> => {
      const published = await output.write(group);
      if (published === undefined) return false;
      for (const alert of published) port.postMessage({ type: 'alert', alert } satisfies FromWorker);
      return true;
    };
    const durableGroups = new TurnBatcher(makeGroupDurable, { flushAt: GROUP_FLUSH_AT, sizeOf: (c: ProcessedChunk) => c.messages.length });

    const onChunk = async (messages: RawMessage[], control: ChunkControl) => {
      const partition = messages[0]!.partition;
      try {
        const result = processIsolated(messages, engine, Date.now(), (err, m) => {
          log.error({ err, partition: m.partition, offset: m.offset }, 'processing a message failed; it is rejected as processing_failed');
        }, quarantine);
        if (!(await durableGroups.add({ messages, result, control }))) {
          // Its messages will be delivered again (here or to the partition's new owner).
          engine.rollback([partition]);
          log.info({ partition, offset: messages[0]!.offset, count: messages.length }, 'chunk abandoned uncommitted: partition revoked or worker stopping');
          return false;
        }
        engine.commit([partition]);
        return true;
      } catch (err) {
        // The consumer calls again with the same chunk after a backoff: it must find the rule
        // state as it was before this chunk.
        engine.rollback([partition]);
        throw err;
      }
    };

    consumer = await startChunkConsumer(kafka, {
      groupId: config.kafka.groupId,
      topic: config.kafka.topics.readings,
      chunkSize: config.workers.chunkSize,
      fetchWaitMs: config.workers.fetchWaitMs,
      // Safe because rule state commits and rolls back per partition (engine.commit([p])).
      concurrentPartitions: config.workers.concurrentPartitions,
      log: threadLog.child({ component: 'consumer' }),
      onChunk,
      retry: config.retry,
      onAssignment: (assigned) => {
        const revoked = partitions.filter((p) => !assigned.includes(p));
        if (revoked.length > 0) engine.revokePartitions(revoked);
        partitions = assigned;
      },
    });
    port.postMessage({ type: 'ready', threadId } satisfies FromWorker);
    log.info({ groupId: config.kafka.groupId }, 'worker consuming');
    const crashed = await Promise.race([stopRequested.then(() => undefined), consumer.crashed]);
    if (crashed !== undefined) throw crashed;
  } finally {
    clearInterval(timer);
    await consumer?.stop().catch((err: unknown) => log.error({ err }, 'consumer stop failed'));
    await dlq?.disconnect().catch((err: unknown) => log.error({ err }, 'dead-letter producer stop failed'));
    await pool?.end().catch((err: unknown) => log.error({ err }, 'pool close failed'));
    const json = await report();
    log.info({ ...totalsOf([json]), partitions }, 'worker stopped');
    closeWorkerLogger();
  }
}
