// The latency run's end point, the snapshot arithmetic: a row counts as committed from the first
// snapshot that shows its transaction finished, never while the transaction is still open.
// watchCommits against a real server is in test/bench-commit-watch.test.ts.
import { describe, expect, it } from 'vitest';
import { firstSeenFinished, fullXid, parseSnapshot } from './commit-watch.js';

describe('snapshot arithmetic', () => {
  it('reads pg_snapshot text', () => {
    expect(parseSnapshot('10:20:', 1)).toEqual({ at: 1, xmax: 20n, xip: [] });
    expect(parseSnapshot('10:20:15,12', 2)).toEqual({ at: 2, xmax: 20n, xip: [12n, 15n] });
    expect(() => parseSnapshot('10', 3)).toThrow(/not a pg_snapshot/);
  });

  it('puts a 32-bit xmin into the epoch of the latest snapshot, or the one before', () => {
    const epoch1 = 1n << 32n;
    expect(fullXid(5n, epoch1 + 10n)).toBe(epoch1 + 5n);
    expect(fullXid(0xfffffff0n, epoch1 + 10n)).toBe(0xfffffff0n);
    expect(fullXid(700n, 900n)).toBe(700n);
  });

  it('finds the first snapshot in which a transaction is neither future nor in progress', () => {
    const snaps = [parseSnapshot('5:7:5,6', 100), parseSnapshot('5:9:5,8', 110), parseSnapshot('8:9:8', 120), parseSnapshot('9:9:', 130)];
    expect(firstSeenFinished(snaps, 6n)).toBe(110);
    expect(firstSeenFinished(snaps, 7n)).toBe(110);
    expect(firstSeenFinished(snaps, 5n)).toBe(120);
    expect(firstSeenFinished(snaps, 8n)).toBe(130);
    expect(firstSeenFinished(snaps, 4n)).toBe(100);
    expect(firstSeenFinished(snaps, 9n)).toBeUndefined();
  });
});
