// The one polling helper of the tests: for progress of another process (the app, the broker, the
// database server), which cannot be awaited as an event, so it is looked at again until it shows.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Calls `probe` until it returns a value (not undefined), pausing `pollMs` between calls, and
 * resolves with that value; rejects after timeoutMs naming what was awaited (`what` may be a
 * function, called then, to report the last state seen).
 */
export async function waitUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string | (() => string), pollMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(pollMs);
  }
}
