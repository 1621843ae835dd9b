// The order of pass 2: all readings of all recordings merged by event time, as a fleet of devices
// would send them. Why it matters: the consumer keeps one watermark per Kafka partition, and a
// reading more than rules.allowedLatenessMs behind it is stored as late and kept from the stateful
// rules. A file sorted by customer (the shared set is) sent as is would make every customer after
// the first on a partition "late" for its whole recording.
import type { Recording } from './open.js';
import type { RecordingStats } from './scan.js';
import { isSkip, type ParsedReading } from './types.js';

/**
 * Most customers of a file that is not in time order read as one stream each (the file is read
 * once per customer, so the cost grows with them); above it the file goes in file order.
 */
export const MAX_SPLIT_CUSTOMERS = 64;

/** The readings of a recording, only those of `customer` when given. */
async function* readingsOf(recording: Recording, customer?: string): AsyncGenerator<ParsedReading> {
  for await (const item of recording.items()) {
    if (isSkip(item) || (customer !== undefined && item.customerId !== customer)) continue;
    yield item;
  }
}

/** The streams pass 2 merges: one per recording, or one per customer of a recording not in time order. */
export function streamsOf(recording: Recording, stats: RecordingStats): { streams: AsyncGenerator<ParsedReading>[]; inFileOrder: boolean } {
  if (stats.inOrder) return { streams: [readingsOf(recording)], inFileOrder: false };
  if (stats.customers.size > MAX_SPLIT_CUSTOMERS) return { streams: [readingsOf(recording)], inFileOrder: true };
  return { streams: [...stats.customers.keys()].map((c) => readingsOf(recording, c)), inFileOrder: false };
}

/**
 * Readings of all streams, the oldest head first (ties: the earlier stream). Each stream keeps its
 * own order, so a reading older than the one before it in its stream still comes after it.
 */
export async function* mergeByTime(streams: AsyncGenerator<ParsedReading>[]): AsyncGenerator<ParsedReading> {
  const heads: Array<{ stream: AsyncGenerator<ParsedReading>; head: ParsedReading }> = [];
  try {
    for (const stream of streams) {
      const next = await stream.next();
      if (next.done !== true) heads.push({ stream, head: next.value });
    }
    while (heads.length > 0) {
      let min = 0;
      for (let i = 1; i < heads.length; i++) if (heads[i]!.head.timeMs < heads[min]!.head.timeMs) min = i;
      const current = heads[min]!;
      yield current.head;
      const next = await current.stream.next();
      if (next.done === true) heads.splice(min, 1);
      else current.head = next.value;
    }
  } finally {
    // Stopped early (interrupted, or a stream failed): close the others' files.
    await Promise.allSettled(streams.map((s) => s.return(undefined)));
  }
}
