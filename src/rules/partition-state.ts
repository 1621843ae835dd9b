// Per-partition, per-customer state of stateful rules: their states, event-time timers, the
// partition watermark and the last offset seen, with an undo log per partition so a chunk whose
// write failed can be rolled back (then its redelivery produces exactly the same output). The logs
// are per partition because a worker writes several partitions' chunks at once: one partition's
// chunk becoming durable must not make another's, still in flight, impossible to undo.
//
// State is bounded: at a commit, customers idle for longer than the rules' longest window (by the
// partition's watermark, so event time) and with no timer pending are forgotten, and beyond a cap
// the least recently seen are too. Only committed partitions are swept, so a rollback never has
// to bring back what was forgotten, and a redelivered chunk still gives the same output.

/** One customer's state, per stateful rule index. */
export class CustomerState {
  /** Newest event time given to stateful rules (-Infinity: none yet). */
  latest = Number.NEGATIVE_INFINITY;
  /** Event time of the last accepted reading (for duplicate detection across batches). */
  lastTime = Number.NaN;
  /** When each rule's timer should fire (NaN: none). */
  readonly timerAt: number[];
  /** The time of the live heap entry for each rule's timer (NaN: none). */
  readonly scheduledAt: number[];
  /** Its partition's epoch in which this customer was last saved to the undo log. */
  savedIn = -1;
  /** When it was last touched, in the store's sequence: the least recent go first beyond the cap. */
  seen = 0;
  /** Forgotten by the store: its timers left in the heap are dropped, not fired. */
  evicted = false;
  constructor(readonly id: string, readonly states: unknown[], readonly partition: PartitionState) {
    this.timerAt = states.map(() => Number.NaN);
    this.scheduledAt = states.map(() => Number.NaN);
  }
}

interface TimerEntry { at: number; customer: CustomerState; rule: number }

/** A binary min-heap of timers by event time. Entries may be stale; see PartitionState.dueTimers. */
class TimerHeap {
  private readonly items: TimerEntry[] = [];
  get size(): number { return this.items.length; }
  peekAt(): number { return this.items.length === 0 ? Number.POSITIVE_INFINITY : this.items[0]!.at; }
  clear(): void { this.items.length = 0; }
  push(entry: TimerEntry): void {
    const a = this.items;
    a.push(entry);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.at <= entry.at) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = entry;
  }
  pop(): TimerEntry | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        const mAt = () => (m === i ? last.at : a[m]!.at);
        if (l < a.length && a[l]!.at < mAt()) m = l;
        if (r < a.length && a[r]!.at < mAt()) m = r;
        if (m === i) break;
        a[i] = a[m]!;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}

/** The state of one Kafka partition: watermark, last offset, customers and their timers. */
export class PartitionState {
  /** Newest event time seen (clamped to the worker's clock plus the allowed skew), -Infinity before any reading. */
  maxEventTime = Number.NEGATIVE_INFINITY;
  /** maxEventTime minus the allowed lateness: older readings are late. */
  watermark = Number.NEGATIVE_INFINITY;
  /** Highest offset processed; messages at or below it are redeliveries. */
  lastOffset = -1;
  readonly customers = new Map<string, CustomerState>();
  readonly timers = new TimerHeap();
  /** Commits and rollbacks so far: what was saved to the undo log in this epoch is not saved again. */
  epoch = 0;
  /** Watermark at which idle customers are next looked for. */
  nextSweepAt = Number.NEGATIVE_INFINITY;
  /** The epoch in which watermark and offset were last saved to the undo log. */
  savedIn = -1;
  constructor(readonly id: number) {}

  /** Sets a rule's timer; at most one live heap entry per (customer, rule). */
  setTimer(customer: CustomerState, rule: number, at: number): void {
    customer.timerAt[rule] = at;
    const scheduled = customer.scheduledAt[rule]!;
    if (Number.isNaN(scheduled) || at < scheduled) {
      customer.scheduledAt[rule] = at;
      this.timers.push({ at, customer, rule });
    }
  }

