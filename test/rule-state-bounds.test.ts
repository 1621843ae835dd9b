// A fleet with many more customers than a worker keeps state for: the running app forgets the least
// recently seen beyond rules.maxCustomersInState, says so on /metrics, and no worker restarts.
import { describe, expect, it } from 'vitest';
import { byLabel, scrapeUntil } from './support/metrics.js';
import { explainFailure, publish, readingMessage, useDashboardApp, waitForCounts } from './support/pipeline.js';

const CUSTOMERS = 6000;
const CAP = 1000;

describe('rule state with many customers', () => {
  const fixture = useDashboardApp('state-bounds', { RULES_MAX_CUSTOMERS_IN_STATE: String(CAP) });

  it('keeps at most the cap per worker, counts what it forgot, and restarts no worker', async () => {
    const { pool, names, app } = fixture;
    const t0 = Date.now() - 60_000;
    await publish(names.topic, Array.from({ length: CUSTOMERS }, (_, i) => readingMessage(`many-${i}`, t0 + i, 60 + (i % 40))));
    await explainFailure(app, waitForCounts(pool, { heartbeats: CUSTOMERS }));
    // Every customer accounted for, and the commit after the last chunk has swept the state down to
    // the cap: a chunk may overshoot it until then, and the workers report their counts on a timer,
    // so a report taken between the last chunk and its commit shows the overshoot. A worker that
    // never sweeps keeps the overshoot, and this wait times out.
    const samples = await explainFailure(app, scrapeUntil(`${fixture.baseUrl}metrics`, (s) =>
      (s.get('heartbeat_rule_state_customers') ?? 0) + (byLabel(s, 'heartbeat_rule_state_evictions_total', 'cause').cap ?? 0) === CUSTOMERS &&
      (s.get('heartbeat_rule_state_customers') ?? Infinity) <= 2 * CAP));
    const inState = samples.get('heartbeat_rule_state_customers')!;
    // Two workers, each at most its cap.
    expect(inState).toBeLessThanOrEqual(2 * CAP);
    expect(byLabel(samples, 'heartbeat_rule_state_evictions_total', 'cause').cap).toBeGreaterThanOrEqual(CUSTOMERS - 2 * CAP);
    expect(samples.get('heartbeat_worker_restarts_total')).toBe(0);
  });
});
