// The (customer, event time) pairs a batch has accepted so far: the core's check for a reading
// sent twice within one batch. A string key per reading showed in a drain's heap profile.
// Readings mostly arrive in event-time order per customer, so the usual case keeps one number per
// customer, the newest time, and allocates nothing per reading; only a reading older than its
// customer's newest needs the customer's other times, which are then collected once from the
// rows the batch accepted.

export class SeenInChunk {
  private readonly newest = new Map<string, number>();
  private readonly all = new Map<string, Set<number>>();

  /** `acceptedTimes(customerId)`: event times of the customer's readings accepted so far in the batch. */
  constructor(private readonly acceptedTimes: (customerId: string) => Iterable<number>) {}

  has(customerId: string, eventTime: number): boolean {
    const newest = this.newest.get(customerId);
    if (newest === undefined || eventTime > newest) return false;
    if (eventTime === newest) return true;
    let times = this.all.get(customerId);
    if (times === undefined) this.all.set(customerId, (times = new Set(this.acceptedTimes(customerId))));
    return times.has(eventTime);
  }

  add(customerId: string, eventTime: number): void {
    const newest = this.newest.get(customerId);
    if (newest === undefined || eventTime > newest) this.newest.set(customerId, eventTime);
    this.all.get(customerId)?.add(eventTime);
  }
}
