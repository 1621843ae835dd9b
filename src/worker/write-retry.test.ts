// The durable output's retry policy: an outage is waited out in place until the write succeeds or
// the chunk is given up; a bug is thrown at once, to the chunk handler, instead of looping forever.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConnectionError, StoreWriteError } from '../errors.js';
import type { ChunkControl } from '../kafka/chunk-consumer.js';
import { retriesInPlace, retryUntilDurable } from './write-retry.js';

const POLICY = { retries: 3, minDelayMs: 1, maxDelayMs: 2, factor: 2 };
const log = pino({ level: 'silent' });
const control = (abandon = () => false): ChunkControl => ({ shouldAbandon: abandon, heartbeat: async () => undefined });

/** A write that throws each of `errors` in turn, then succeeds; counts its calls. */
function failingWrite(errors: unknown[]) {
  const write = async () => {
    write.calls += 1;
    if (write.calls <= errors.length) throw errors[write.calls - 1];
  };
  write.calls = 0;
  return write;
}

describe('retriesInPlace', () => {
  it('retries outages and retriable AppErrors, not bugs or AppErrors marked not retriable', () => {
    expect([
      new ConnectionError('postgresql', 'down'), new StoreWriteError('57P01', 'admin shutdown', { retriable: true }),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ].map(retriesInPlace)).toEqual([true, true, true]);
    expect([
      new TypeError('x is undefined'), new RangeError('bad length'), new StoreWriteError('22P02', 'bad row', { retriable: false }),
    ].map(retriesInPlace)).toEqual([false, false, false]);
  });
});

describe('retryUntilDurable', () => {
  it('retries an outage until the write succeeds', async () => {
    const write = failingWrite([new ConnectionError('kafka', 'away'), new Error('Connection terminated unexpectedly')]);
    await expect(retryUntilDurable(write, control(), POLICY, log)).resolves.toBe(true);
    expect(write.calls).toBe(3);
  });

  it('throws a bug at once, without retrying it', async () => {
    const bug = new TypeError('cannot read properties of undefined');
    const write = failingWrite([bug]);
    await expect(retryUntilDurable(write, control(), POLICY, log)).rejects.toBe(bug);
    expect(write.calls).toBe(1);
  });

  it('gives up, resolving false, once the chunk is abandoned', async () => {
    const write = failingWrite(Array.from({ length: 100 }, () => new ConnectionError('postgresql', 'down')));
    await expect(retryUntilDurable(write, control(() => write.calls >= 2), POLICY, log)).resolves.toBe(false);
    expect(write.calls).toBe(2);
  });
});
