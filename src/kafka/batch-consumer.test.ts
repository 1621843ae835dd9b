import { describe, expect, it } from 'vitest';
import { commitCoalescer } from './batch-consumer.js';

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
