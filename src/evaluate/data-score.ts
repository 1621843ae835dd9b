// The scorer of `heartbeat evaluate --data`: recordings have no labels, so nothing is "false" or
// "missed"; what a person would notice is how often they are alerted. Per rule and in total:
// alerts and anomaly rows per customer-day, and the share of customer-days with any alert. Alerts
// are the pipeline's own (src/rules/alert-policy.ts). Pure.
import type { RecordingsResult } from './recordings.js';
import { customerDayOf } from './recordings.js';
import type { Detection } from './replay.js';
import { alertsOf } from './score.js';

/** Most alerts per customer-day, all rules together, on healthy people's recordings (issue 13). */
export const DATA_ALERTS_TARGET = 0.5;
/** Most anomaly rows per customer-day, all rules together. */
export const DATA_ROWS_TARGET = 5;

/** One rule's figures (or the total, rule '(all)'). */
export interface DataRuleScore {
  rule: string;
  rows: number;
  alerts: number;
  rowsPerCustomerDay: number;
  alertsPerCustomerDay: number;
  /** Customer-days on which the person was alerted at least once, over all customer-days. */
  alertedDayShare: number;
}

/** The whole real-data evaluation. */
export interface DataEvaluation {
  files: readonly string[];
  readings: number;
  customers: number;
  customerDays: number;
  skipped: number;
  rejects: number;
  cooldownMs: number;
  sampleDays: number | null;
  rules: DataRuleScore[];
  total: DataRuleScore;
  /** Every missed target, in words; empty when both are met. */
  missed: string[];
}

function figures(rule: string, detections: readonly Detection[], endMs: number, cooldownMs: number, customerDays: number): DataRuleScore {
  const alerts = alertsOf(detections, endMs, cooldownMs);
  // The day the person got the alert: detectedAt is the event time of a reading, so a covered day.
  const alertedDays = new Set(alerts.map((a) => customerDayOf(a.customerId, a.detectedAt)));
  const per = (n: number) => (customerDays === 0 ? 0 : n / customerDays);
  return {
    rule, rows: detections.length, alerts: alerts.length, rowsPerCustomerDay: per(detections.length), alertsPerCustomerDay: per(alerts.length),
    alertedDayShare: per(alertedDays.size),
  };
}

/**
 * Scores one variant's detections. `rules`: the alerting rules to report, in order (rules that only
 * classify, like level, report no anomalies and are left out by the caller).
 */
export function scoreData(result: RecordingsResult, variant: number, rules: readonly string[], settings: { files: readonly string[]; cooldownMs: number; sampleDays?: number }): DataEvaluation {
  const { detections, rejects } = result.variants[variant]!;
  const days = result.customerDays.size;
  // An episode still open when the recordings end lasts until their last reading.
  const endMs = detections.reduce((max, d) => Math.max(max, d.detectedAt, d.episodeEnd ?? 0), 0);
  const byRule = new Map<string, Detection[]>(rules.map((r) => [r, []]));
  for (const d of detections) byRule.get(d.rule)?.push(d);
  const scores = rules.map((r) => figures(r, byRule.get(r)!, endMs, settings.cooldownMs, days));
  const total = figures('(all)', rules.flatMap((r) => byRule.get(r)!), endMs, settings.cooldownMs, days);
  const missed: string[] = [];
  if (total.alertsPerCustomerDay > DATA_ALERTS_TARGET) missed.push(`recordings: ${total.alertsPerCustomerDay.toFixed(2)} alerts per customer-day > ${DATA_ALERTS_TARGET}`);
  if (total.rowsPerCustomerDay > DATA_ROWS_TARGET) missed.push(`recordings: ${total.rowsPerCustomerDay.toFixed(2)} anomaly rows per customer-day > ${DATA_ROWS_TARGET}`);
  return {
    files: settings.files, readings: result.readings, customers: result.customers, customerDays: days, skipped: result.skipped, rejects,
    cooldownMs: settings.cooldownMs, sampleDays: settings.sampleDays ?? null, rules: scores, total, missed,
  };
}
