import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { RawMessage } from '../core/types.js';
import { commitCoalescer, handleChunk, type ChunkControl } from './chunk-consumer.js';

/** Lets a few turns of the event loop pass. */
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

describe('commitCoalescer', () => {
  it('makes one commit for the chunks that finish together, and a second only for those after it started', async () => {
    const commitResolved = commitCoalescer();
    const commits: string[][] = [];
    let resolved: string[] = [];
    let release!: () => void;
    // Like kafkajs: a commit takes every offset resolved so far, and its answer comes later.
    const commit = () => {
      const offsets = resolved;
      resolved = [];
      commits.push(offsets);
      return new Promise<void>((r) => (release = r));
    };
    const together = ['p0', 'p1', 'p2'].map((p) => {
      resolved.push(p);
      return commitResolved(commit);
    });
    await settle();
    expect(commits).toEqual([['p0', 'p1', 'p2']]);
    // Two more finish while that commit is in flight: they wait for it, then share one.
    const after = ['p3', 'p4'].map((p) => {
      resolved.push(p);
      return commitResolved(commit);
    });
    await settle();
    expect(commits).toHaveLength(1);
    release();
    await Promise.all(together);
    await settle();
    expect(commits).toEqual([['p0', 'p1', 'p2'], ['p3', 'p4']]);
    release();
    await Promise.all(after);
  });

  it('fails every chunk of a failed commit, and the next commit still runs', async () => {
    const commitResolved = commitCoalescer();
    let fail = true;
    const commit = async () => {
      if (fail) throw new Error('coordinator moved');
    };
    const failed = [commitResolved(commit), commitResolved(commit)];
    for (const p of failed) await expect(p).rejects.toThrow('coordinator moved');
    fail = false;
    await expect(commitResolved(commit)).resolves.toBeUndefined();
  });
});

describe('handleChunk', () => {
  const chunk: RawMessage[] = [{ value: Buffer.from('{}'), key: null, topic: 't', partition: 3, offset: '41', receivedAt: 1 }];
  const retry = { retries: 0, minDelayMs: 40, maxDelayMs: 80, factor: 2 };
  function logged() {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } });
    return { lines, log };
  }

  it('calls a handler that threw again on the same chunk only after a backoff, until it succeeds', async () => {
    const calls: number[] = [];
    let heartbeats = 0;
    const control: ChunkControl = { shouldAbandon: () => false, heartbeat: async () => { heartbeats += 1; } };
    const { lines, log } = logged();
    const durable = await handleChunk(chunk, async (messages) => {
      calls.push(performance.now());
      expect(messages).toBe(chunk);
      if (calls.length < 3) throw new TypeError('bug in the handler');
      return true;
    }, control, retry, log);
    expect(durable).toBe(true);
    expect(calls).toHaveLength(3);
    // Equal jitter: at least half of 40 ms, then half of 80 ms; a tight loop would take microseconds.
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(19);
    expect(calls[2]! - calls[1]!).toBeGreaterThanOrEqual(39);
    expect(heartbeats).toBeGreaterThanOrEqual(2);
    expect(lines.map((l) => [l.level, l.msg, l.partition, l.offset, l.attempt, (l.err as { message: string }).message])).toEqual([
      [50, 'chunk handler failed; retrying the chunk after backoff', 3, '41', 1, 'bug in the handler'],
      [50, 'chunk handler failed; retrying the chunk after backoff', 3, '41', 2, 'bug in the handler'],
    ]);
  });

  it('gives the chunk up, uncommitted, when the partition is revoked during the backoff', async () => {
    let abandon = false;
    let calls = 0;
    const control: ChunkControl = { shouldAbandon: () => abandon, heartbeat: async () => undefined };
    const durable = await handleChunk(chunk, async () => {
      calls += 1;
      abandon = true;
      throw new Error('bug');
    }, control, retry, logged().log);
    expect([durable, calls]).toEqual([false, 1]);
  });
});
