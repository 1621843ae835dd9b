// The one definition of "an alert", used by the pipeline (src/worker/alerts.ts) and by
// `heartbeat evaluate` (src/evaluate/score.ts) alike, so what evaluate counts is what users get.
// Per customer and rule, in event-time order: the first anomaly is published; another one within
// cooldownMs of event time after the previous one (published or not) is suppressed, so an ongoing
// episode, or a rule that fires on every reading, alerts once. The cool-down is config
// alerts.cooldownMs. Pure: state is the last event time per (customer, rule), nothing else.
// In the pipeline it is kept per worker thread: a customer's readings go to one partition, so one
// thread sees them.

/** What the policy needs of an anomaly. */
export interface AlertInput {
  customerId: string;
  rule: string;
  /** Point anomalies: the reading's event time; episodes: the episode start. */
  eventTime: number;
}

export class AlertPolicy {
  /** Last event time seen per `customer\u0000rule`. */
  private readonly last = new Map<string, number>();
  private checks = 0;

  constructor(readonly cooldownMs: number) {}

  /** Whether one anomaly (the next in event-time order of its customer and rule) is published. */
  admits(a: AlertInput): boolean {
    const key = `${a.customerId}\u0000${a.rule}`;
    const previous = this.last.get(key);
    this.last.set(key, Math.max(previous ?? a.eventTime, a.eventTime));
    if ((this.checks += 1) % 100_000 === 0) this.prune();
    return previous === undefined || Math.abs(a.eventTime - previous) >= this.cooldownMs;
  }

  /** Splits anomalies (in event-time order) into those to publish and those the cool-down suppresses. */
  decide<T extends AlertInput>(anomalies: readonly T[]): { publish: T[]; suppress: T[] } {
    const publish: T[] = [];
    const suppress: T[] = [];
    for (const a of anomalies) (this.admits(a) ? publish : suppress).push(a);
    return { publish, suppress };
  }

  /** Forgets keys whose cool-down is long over (relative to the newest event time), bounding memory. */
  private prune(): void {
    let newest = 0;
    for (const t of this.last.values()) newest = Math.max(newest, t);
    for (const [key, t] of this.last) if (newest - t > this.cooldownMs) this.last.delete(key);
  }
}

/** An anomaly with the event-time span it covers (a point anomaly: start = end = its event time). */
export interface SpannedAnomaly extends AlertInput {
  start: number;
  end: number;
  /** When it was emitted (event time of the reading whose processing reported it). */
  detectedAt: number;
}

/** One published alert and the anomalies its cool-down suppressed after it. */
export interface AlertGroup {
  customerId: string;
  rule: string;
  /** From the published anomaly's start to the latest end of it and the anomalies it suppressed. */
  start: number;
  end: number;
  /** When the user was alerted: the published anomaly's emission time. */
  detectedAt: number;
  /** Anomalies in the group: the published one plus those suppressed after it. */
  anomalies: number;
}

/**
 * Applies the policy to anomalies in emission order (as the worker decides them) and groups each
 * suppressed anomaly with the alert its customer and rule last published.
 */
export function groupAlerts(anomalies: Iterable<SpannedAnomaly>, cooldownMs: number): AlertGroup[] {
  const policy = new AlertPolicy(cooldownMs);
  const open = new Map<string, AlertGroup>();
  const groups: AlertGroup[] = [];
  for (const a of anomalies) {
    const key = `${a.customerId}\u0000${a.rule}`;
    const current = open.get(key);
    if (policy.admits(a) || current === undefined) {
      const group = { customerId: a.customerId, rule: a.rule, start: a.start, end: a.end, detectedAt: a.detectedAt, anomalies: 1 };
      open.set(key, group);
      groups.push(group);
    } else {
      current.end = Math.max(current.end, a.end);
      current.anomalies += 1;
    }
  }
  return groups;
}
