// One consumer worker thread: a member of the consumer group that turns each chunk of messages
// into rows, anomalies and rejects (the pure core), makes them durable, then lets the offset commit.
//
//   Kafka chunk ─► processBatch (parse, validate, rules) ─► group of the chunks ready this turn
//     group ─┬► writeIsolating (one statement, idempotent; split only when the table refuses rows)
//            └► dead-letter copies of the rejects
//     both durable ─► dead-letter copies of the readings the table refused, if any
//                 ─► alerts of new anomalies (cool-down)
//     all durable ─► engine.commit([partition]) and offset committed, for each chunk of the group
//
// A message the core throws on (a bug) becomes a processing_failed reject (isolate-failures.ts);
// one on which a plugin never returned, twice (the orchestrator's watchdog terminated the thread
// each time), is quarantined: the core rejects it as plugin_timeout:<id> without running plugins;
// any other exception rolls the partition's rule state back and the consumer retries the chunk
// after a backoff (batch-consumer.ts handleChunk).
//
// A worker handles workers.concurrentPartitions partitions at once (one chunk each). Small chunks
// that are ready together (a fetch's, at moderate rates) are written as one group; a large one
// (a drain's) goes alone, so one partition's write overlaps the next one's processing. Rule state
// commits per partition.
//
// Until a group is durable it is retried with backoff (PostgreSQL or the broker away): the
// worker stops fetching meanwhile, so memory stays bounded, and resumes by itself. A write error
// that is the rows' fault (a data or constraint error) is not retried: the rows responsible
// become rejects (store_rejected:<sqlstate>) and the rest is stored (src/store/isolating-writer.ts).
import { threadId } from 'node:worker_threads';
import { quarantineKey, receiveTime } from '../core/process-batch.js';
import { rejectOf } from '../core/reject.js';
import type { BatchResult, ReadingRow, Reject } from '../core/types.js';
import type { StoreWriteError } from '../errors.js';
import { createKafka } from '../kafka/client.js';
import { startBatchConsumer, waitHeartbeating, type ChunkControl, type InboundMessage } from '../kafka/batch-consumer.js';
import { createPublisher, type Publisher } from '../kafka/producer.js';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../kafka/topics.js';
import { closeWorkerLogger, createWorkerLogger, type Logger } from '../log.js';
import { backoffDelay } from '../retry.js';
import { CallBoard } from '../rules/call-board.js';
import { RuleEngine, engineOptionsFromConfig } from '../rules/engine.js';
import { loadPlugins } from '../rules/loader.js';
import type { StateCounts } from '../rules/partition-state.js';
import { writeIsolating, type IsolatedWrite } from '../store/isolating-writer.js';
import { storeRejectReason } from '../store/write-errors.js';
import { createPool } from '../store/pool.js';
import { createWorkerMetrics, type WorkerMetrics } from '../metrics/worker-metrics.js';
import { AlertPublisher, type Alert } from './alerts.js';
import { processIsolated } from './isolate-failures.js';
import type { FromWorker, ToWorker, WorkerStats, WorkerTask } from './thread-messages.js';
import { TurnBatcher } from './turn-batcher.js';

const STATS_INTERVAL_MS = 1000;
/**
 * Chunks ready in the same turn are written together until they hold this many messages; a
 * larger chunk (a drain's) is written without waiting for the others.
 */
const GROUP_FLUSH_AT = 1000;
/**
 * Largest value copied whole to the dead-letter topic. Anything the readings topic accepted fits
 * (the app creates the dead-letter topic with 64 KiB of headroom for the headers). A bigger value,
 * possible only where an operator raised the readings topic's limit, would be refused by the
 * broker forever and block its partition: its copy keeps the first bytes and says so in a header;
 * rejected_readings keeps every byte.
 */
const DEAD_LETTER_MAX_VALUE = KAFKA_DEFAULT_MAX_MESSAGE_BYTES;

/**
 * The Kafka keys of a chunk's rejected messages, by offset (a chunk is one partition's). Only the
 * rejects' are looked up: a key string per message of every chunk was 3 % of a worker's
 * allocations in a drain, and at 1 % bad input nearly every chunk has a reject.
 */
function rejectKeys(messages: readonly InboundMessage[], rejects: readonly Reject[]): Map<string, Buffer | null> {
  const keys = new Map<string, Buffer | null>();
  if (rejects.length === 0) return keys;
  const wanted = new Set(rejects.map((r) => r.offset));
  for (const m of messages) if (wanted.has(m.offset)) keys.set(m.offset, m.key);
  return keys;
}

