// Publishing alerts: after a chunk's anomalies are stored, each stored anomaly whose alert is not
// decided yet is either published as JSON to the alerts topic or suppressed by the cool-down (src/rules/alert-policy.ts), and
// the decision is recorded in PostgreSQL. All before the chunk's offset commits, so an alert is
// published at least once: a crash before the decision is recorded publishes it again.
import type { Anomaly } from '../core/types.js';
import type { Publisher } from '../kafka/producer.js';
import { markAlerted, pendingAlerts, staleAlerts, type PendingAlert } from '../store/alert-state.js';
import { AlertPolicy } from '../rules/alert-policy.js';

/** The JSON published to the alerts topic (key: the customer id) and pushed to the dashboard. */
export interface Alert {
  type: 'anomaly';
  id: string;
  customerId: string;
  rule: string;
  severity: PendingAlert['severity'];
  /** ISO 8601. Point anomalies: the reading's event time; episodes: the episode start. */
  eventTime: string;
  episodeStart: string | null;
  episodeEnd: string | null;
  detectedAt: string;
  message: string | null;
  detail: Record<string, unknown>;
}

/** The store's pool type, named without importing pg here (src/store owns pg). */
type Pool = Parameters<typeof pendingAlerts>[0];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toAlert(p: PendingAlert): Alert {
  return {
    type: 'anomaly', id: p.id, customerId: p.customerId, rule: p.rule, severity: p.severity,
    eventTime: iso(p.eventTime)!, episodeStart: iso(p.episodeStart), episodeEnd: iso(p.episodeEnd), detectedAt: iso(p.detectedAt)!,
    message: typeof p.detail.message === 'string' ? p.detail.message : null, detail: p.detail,
  };
}

/** Undecided for this long means the chunk that stored it never finished (a crash). */
const STALE_AFTER_MS = 30_000;
/** How often a worker looks for such leftovers. */
const SWEEP_EVERY_MS = 10_000;

/** Decides, publishes and records the alerts of stored anomalies. */
export class AlertPublisher {
  private lastSweep = 0;
  private readonly policy: AlertPolicy;
  /** Decisions taken but not yet recorded (a failed attempt keeps them, so a retry decides the same). */
  private readonly decided = new Map<string, boolean>();

  constructor(private readonly pool: Pool, private readonly publisher: Publisher, private readonly topic: string, cooldownMs: number) {
    this.policy = new AlertPolicy(cooldownMs);
  }

  /** Returns the alerts published and how many were suppressed. Throws (to be retried) on failure. */
  async run(anomalies: readonly Anomaly[]): Promise<{ published: Alert[]; suppressed: number }> {
    const pending = await pendingAlerts(this.pool, anomalies);
    // A crash between storing and deciding leaves rows the redelivered chunk may not report again
    // (an episode rule's state died with the worker): sweep them up now and then.
    if (Date.now() - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = Date.now();
      const seen = new Set(pending.map((p) => p.id));
      pending.push(...(await staleAlerts(this.pool, STALE_AFTER_MS)).filter((p) => !seen.has(p.id)));
      pending.sort((a, b) => a.eventTime - b.eventTime);
    }
    if (pending.length === 0) return { published: [], suppressed: 0 };
    const undecided = pending.filter((p) => !this.decided.has(p.id));
    const { publish } = this.policy.decide(undecided);
    for (const p of undecided) this.decided.set(p.id, publish.includes(p));
    const toPublish = pending.filter((p) => this.decided.get(p.id) === true);
    const suppressed = pending.filter((p) => this.decided.get(p.id) === false).map((p) => p.id);
    const alerts = toPublish.map(toAlert);
    await this.publisher.send(this.topic, alerts.map((a) => ({ key: a.customerId, value: JSON.stringify(a) })));
    await markAlerted(this.pool, toPublish.map((p) => p.id), suppressed);
    for (const p of pending) this.decided.delete(p.id);
    return { published: alerts, suppressed: suppressed.length };
  }
}
