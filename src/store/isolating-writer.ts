// Writes a group's output so that rows the table refuses cannot block their partition. The normal
// path is one writeGroup, as before. Only when PostgreSQL refuses the statement for its rows (a
// data or constraint error, not a retriable one) is the group split in halves, and each half
// written on its own, until every refused item is alone (bisection: about 2 x log2(n) statements
// per refused item). A refused reading becomes a reject (store_rejected:<sqlstate>) and is stored in
// rejected_readings; the rest of the group is stored, so the offset can move on. Every write is
// idempotent, so a retriable error half-way (it is thrown) just means the next attempt starts over.
import type pg from 'pg';
import type { Anomaly, ChunkResult, ReadingRow, Reject } from '../core/types.js';
import type { StoreWriteError } from '../errors.js';
import { writeGroup, type WriteCounts } from './group-writer.js';

/** The outcome of writeIsolating. */
export interface IsolatedWrite {
  /** Rows newly written (duplicates of earlier deliveries are not counted). */
  counts: WriteCounts;
  /** What PostgreSQL took: the input minus what it refused, plus the refused readings' rejects it stored. */
  stored: ChunkResult;
  /** The readings it refused, as rejects (store_rejected:<sqlstate>): for the dead-letter topic. */
  refused: Reject[];
  /** Anomalies and rejects it refused even alone (nothing left to try), with why. */
  dropped: Array<{ anomaly?: Anomaly; reject?: Reject; error: StoreWriteError }>;
}

/** Turns a reading the table refused into its reject (the caller has the message's bytes). */
export type RefuseReading = (row: ReadingRow, error: StoreWriteError) => Reject;

/** One unit of the bisection: a reading with the anomalies of its own event time, a reject, or a lone anomaly. */
type Item = { row: ReadingRow; anomalies: Anomaly[] } | { reject: Reject } | { anomaly: Anomaly };

/**
 * Writes `batch`, isolating what PostgreSQL refuses (see the header). Throws only a retriable
 * StoreWriteError (the caller retries with backoff).
 */
export async function writeIsolating(pool: pg.Pool, batch: ChunkResult, refuse: RefuseReading): Promise<IsolatedWrite> {
  // The normal path: one statement, nothing copied.
  try {
    return { counts: await writeGroup(pool, batch), stored: batch, refused: [], dropped: [] };
  } catch (error) {
    if ((error as StoreWriteError).retriable !== false) throw error;
  }
  const outcome: IsolatedWrite = { counts: { readings: 0, anomalies: 0, anomaliesByRule: {}, rejects: 0 }, stored: { rows: [], anomalies: [], rejects: [] }, refused: [], dropped: [] };
  // Writes `part`; on success adds it to the outcome, on a data error returns that error.
  const attempt = async (part: ChunkResult): Promise<StoreWriteError | undefined> => {
    try {
      const counts = await writeGroup(pool, part);
      outcome.counts.readings += counts.readings;
      outcome.counts.anomalies += counts.anomalies;
      for (const [rule, n] of Object.entries(counts.anomaliesByRule)) outcome.counts.anomaliesByRule[rule] = (outcome.counts.anomaliesByRule[rule] ?? 0) + n;
      outcome.counts.rejects += counts.rejects;
      for (const row of part.rows) outcome.stored.rows.push(row);
      for (const anomaly of part.anomalies) outcome.stored.anomalies.push(anomaly);
      for (const reject of part.rejects) outcome.stored.rejects.push(reject);
      return undefined;
    } catch (error) {
      if ((error as StoreWriteError).retriable !== false) throw error;
      return error as StoreWriteError;
    }
  };
  const settle = async (items: Item[]): Promise<void> => {
    const error = await attempt(batchOf(items));
    if (error === undefined) return;
    if (items.length > 1) {
      const half = items.length >> 1;
      await settle(items.slice(0, half));
      await settle(items.slice(half));
      return;
    }
    const item = items[0]!;
    if ('row' in item && item.anomalies.length > 0) {
      // The reading, or one of its anomalies? The reading alone first.
      const rowError = await attempt({ rows: [item.row], anomalies: [], rejects: [] });
      if (rowError === undefined) {
        await settle(item.anomalies.map((anomaly) => ({ anomaly })));
      } else {
        outcome.refused.push(refuse(item.row, rowError));
        // Anomalies of a reading that is not stored would point at nothing.
        for (const anomaly of item.anomalies) outcome.dropped.push({ anomaly, error: rowError });
      }
    } else if ('row' in item) {
      outcome.refused.push(refuse(item.row, error));
    } else {
      outcome.dropped.push({ ...item, error });
    }
  };

  const items = itemsOf(batch);
  // The whole group just failed: start with its halves.
  const half = items.length >> 1;
  if (items.length > 1) {
    await settle(items.slice(0, half));
    await settle(items.slice(half));
  } else {
    await settle(items);
  }
  // The refused readings' rejects: one statement, bisected in turn should the table refuse one.
  if (outcome.refused.length > 0) await settle(outcome.refused.map((reject) => ({ reject })));
  return outcome;
}

/** The bisection's units, in batch order. An anomaly travels with the reading of its customer and event time, when that is in the batch. */
function itemsOf(batch: ChunkResult): Item[] {
  const readings = new Map<string, { row: ReadingRow; anomalies: Anomaly[] }>();
  const items: Item[] = [];
  for (const row of batch.rows) {
    const item = { row, anomalies: [] as Anomaly[] };
    readings.set(`${row.customerId}\u0000${row.eventTime}`, item);
    items.push(item);
  }
  for (const anomaly of batch.anomalies) {
    const reading = readings.get(`${anomaly.customerId}\u0000${anomaly.eventTime}`);
    if (reading === undefined) items.push({ anomaly });
    else reading.anomalies.push(anomaly);
  }
  for (const reject of batch.rejects) items.push({ reject });
  return items;
}

function batchOf(items: readonly Item[]): ChunkResult {
  const batch: ChunkResult = { rows: [], anomalies: [], rejects: [] };
  for (const item of items) {
    if ('row' in item) { batch.rows.push(item.row); for (const a of item.anomalies) batch.anomalies.push(a); }
    else if ('reject' in item) batch.rejects.push(item.reject);
    else batch.anomalies.push(item.anomaly);
  }
  return batch;
}
