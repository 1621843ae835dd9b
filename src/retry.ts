// Connecting and reconnecting to Kafka and PostgreSQL: p-retry with exponential backoff and
// jitter, bounded by the retry.* config. Each failed attempt logs a warning with the next delay.
import pRetry from 'p-retry';
import type { AppConfig } from './config.js';
import { AppError, RetriesExhaustedError } from './errors.js';
import type { Logger } from './log.js';

export type RetryPolicy = AppConfig['retry'];

export interface RetryOptions {
  /** Stops retrying (and waiting) when aborted, e.g. on shutdown. */
  signal?: AbortSignal;
}

/** Delay before retry `n` (1-based): exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(policy: RetryPolicy, n: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.minDelayMs * policy.factor ** (n - 1));
  return Math.round(base / 2 + (base / 2) * random());
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `operation` until it succeeds, retrying failures with backoff. An AppError that is not
 * retriable fails at once. Past `policy.retries` it throws RetriesExhaustedError (cause: the last error).
 */
export async function withRetry<T>(name: string, operation: (attempt: number) => Promise<T>, policy: RetryPolicy, log: Logger, options: RetryOptions = {}): Promise<T> {
  try {
    return await pRetry(operation, {
      retries: policy.retries,
      // p-retry 7 does not expose the delay it picks; we pick and wait it ourselves in
      // onFailedAttempt so the warning states the real next delay.
      minTimeout: 0,
      maxTimeout: 0,
      signal: options.signal,
      shouldRetry: ({ error }) => !(error instanceof AppError && !error.retriable) && options.signal?.aborted !== true,
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft <= 0 || (error instanceof AppError && !error.retriable) || options.signal?.aborted === true) return;
        const delayMs = backoffDelay(policy, attemptNumber);
        log.warn({ operation: name, attempt: attemptNumber, retriesLeft, delayMs, err: error }, 'attempt failed; retrying after backoff');
        await sleep(delayMs, options.signal);
      },
    });
  } catch (error) {
    if (error instanceof AppError && !error.retriable) throw error;
    throw new RetriesExhaustedError(name, policy.retries + 1, { cause: error });
  }
}
