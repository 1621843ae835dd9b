// Gathers the work that becomes ready within one turn of the event loop into one group. After a
// fetch, kafkajs starts a worker's partitions one after another in the same turn; at moderate
// rates each holds a few dozen readings, and writing each alone cost a statement, a WAL flush, a
// dead-letter produce and an offset commit per partition. Gathered, the chunks of one fetch
// share them. Large chunks (a drain's) go without waiting, so processing the next one still
// overlaps their write.

/** Options of a TurnBatcher. */
export interface TurnBatcherOptions<T> {
  /** A group is handed over as soon as its items measure at least this much. */
  flushAt: number;
  /** The measure of one item (e.g. its messages). */
  sizeOf(item: T): number;
}

/**
 * Hands items to `handle` in groups: the items added before the event loop's next check phase
 * (setImmediate) form one group, cut early once they measure `flushAt`. Every caller of add()
 * gets the outcome of its own group's handle() call, rejection included.
 *
 *   const write = new TurnBatcher((chunks) => writeAll(chunks), { flushAt: 1000, sizeOf: (c) => c.length });
 *   await write.add(chunk);   // resolves when the group holding chunk is written
 */
export class TurnBatcher<T, R> {
  private items: T[] = [];
  private size = 0;
  private outcome: PromiseWithResolversLike<R> | undefined;

  constructor(
    private readonly handle: (items: T[]) => Promise<R>,
    private readonly options: TurnBatcherOptions<T>,
  ) {}

  add(item: T): Promise<R> {
    if (this.outcome === undefined) {
      this.outcome = resolvers<R>();
      const group = this.outcome;
      setImmediate(() => {
        if (this.outcome === group) this.hand();
      });
    }
    const promise = this.outcome.promise;
    this.items.push(item);
    this.size += this.options.sizeOf(item);
    if (this.size >= this.options.flushAt) this.hand();
    return promise;
  }

  private hand(): void {
    const { items, outcome } = this;
    this.items = [];
    this.size = 0;
    this.outcome = undefined;
    // handle() is called in a fresh promise so a synchronous throw rejects the group too.
    Promise.resolve().then(() => this.handle(items)).then(outcome!.resolve, outcome!.reject);
  }
}

interface PromiseWithResolversLike<R> {
  promise: Promise<R>;
  resolve(value: R): void;
  reject(reason: unknown): void;
}

// Promise.withResolvers is Node 22+; the engines field allows Node 20.
function resolvers<R>(): PromiseWithResolversLike<R> {
  let resolve!: (value: R) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<R>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
