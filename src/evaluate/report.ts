// The output of `heartbeat evaluate`: a table for people and one JSON line for machines. Pure.
import { DATA_ALERTS_TARGET, DATA_ROWS_TARGET, type DataEvaluation, type DataRuleScore } from './data-score.js';
import type { Evaluation, RuleScore } from './score.js';

const seconds = (ms: number | null) => (ms === null ? '-' : `${Math.round(ms / 100) / 10} s`);
const hours = (ms: number) => Math.round((ms / 3_600_000) * 100) / 100;

function recallCell(recall: number | null, target: number | null): string {
  if (recall === null) return '-';
  return `${recall.toFixed(3)}${target === null ? '' : recall >= target ? ' ok' : ' LOW'}`;
}

function delayCell(r: RuleScore): string {
  if (r.medianDelayMs === null) return '-';
  return `${seconds(r.medianDelayMs)}${!r.scored ? '' : r.medianDelayMs <= r.delayLimitMs ? ' ok' : ' SLOW'}`;
}

/** The evaluation as an aligned text table with the totals and how alerts were counted. */
export function formatTable(e: Evaluation): string {
  const header = ['rule', 'matches injected', 'episodes', 'detected', 'recall', 'with movement', 'without', 'anomalies', 'alerts', 'false', 'false/cust-day', 'median delay', 'max delay', 'delay limit'];
  const rows = e.rules.map((r) => [
    r.rule, r.scored ? r.matches.join('+') : '(not scored)', String(r.injected), String(r.detected), recallCell(r.recall, null),
    recallCell(r.recallWithMovement, r.recallTarget), recallCell(r.recallWithoutMovement, r.recallTargetWithoutMovement),
    String(r.anomalies), String(r.alerts), r.scored ? String(r.falseAlerts) : '-', r.scored ? r.falsePerCustomerDay.toFixed(3) : '-',
    delayCell(r), seconds(r.maxDelayMs), seconds(r.delayLimitMs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const total = e.rules.reduce((sum, r) => sum + r.falseAlerts, 0);
  return [
    `Evaluation: ${e.customers} customers x ${hours(e.endMs - e.startMs)} h from ${new Date(e.startMs).toISOString()} ` +
      `(${e.customerDays.toFixed(1)} customer-days, ${e.messages} messages, ${e.rejects} rejected)`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `flatline (no rule targets it): ${e.flatline.injected} injected, ${e.flatline.overlapped} overlapped by some alert`,
    `false alerts, all rules: ${total} = ${e.falsePerCustomerDay.toFixed(3)} per customer-day (target <= ${e.falseAlertsTarget}) ` +
      `${e.falsePerCustomerDay <= e.falseAlertsTarget ? 'ok' : 'HIGH'}`,
    '',
    `Alerts, as the pipeline publishes them: per customer and rule, an anomaly (a reading, or an episode by its start) less than ${e.cooldownMs / 1000} s (alerts.cooldownMs) after the previous one is not alerted again.`,
    `An alert matches an injected episode of a listed kind when it starts before the episode ends and ends at most ${e.toleranceMs / 1000} s before it starts; one matching none is false.`,
    'Episodes: injected ones at least the rule\'s window long that could be seen before the span ended. Delay: first matching alert\'s emission (event time) minus the episode start.',
    'Recall with movement: on devices that send an activity or a step count (target 0.99); without: on devices that send neither, where activity is inferred (target 0.9).',
    'Delay limit: the rule\'s window (signal-loss: silence plus the allowed lateness, after which its timer fires) plus 5 s.',
    '',
    e.passed ? 'All targets met.' : `Targets missed:\n${e.missed.map((m) => `  - ${m}`).join('\n')}`,
  ].join('\n');
}

/** The evaluation as one JSON line (ms and ratios, unrounded). */
export function toJsonLine(e: Evaluation): string {
  return JSON.stringify({
    customers: e.customers, hours: hours(e.endMs - e.startMs), start: new Date(e.startMs).toISOString(), customerDays: e.customerDays,
    messages: e.messages, rejects: e.rejects, cooldownMs: e.cooldownMs, toleranceMs: e.toleranceMs,
    rules: e.rules.map((r) => ({
      rule: r.rule, scored: r.scored, matches: r.matches, episodes: r.injected, detected: r.detected, recall: r.recall,
      recallWithMovement: r.recallWithMovement, recallWithoutMovement: r.recallWithoutMovement,
      anomalies: r.anomalies, alerts: r.alerts, falseAlerts: r.falseAlerts, falsePerCustomerDay: r.falsePerCustomerDay,
      medianDelayMs: r.medianDelayMs, maxDelayMs: r.maxDelayMs, delayLimitMs: r.delayLimitMs,
    })),
    flatline: e.flatline, falsePerCustomerDay: e.falsePerCustomerDay, passed: e.passed, missed: e.missed,
  });
}

/** The real-data figures as a table, with each rule's recall on the simulator next to them. */
export function formatDataTable(d: DataEvaluation, simulated: Evaluation): string {
  const recall = new Map(simulated.rules.map((r) => [r.rule, r]));
  const header = ['rule', 'sim. recall with movement', 'without', 'anomaly rows', 'rows/cust-day', 'alerts', 'alerts/cust-day', 'days alerted'];
  const row = (r: DataRuleScore, recallText: [string, string]) => [
    r.rule, ...recallText, String(r.rows), r.rowsPerCustomerDay.toFixed(2), String(r.alerts), r.alertsPerCustomerDay.toFixed(3), `${(100 * r.alertedDayShare).toFixed(1)} %`,
  ];
  const rows = [
    ...d.rules.map((r) => {
      const sim = recall.get(r.rule);
      return row(r, sim === undefined ? ['-', '-'] : [recallCell(sim.recallWithMovement, sim.recallTarget), recallCell(sim.recallWithoutMovement, sim.recallTargetWithoutMovement)]);
    }),
    row(d.total, ['', '']),
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const verdict = (value: number, target: number) => (value <= target ? 'ok' : 'HIGH');
  return [
    `Recordings: ${d.files.join(', ')}: ${d.readings} readings of ${d.customers} customers, ${d.customerDays} customer-days` +
      `${d.sampleDays === null ? '' : ` (first ${d.sampleDays} days of each customer)`}, ${d.skipped} rows skipped, ${d.rejects} readings rejected`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.slice(0, -1).map(line),
    line(widths.map((w) => '-'.repeat(w))),
    line(rows.at(-1)!),
    '',
    `alerts per customer-day: ${d.total.alertsPerCustomerDay.toFixed(3)} (target <= ${DATA_ALERTS_TARGET}) ${verdict(d.total.alertsPerCustomerDay, DATA_ALERTS_TARGET)}; ` +
      `anomaly rows per customer-day: ${d.total.rowsPerCustomerDay.toFixed(2)} (target <= ${DATA_ROWS_TARGET}) ${verdict(d.total.rowsPerCustomerDay, DATA_ROWS_TARGET)}`,
    `A customer-day is a UTC day of a customer with at least one reading. Alerts as the pipeline publishes them (cool-down ${d.cooldownMs / 1000} s per customer and rule);`,
    'anomaly rows as the store keeps them (an episode is one row). Days alerted: customer-days on which at least one alert was published.',
  ].join('\n');
}

/** The real-data figures as one JSON line. */
export function toDataJsonLine(d: DataEvaluation): string {
  return JSON.stringify({ recordings: d });
}
