// How the worker retries making a group's output durable. An outage (PostgreSQL or the broker
// away, a timeout, a retriable AppError) is waited out in place, with backoff, heartbeating so the
// partitions stay ours: the steps already done are not repeated. A failure that retrying the same
// write cannot fix (a bug: TypeError and the like, or an AppError marked not retriable) is thrown
// at once, to the chunk handler: the partitions' rule state is rolled back and the chunks are
// processed again after a backoff (src/kafka/chunk-consumer.ts handleChunk), logged as an error.
import { AppError } from '../errors.js';
import { waitHeartbeating, type ChunkControl } from '../kafka/chunk-consumer.js';
import type { Logger } from '../log.js';
import { backoffDelay, type RetryPolicy } from '../retry.js';

/** JavaScript's own errors, thrown by code that is wrong, not by a service that is away. */
const BUG_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError];

/** Whether a failed write is retried in place (see the header). */
export function retriesInPlace(error: unknown): boolean {
  if (error instanceof AppError) return error.retriable;
  return !BUG_ERRORS.some((kind) => error instanceof kind);
}

/**
 * Runs `write` until it succeeds: resolves true, or false once `control` says the output was given
 * up (partitions revoked, worker stopping). Throws what retriesInPlace refuses.
 */
export async function retryUntilDurable(write: () => Promise<void>, control: ChunkControl, policy: RetryPolicy, log: Logger): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await write();
      return true;
    } catch (err) {
      if (!retriesInPlace(err)) throw err;
      if (control.shouldAbandon()) return false;
      const delayMs = backoffDelay(policy, Math.min(attempt, 12));
      log.warn({ err, attempt, delayMs }, 'chunk not durable yet; retrying after backoff');
      // Keep the group membership while we wait, so the partition is not moved for nothing.
      if (!(await waitHeartbeating(delayMs, control))) return false;
    }
  }
}
