// processChunk for the worker, with a bug in the core contained to the messages that trigger it.
// The core never throws on anything a producer sends; if it does anyway (a bug in the engine or
// the decoder), retrying the chunk throws again every time and its partition stalls for good. So
// the chunk is processed again without the messages that throw on their own: they become rejects
// (processing_failed, kept in rejected_readings and on the dead-letter topic with the error, to
// be replayed once the bug is fixed), and the others are stored as if those were never sent.
import { processChunk, receiveTime, type Quarantine } from '../core/process-chunk.js';
import { rejectOf } from '../core/reject.js';
import type { ChunkResult, RawMessage, Reject } from '../core/types.js';
import type { RuleEngine } from '../rules/engine.js';

/** Reject reason of a message the core threw on. */
export const PROCESSING_FAILED = 'processing_failed';

/**
 * processChunk on one partition's chunk, committed in the engine up to this chunk (the worker
 * commits or rolls back each chunk before the next of its partition). Never throws because of a
 * message: `onFailure` is told of each one the core threw on, and it becomes a reject. Rule state
 * ends exactly as if only the other messages had been processed.
 */
export function processIsolated(
  messages: readonly RawMessage[], engine: RuleEngine, now: number, onFailure: (error: unknown, message: RawMessage) => void,
  quarantine?: Quarantine,
): ChunkResult {
  try {
    return processChunk(messages, engine, now, quarantine);
  } catch {
    // Found below, message by message.
  }
  const partition = [messages[0]!.partition];
  engine.rollback(partition);
  // Each message is tried after the ones kept so far, as it would be processed: a failure may
  // depend on the state they left. Quadratic, but only on a chunk the core threw on.
  const kept: RawMessage[] = [];
  const failed: Reject[] = [];
  for (const message of messages) {
    try {
      processChunk([...kept, message], engine, now, quarantine);
      kept.push(message);
    } catch (error) {
      onFailure(error, message);
      failed.push(rejectOf({ ...message, receivedAt: receiveTime(message, now) }, PROCESSING_FAILED,
        `the worker failed processing this message: ${describe(error)}`.slice(0, 1000), 'core'));
    }
    engine.rollback(partition);
  }
  const result = processChunk(kept, engine, now, quarantine);
  result.rejects.push(...failed);
  return result;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
