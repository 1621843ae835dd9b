// The one way a message becomes a Reject: its bytes as received, where it came from, and why.
import type { RawMessage, Reject, RejectSource } from './types.js';

const EMPTY = Buffer.alloc(0);

/** A reject of `message` (its receivedAt as given: normalise it first where it may be impossible). */
export function rejectOf(message: RawMessage, reason: string, detail: string, validator: RejectSource): Reject {
  return {
    raw: message.value ?? EMPTY, reason, detail, validator,
    topic: message.topic, partition: message.partition, offset: message.offset, receivedAt: message.receivedAt,
  };
}
