// Makes a group of processed chunks durable before their offsets may commit: the rows, anomalies
// and rejects in PostgreSQL (one idempotent statement; split only when the table refuses rows),
// the rejects' dead-letter copies, then those of the readings the table refused, if any, then the
// alerts of new anomalies (cool-down). Retried until durable (write-retry.ts), and counted in the
// thread's metrics once it is.
//
//   group ─┬► writeIsolating (rows, anomalies, rejects)
//          └► dead-letter copies of the rejects
//   both durable ─► dead-letter copies of the readings the table refused ─► alerts
import { receiveTime } from '../core/process-chunk.js';
import { rejectOf } from '../core/reject.js';
import type { ChunkResult, RawMessage, ReadingRow, Reject } from '../core/types.js';
import type { StoreWriteError } from '../errors.js';
import type { ChunkControl } from '../kafka/chunk-consumer.js';
import type { Publisher } from '../kafka/producer.js';
import type { Logger } from '../log.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { RetryPolicy } from '../retry.js';
import { writeIsolating, type IsolatedWrite } from '../store/isolating-writer.js';
import { storeRejectReason } from '../store/write-errors.js';
import type { Alert, AlertPublisher } from './alerts.js';
import { deadLetters } from './dead-letters.js';
import { retryUntilDurable } from './write-retry.js';

/** One partition's chunk, processed, waiting to be made durable with the others of its turn. */
export interface ProcessedChunk {
  messages: RawMessage[];
  result: ChunkResult;
  control: ChunkControl;
}

/** The store's pool type, named without importing pg here (src/store owns pg). */
type Pool = Parameters<typeof writeIsolating>[0];

export interface DurableOutputOptions {
  pool: Pool;
  /** Sends the dead-letter copies. */
  publisher: Publisher;
  deadLetterTopic: string;
  alerts: AlertPublisher;
  retry: RetryPolicy;
  metrics: WorkerMetrics;
  log: Logger;
}

/** Where a worker's processed chunks become durable. */
export class DurableOutput {
  constructor(private readonly options: DurableOutputOptions) {}

  /**
   * Makes `group` durable together: one statement, one dead-letter send, one alerts pass. Resolves
   * with the alerts published, or undefined when every chunk's partition was given up (revoked,
   * or the worker stopping) before that happened. Throws a failure retrying cannot fix.
   */
  async write(group: ProcessedChunk[]): Promise<Alert[] | undefined> {
    const { pool, publisher, deadLetterTopic, alerts, log } = this.options;
    const result: ChunkResult = group.length === 1 ? group[0]!.result : {
      rows: group.flatMap((c) => c.result.rows),
      anomalies: group.flatMap((c) => c.result.anomalies),
      rejects: group.flatMap((c) => c.result.rejects),
    };
    const letters = group.flatMap((c) => deadLetters(c.messages, c.result.rejects));
    // A reading the table refused, as a reject with its message's bytes (rare: only after a data error).
    const refuse = (row: ReadingRow, error: StoreWriteError): Reject => {
      const m = group.filter((c) => c.messages[0]!.partition === row.partition).flatMap((c) => c.messages).find((x) => x.offset === row.offset)!;
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
    const durable = await retryUntilDurable(async () => {
      // Only after the rejects are in PostgreSQL AND on the dead-letter topic may the offset move.
      // The two go at once (round trips overlapped, not added), and a retry repeats only the
      // step that failed: no second dead-letter copy per retry while PostgreSQL is away.
      const steps = await Promise.allSettled([
        written ?? writeIsolating(pool, result, refuse).then((w) => (written = w)),
        deadLettered || publisher.send(deadLetterTopic, letters).then(() => (deadLettered = true)),
      ]);
      for (const step of steps) if (step.status === 'rejected') throw step.reason;
      const { refused } = written!;
      if (refused.length > 0 && !refusedLettered) {
        const copies = group.flatMap((c) => deadLetters(c.messages, refused.filter((r) => r.partition === c.messages[0]!.partition)));
        await publisher.send(deadLetterTopic, copies);
        refusedLettered = true;
      }
      // Alerts after the rows (they read the stored anomalies' state), at least once: new
      // anomalies are published before the offset commits.
      ({ published, suppressed } = await alerts.run(written!.stored.anomalies));
    }, control, this.options.retry, log.child({ partitions: group.map((c) => c.messages[0]!.partition), offsets: group.map((c) => c.messages[0]!.offset) }));
    if (!durable) return undefined;
    const { stored, refused, dropped, counts } = written!;
    for (const r of refused) log.warn({ partition: r.partition, offset: r.offset, reason: r.reason, detail: r.detail }, 'reading refused by the database; rejected');
    for (const d of dropped) {
      log.error({ sqlstate: d.error.sqlstate, err: d.error, rule: d.anomaly?.rule, customer: d.anomaly?.customerId, partition: d.reject?.partition, offset: d.reject?.offset },
        d.anomaly === undefined ? 'reject refused by the database; kept on the dead-letter topic only' : 'anomaly refused by the database; dropped');
    }
    // Every reject counts, stored or (when the table refused even that) on the dead-letter topic only.
    const outcome: ChunkResult = { rows: stored.rows, anomalies: stored.anomalies, rejects: refused.length === 0 ? result.rejects : [...result.rejects, ...refused] };
    const consumed = group.reduce((n, c) => n + c.messages.length, 0);
    this.options.metrics.recordWrite({
      consumed, outcome, stored: counts.readings, newAnomalies: counts.anomaliesByRule, writeMs: performance.now() - started, published: published.length, suppressed,
    });
    return published;
  }
}
