// When a row became committed, seen from another session: the latency run's end point ("event
// time to committed row"). A poll asks PostgreSQL for its current snapshot (pg_current_snapshot():
// every transaction below xmax and not in the in-progress list xip has finished), which reads
// no table and costs the server next to nothing; a row's transaction is its xmin. The first poll
// whose snapshot shows that transaction finished is when its rows were committed, late by at most
// one poll interval. Polling the broker for committed offsets instead (as this bench first did)
// cost a FindCoordinator and an OffsetFetch request per poll: CPU taken from the machine measured.
import { currentSnapshot } from '../store/bench-queries.js';
import type { Pool } from './environment.js';

/** One poll: when its answer arrived, and the snapshot it saw. */
export interface SnapshotSeen {
  at: number;
  xmax: bigint;
  /** Transactions in progress, ascending. */
  xip: bigint[];
}

/** Parses pg_snapshot text, `xmin:xmax:xip1,xip2,...`. */
export function parseSnapshot(text: string, at: number): SnapshotSeen {
  const [, xmax, xip] = text.split(':');
  if (xmax === undefined || xip === undefined) throw new Error(`not a pg_snapshot: ${text}`);
  return { at, xmax: BigInt(xmax), xip: xip === '' ? [] : xip.split(',').map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
}

const finishedIn = (s: SnapshotSeen, xid: bigint) => xid < s.xmax && !s.xip.includes(xid);

/**
 * A row's xmin is a 32-bit transaction id; snapshots give 64-bit ones (epoch above the low 32
 * bits). The full id is the one with these low bits at or below the latest snapshot's xmax.
 */
export function fullXid(xid32: bigint, latestXmax: bigint): bigint {
  const full = (latestXmax & ~0xffffffffn) | xid32;
  return full > latestXmax ? full - 0x100000000n : full;
}

/**
 * When `xid` was first seen finished (undefined if no snapshot shows it finished). Snapshots are
 * in the order taken; a transaction once finished stays finished, so a binary search finds it.
 */
export function firstSeenFinished(snapshots: readonly SnapshotSeen[], xid: bigint): number | undefined {
  let lo = 0;
  let hi = snapshots.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (finishedIn(snapshots[mid]!, xid)) hi = mid;
    else lo = mid + 1;
  }
  return snapshots[lo]?.at;
}

export interface CommitWatch {
  /** Stops polling after one last snapshot; resolves with every snapshot seen. */
  stop(): Promise<SnapshotSeen[]>;
}

/** Polls the server's snapshot every `pollMs` on one connection of `pool` until stopped. */
export function watchCommits(pool: Pool, pollMs: number): CommitWatch {
  const seen: SnapshotSeen[] = [];
  let polling = true;
  const poll = async () => {
    const s = parseSnapshot(await currentSnapshot(pool), Date.now());
    // Unchanged snapshots add nothing: the first one of a run already answers for it.
    const last = seen[seen.length - 1];
    if (last === undefined || last.xmax !== s.xmax || last.xip.join() !== s.xip.join()) seen.push(s);
  };
  const loop = (async () => {
    while (polling) {
      await poll();
      await new Promise((r) => setTimeout(r, pollMs));
    }
    await poll();
  })();
  // A failed poll is reported by stop(), not as an unhandled rejection in between.
  void loop.catch(() => undefined);
  return {
    async stop() {
      polling = false;
      await loop;
      return seen;
    },
  };
}
