// The dead-letter copies of rejected messages: the original bytes, the reason and the origin in
// headers, keyed as the original was. Sent before the chunk's offset commits (durable-output.ts).
import type { RawMessage, Reject } from '../core/types.js';
import type { OutboundMessage } from '../kafka/producer.js';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../kafka/topics.js';

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
 * rejects' are looked up: a key string per message of every chunk showed in a drain's heap
 * profile (BENCHMARKS.md), and with a little bad input nearly every chunk has a reject.
 */
function rejectKeys(messages: readonly RawMessage[], rejects: readonly Reject[]): Map<string, Buffer | null> {
  const keys = new Map<string, Buffer | null>();
  if (rejects.length === 0) return keys;
  const wanted = new Set(rejects.map((r) => r.offset));
  for (const m of messages) if (wanted.has(m.offset)) keys.set(m.offset, m.key);
  return keys;
}

/** Dead-letter copies of `rejects`, all from the chunk `messages` (one partition's). */
export function deadLetters(messages: readonly RawMessage[], rejects: readonly Reject[]): OutboundMessage[] {
  const keys = rejectKeys(messages, rejects);
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