  /**
   * The next timer due at or before the watermark, or undefined. A timer moved later since it was
   * scheduled is rescheduled instead of fired; cleared and superseded entries are dropped.
   */
  nextDueTimer(): { customer: CustomerState; rule: number; at: number } | undefined {
    while (this.timers.peekAt() <= this.watermark) {
      const entry = this.timers.pop()!;
      const { customer, rule } = entry;
      if (customer.evicted || customer.scheduledAt[rule] !== entry.at) continue;
      customer.scheduledAt[rule] = Number.NaN;
      const at = customer.timerAt[rule]!;
      if (Number.isNaN(at)) continue;
      if (at > this.watermark) {
        customer.scheduledAt[rule] = at;
        this.timers.push({ at, customer, rule });
        continue;
      }
      return { customer, rule, at };
    }
    return undefined;
  }

  /** Rebuilds the heap from the customers' timers (after a rollback). */
  rebuildTimers(): void {
    this.timers.clear();
    for (const customer of this.customers.values()) {
      customer.timerAt.forEach((at, rule) => {
        customer.scheduledAt[rule] = Number.NaN;
        if (!Number.isNaN(at)) this.setTimer(customer, rule, at);
      });
    }
  }
}

type Undo =
  | { kind: 'partition'; p: PartitionState; maxEventTime: number; watermark: number; lastOffset: number }
  | { kind: 'customer'; c: CustomerState; latest: number; lastTime: number; states: unknown[]; timerAt: number[] }
  | { kind: 'new-partition'; id: number }
  | { kind: 'new-customer'; p: PartitionState; id: string };

/** How much state a store keeps (see the header). Both default to unbounded. */
export interface StateBounds {
  /** A customer with nothing newer than the watermark minus this, and no timer pending, is forgotten. */
  idleMs?: number;
  /** Most customers kept, all partitions together. */
  maxCustomers?: number;
}

/** Customers in state, and how many were forgotten since the start, by cause. */
export interface StateCounts {
  customers: number;
  evictedIdle: number;
  evictedCap: number;
}

/** Beyond the cap, evict down to this share of it, so the sweep does not run at every commit. */
const CAP_LOW_WATER = 0.9;

const hasTimer = (c: CustomerState) => c.timerAt.some((at) => !Number.isNaN(at));

/** All partitions of one engine, each with its undo log since its last commit. */
export class StateStore {
  private readonly partitions = new Map<number, PartitionState>();
  private readonly undo = new Map<number, Undo[]>();
  private readonly idleMs: number;
  private readonly maxCustomers: number;
  private seq = 0;
  private readonly counts: StateCounts = { customers: 0, evictedIdle: 0, evictedCap: 0 };

  constructor(private readonly initialStates: readonly unknown[], bounds: StateBounds = {}) {
    this.idleMs = bounds.idleMs ?? Number.POSITIVE_INFINITY;
    this.maxCustomers = bounds.maxCustomers ?? Number.POSITIVE_INFINITY;
  }

  /** Customers in state now, and evictions so far. */
  stateCounts(): StateCounts {
    return { ...this.counts };
  }

  private log(id: number): Undo[] {
    let entries = this.undo.get(id);
    if (entries === undefined) {
      entries = [];
      this.undo.set(id, entries);
    }
    return entries;
  }

  /** The partition's state, created on first use. */
  partition(id: number): PartitionState {
    let p = this.partitions.get(id);
    if (p === undefined) {
      p = new PartitionState(id);
      p.savedIn = p.epoch;
      this.partitions.set(id, p);
      this.log(id).push({ kind: 'new-partition', id });
    }
    return p;
  }

  /** Call before changing the partition's watermark or last offset. */
  touchPartition(p: PartitionState): void {
    if (p.savedIn === p.epoch) return;
    p.savedIn = p.epoch;
    this.log(p.id).push({ kind: 'partition', p, maxEventTime: p.maxEventTime, watermark: p.watermark, lastOffset: p.lastOffset });
  }

  /** The customer's state in the partition, created on first use. */
  customer(p: PartitionState, id: string): CustomerState {
    let c = p.customers.get(id);
    if (c === undefined) {
      c = new CustomerState(id, [...this.initialStates], p);
      c.savedIn = p.epoch;
      p.customers.set(id, c);
      this.counts.customers++;
      this.log(p.id).push({ kind: 'new-customer', p, id });
    }
    c.seen = ++this.seq;
    return c;
  }

