// The per-customer, per-rule cool-down of alerts: the first anomaly of a (customer, rule) is
// published; another one within cooldownMs of event time after the previous one (published or
// not) is suppressed, so an ongoing episode, or a rule that fires on every reading, alerts once.
// Kept per worker thread: a customer's readings go to one partition, so one thread sees them.

/** What the gate needs of an anomaly. */
export interface GateInput {
  customerId: string;
  rule: string;
  eventTime: number;
}

export class AlertGate {
  /** Last event time seen per `customer\u0000rule`. */
  private readonly last = new Map<string, number>();
  private checks = 0;

  constructor(private readonly cooldownMs: number) {}

  /** Splits anomalies (in event-time order) into those to publish and those the cool-down suppresses. */
  decide<T extends GateInput>(anomalies: readonly T[]): { publish: T[]; suppress: T[] } {
    const publish: T[] = [];
    const suppress: T[] = [];
    for (const a of anomalies) {
      const key = `${a.customerId}\u0000${a.rule}`;
      const previous = this.last.get(key);
      if (previous !== undefined && Math.abs(a.eventTime - previous) < this.cooldownMs) suppress.push(a);
      else publish.push(a);
      this.last.set(key, Math.max(previous ?? a.eventTime, a.eventTime));
    }
    if ((this.checks += 1) % 1000 === 0) this.prune();
    return { publish, suppress };
  }

  /** Forgets keys whose cool-down is long over (relative to the newest event time), bounding memory. */
  private prune(): void {
    let newest = 0;
    for (const t of this.last.values()) newest = Math.max(newest, t);
    for (const [key, t] of this.last) if (newest - t > this.cooldownMs) this.last.delete(key);
  }
}