/** Dead-letter copy of a reject: the original bytes, the reason and the origin in headers. */
function deadLetters(rejects: readonly Reject[], keys: Map<string, Buffer | null>) {
  return rejects.map((r) => ({
    key: keys.get(r.offset) ?? null,
    value: r.raw.length > DEAD_LETTER_MAX_VALUE ? r.raw.subarray(0, DEAD_LETTER_MAX_VALUE) : r.raw,
    headers: {
      ...(r.raw.length > DEAD_LETTER_MAX_VALUE ? { 'x-truncated-from-bytes': String(r.raw.length) } : {}),
      'x-reject-reason': r.reason,
      'x-reject-detail': r.detail.slice(0, 1000),
      'x-reject-validator': r.validator,
      'x-source-topic': r.topic,
      'x-source-partition': String(r.partition),
      'x-source-offset': r.offset,
      'x-received-at': new Date(r.receivedAt).toISOString(),
    },
  }));
}

/** Makes one chunk's output durable, retrying with backoff until it is, or the chunk is abandoned. */
async function makeDurable(write: () => Promise<void>, control: ChunkControl, task: WorkerTask, log: Logger): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await write();
      return true;
    } catch (err) {
      if (control.shouldAbandon()) return false;
      const delayMs = backoffDelay(task.config.retry, Math.min(attempt, 12));
      log.warn({ err, attempt, delayMs }, 'chunk not durable yet; retrying after backoff');
      // Keep the group membership while we wait, so the partition is not moved for nothing.
      if (!(await waitHeartbeating(delayMs, control))) return false;
    }
  }
}