  /** Call before changing a customer's states, timers or times. */
  touchCustomer(c: CustomerState): void {
    const p = c.partition;
    if (c.savedIn === p.epoch) return;
    c.savedIn = p.epoch;
    this.log(p.id).push({ kind: 'customer', c, latest: c.latest, lastTime: c.lastTime, states: [...c.states], timerAt: [...c.timerAt] });
  }

  /**
   * The partitions' current state is durable (default: every partition's): forget their undo logs,
   * then the customers that are idle or beyond the cap.
   */
  commit(ids: Iterable<number> = [...this.undo.keys()]): void {
    for (const id of ids) {
      if (!this.undo.delete(id)) continue;
      const p = this.partitions.get(id);
      if (p === undefined) continue;
      p.epoch++;
      if (p.watermark >= p.nextSweepAt) this.evictIdle(p);
    }
    if (this.counts.customers > this.maxCustomers) this.evictLeastRecent();
  }

  private evict(p: PartitionState, c: CustomerState): void {
    c.evicted = true;
    p.customers.delete(c.id);
    this.counts.customers--;
  }

  /** Forgets the partition's customers idle for longer than idleMs with no timer pending. */
  private evictIdle(p: PartitionState): void {
    if (this.idleMs === Number.POSITIVE_INFINITY) return;
    const horizon = p.watermark - this.idleMs;
    for (const c of p.customers.values()) {
      // lastTime is NaN for a customer whose only readings were late: latest then decides.
      if (!(c.lastTime >= horizon) && c.latest < horizon && !hasTimer(c)) {
        this.evict(p, c);
        this.counts.evictedIdle++;
      }
    }
    // A sweep reads every customer of the partition: a quarter of the window apart is often enough.
    p.nextSweepAt = p.watermark + this.idleMs / 4;
  }

  /** Forgets the least recently seen customers of committed partitions, down to below the cap. */
  private evictLeastRecent(): void {
    const committed = [...this.partitions.values()].filter((p) => !this.undo.has(p.id));
    const excess = this.counts.customers - Math.floor(this.maxCustomers * CAP_LOW_WATER);
    const seen = new Float64Array(committed.reduce((n, p) => n + p.customers.size, 0));
    let i = 0;
    for (const p of committed) for (const c of p.customers.values()) seen[i++] = c.seen;
    if (seen.length === 0) return;
    seen.sort();
    const cutoff = seen[Math.min(excess, seen.length) - 1]!;
    for (const p of committed) {
      for (const c of p.customers.values()) {
        if (c.seen <= cutoff) {
          this.evict(p, c);
          this.counts.evictedCap++;
        }
      }
    }
  }

  /** Back to the partitions' state at their last commit (default: every partition's). */
  rollback(ids: Iterable<number> = [...this.undo.keys()]): void {
    for (const id of ids) {
      const entries = this.undo.get(id);
      if (entries === undefined) continue;
      for (let i = entries.length - 1; i >= 0; i--) {
        const u = entries[i]!;
        if (u.kind === 'new-partition') this.partitions.delete(u.id);
        else if (u.kind === 'new-customer') { if (u.p.customers.delete(u.id)) this.counts.customers--; }
        else if (u.kind === 'partition') {
          Object.assign(u.p, { maxEventTime: u.maxEventTime, watermark: u.watermark, lastOffset: u.lastOffset });
        } else {
          u.c.latest = u.latest;
          u.c.lastTime = u.lastTime;
          u.states.forEach((s, k) => { u.c.states[k] = s; });
          u.timerAt.forEach((t, k) => { u.c.timerAt[k] = t; });
        }
      }
      this.undo.delete(id);
      const p = this.partitions.get(id);
      if (p === undefined) continue;
      // Rollbacks are rare (a failed write): rebuilding the heap from the restored timers is simplest.
      p.rebuildTimers();
      p.epoch++;
    }
  }

  /** Drops the state of partitions this engine no longer owns (rebalance). */
  revoke(ids: Iterable<number>): void {
    for (const id of ids) {
      const p = this.partitions.get(id);
      if (p !== undefined) this.counts.customers -= p.customers.size;
      this.partitions.delete(id);
      this.undo.delete(id);
    }
  }

  /** Partition ids with state. */
  partitionIds(): number[] {
    return [...this.partitions.keys()];
  }
}