/** Counts a durable write (one chunk, or a group of them) in the thread's metrics: sizes, outcomes, write and end-to-end latency. */
function observeWrite(metrics: WorkerMetrics, size: number, result: BatchResult, stored: number, writeMs: number): void {
  const now = Date.now();
  metrics.consumed.inc(size);
  metrics.stored.inc(stored);
  metrics.batchSize.observe(size);
  metrics.writeLatency.observe(writeMs / 1000);
  for (const r of result.rejects) metrics.rejected.inc({ reason: r.reason });
  for (const a of result.anomalies) metrics.anomalies.inc({ rule: a.rule });
  for (const row of result.rows) metrics.endToEnd.observe(Math.max(0, now - row.eventTime) / 1000);
}

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
  const stats: WorkerStats = { consumed: 0, stored: 0, rejected: 0, anomalies: 0, batches: 0, pluginFailures: 0, partitions: [] };
  let pool: Awaited<ReturnType<typeof createPool>> | undefined;
  let dlq: Publisher | undefined;
  let consumer: Awaited<ReturnType<typeof startBatchConsumer>> | undefined;
  const metrics = createWorkerMetrics();
  let stateCounts: (() => StateCounts) | undefined;
  const report = async () => {
    if (stateCounts !== undefined) metrics.recordState(stateCounts());
    port.postMessage({ type: 'stats', stats, metrics: await metrics.registry.getMetricsAsJSON() } satisfies FromWorker);
  };
  const timer = setInterval(() => void report(), STATS_INTERVAL_MS);
  try {
    const plugins = await loadPlugins(config.plugins.dir, config.plugins.settings);
    const engine = new RuleEngine(plugins, { ...engineOptionsFromConfig(config, (failure) => {
      stats.pluginFailures += 1;
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
    const alerts = new AlertPublisher(pool, dlq, config.kafka.topics.alerts, config.alerts.cooldownMs);
    const stopRequested = new Promise<void>((resolve) => port.on('message', (msg: ToWorker) => { if (msg.type === 'stop') resolve(); }));

    /** One partition's chunk, processed, waiting to be made durable with the others of its turn. */
    type Processed = { messages: InboundMessage[]; result: BatchResult; control: ChunkControl };

    // Makes a group of processed chunks durable together: one statement, one dead-letter send,
    // one alerts pass. Resolves false when every chunk's partition was given up (revoked, or
    // the worker stopping) before that happened.
    const makeGroupDurable = async (group: Processed[]): Promise<boolean> => {
      const result: BatchResult = group.length === 1 ? group[0]!.result : {
        rows: group.flatMap((c) => c.result.rows),
        anomalies: group.flatMap((c) => c.result.anomalies),
        rejects: group.flatMap((c) => c.result.rejects),
      };
      const letters = group.flatMap((c) => deadLetters(c.result.rejects, rejectKeys(c.messages, c.result.rejects)));
      const chunkOf = (partition: number) => group.filter((c) => c.messages[0]!.partition === partition);
      // A reading the table refused, as a reject with its message's bytes (rare: only after a data error).
      const refuse = (row: ReadingRow, error: StoreWriteError): Reject => {
        const m = chunkOf(row.partition).flatMap((c) => c.messages).find((x) => x.offset === row.offset)!;
        const cause = error.cause instanceof Error ? error.cause.message : error.message;
        return rejectOf({ ...m, receivedAt: receiveTime(m, Date.now()) }, storeRejectReason(error), `PostgreSQL refused the reading: ${cause}`, 'store');
      };
      // A partition given up meanwhile keeps the rest going: its rows are written anyway
      // (idempotently), but its offset is not committed, so its new owner writes them again.
      const control: ChunkControl = {
        shouldAbandon: () => group.every((c) => c.control.shouldAbandon()),
        heartbeat: () => group[0]!.control.heartbeat(),
      };
      const started = performance.now();
      let written: IsolatedWrite | undefined;
      let deadLettered = false;
      let refusedLettered = false;
      let published: Alert[] = [];
      let suppressed = 0;
      const durable = await makeDurable(async () => {
        // Only after the rejects are in PostgreSQL AND on the dead-letter topic may the offset move.
        // The two go at once (round trips overlapped, not added), and a retry repeats only the
        // step that failed: no second dead-letter copy per retry while PostgreSQL is away.
        const steps = await Promise.allSettled([
          written ?? writeIsolating(pool!, result, refuse).then((w) => (written = w)),
          deadLettered || dlq!.send(config.kafka.topics.deadLetter, letters).then(() => (deadLettered = true)),
        ]);
        for (const step of steps) if (step.status === 'rejected') throw step.reason;
        const { refused } = written!;
        if (refused.length > 0 && !refusedLettered) {
          const copies = group.flatMap((c) => {
            const own = refused.filter((r) => r.partition === c.messages[0]!.partition);
            return deadLetters(own, rejectKeys(c.messages, own));
          });
          await dlq!.send(config.kafka.topics.deadLetter, copies);
          refusedLettered = true;
        }
        // Alerts after the rows (they read the stored anomalies' state), at least once: new
        // anomalies are published before the offset commits.
        ({ published, suppressed } = await alerts.run(written!.stored.anomalies));
      }, control, task, log.child({ partitions: group.map((c) => c.messages[0]!.partition), offsets: group.map((c) => c.messages[0]!.offset) }));
      if (!durable) return false;
      const { stored, refused, dropped, counts } = written!;
      for (const r of refused) log.warn({ partition: r.partition, offset: r.offset, reason: r.reason, detail: r.detail }, 'reading refused by the database; rejected');
      for (const d of dropped) {
        log.error({ sqlstate: d.error.sqlstate, err: d.error, rule: d.anomaly?.rule, customer: d.anomaly?.customerId, partition: d.reject?.partition, offset: d.reject?.offset },
          d.anomaly === undefined ? 'reject refused by the database; kept on the dead-letter topic only' : 'anomaly refused by the database; dropped');
      }
      // Every reject counts, stored or (when the table refused even that) on the dead-letter topic only.
      const outcome: BatchResult = { rows: stored.rows, anomalies: stored.anomalies, rejects: refused.length === 0 ? result.rejects : [...result.rejects, ...refused] };
      const consumed = group.reduce((n, c) => n + c.messages.length, 0);
      stats.consumed += consumed;
      stats.stored += outcome.rows.length;
      stats.rejected += outcome.rejects.length;
      stats.anomalies += outcome.anomalies.length;
      stats.batches += 1;
      observeWrite(metrics, consumed, outcome, counts.readings, performance.now() - started);
      metrics.alertsPublished.inc(published.length);
      metrics.alertsSuppressed.inc(suppressed);
      for (const alert of published) port.postMessage({ type: 'alert', alert } satisfies FromWorker);
      return true;
    };
    const durableGroups = new TurnBatcher(makeGroupDurable, { flushAt: GROUP_FLUSH_AT, sizeOf: (c: Processed) => c.messages.length });

    const onChunk = async (messages: InboundMessage[], control: ChunkControl) => {
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

    consumer = await startBatchConsumer(kafka, {
      groupId: config.kafka.groupId,
      topic: config.kafka.topics.readings,
      chunkSize: config.workers.batchSize,
      maxWaitMs: config.workers.flushIntervalMs,
      // Safe because rule state commits and rolls back per partition (engine.commit([p])).
      concurrentPartitions: config.workers.concurrentPartitions,
      log: threadLog.child({ component: 'consumer' }),
      onChunk,
      retry: config.retry,
      onAssignment: (partitions) => {
        const revoked = stats.partitions.filter((p) => !partitions.includes(p));
        if (revoked.length > 0) engine.revokePartitions(revoked);
        stats.partitions = partitions;
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
    await report();
    log.info({ ...stats }, 'worker stopped');
    closeWorkerLogger();
  }
}
