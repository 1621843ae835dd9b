// The scorer of `heartbeat evaluate`: turns a replay's anomalies into the alerts a user would get
// (the pipeline's own alert policy, src/rules/alert-policy.ts, with its cool-down), matches them to the injected episodes, and computes per rule recall, false alerts per
// customer-day and detection delay, and whether the targets are met. Pure.
import { groupAlerts, type AlertGroup } from '../rules/alert-policy.js';
import type { EpisodeKind, EpisodeRecord } from '../simulator/types.js';
import type { Detection, ReplayResult } from './replay.js';
import { FALSE_ALERTS_TARGET, type RuleSpec } from './rule-specs.js';

/** How anomalies are grouped and matched. */
export interface ScoreSettings {
  /**
   * The pipeline's cool-down per customer and rule (config alerts.cooldownMs; ms, default 5 min): an
   * anomaly within it of the previous one is not alerted again (see src/rules/alert-policy.ts).
   */
  cooldownMs?: number;
  /**
   * An alert matches an injected episode when it starts before the episode ends and ends no earlier
   * than this before the episode starts (ms, default 30 s): an alert may open a little early (signal-loss
   * dates a silence from the last reading), but one that opens after the episode is over is not explained by it.
   */
  toleranceMs?: number;
}

/**
 * One alert: a published anomaly and those its cool-down suppressed after it. Its span runs from the
 * published anomaly's start to the latest end among them (an episode still open at the end of the
 * span: until then).
 */
export type Alert = AlertGroup;

/** The figures of one rule. */
export interface RuleScore {
  rule: string;
  matches: readonly EpisodeKind[];
  scored: boolean;
  /** Anomalies reported (episodes count once), and the alerts they make. */
  anomalies: number;
  alerts: number;
  /** Alerts matching no injected episode of a kind in `matches`. */
  falseAlerts: number;
  falsePerCustomerDay: number;
  /** Injected episodes of the matched kinds long enough for the window and early enough to be seen before the span ends. */
  injected: number;
  detected: number;
  /** detected / injected; null when nothing was injected. */
  recall: number | null;
  /** Recall on devices that report movement (activity or steps), and on those that report none. */
  recallWithMovement: number | null;
  recallWithoutMovement: number | null;
  recallTarget: number | null;
  recallTargetWithoutMovement: number | null;
  windowMs: number;
  /** Median and largest delay from episode start to the first matching alert (ms); null when none detected. */
  medianDelayMs: number | null;
  maxDelayMs: number | null;
  delayLimitMs: number;
  /** What this rule misses, in words; empty when its targets are met. */
  missed: string[];
}

/** The whole evaluation. */
export interface Evaluation {
  startMs: number;
  endMs: number;
  customers: number;
  customerDays: number;
  messages: number;
  rejects: number;
  cooldownMs: number;
  toleranceMs: number;
  rules: RuleScore[];
  /** Injected flatlines (no shipped rule is meant to detect them) and how many any alert overlapped. */
  flatline: { injected: number; overlapped: number };
  /** False alerts of all scored rules together, per customer-day. */
  falsePerCustomerDay: number;
  falseAlertsTarget: number;
  /** Every missed target, in words; empty when all are met. */
  missed: string[];
  passed: boolean;
}

/**
 * The alerts a user gets from detections (any rules, in emission order): each detection spans its
 * event time (point) or its episode (an open one: until `endMs`), then the alert policy decides.
 */
export function alertsOf(detections: readonly Detection[], endMs: number, cooldownMs: number): Alert[] {
  return groupAlerts(detections.map((d) => ({
    customerId: d.customerId, rule: d.rule, eventTime: d.eventTime, detectedAt: d.detectedAt,
    start: d.episodeStart ?? d.eventTime,
    end: d.episodeStart === undefined ? d.eventTime : d.episodeEnd ?? Math.max(endMs, d.detectedAt),
  })), cooldownMs);
}

const overlaps = (a: Alert, e: EpisodeRecord, tolerance: number) => a.start < e.end && a.end >= e.start - tolerance;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function indexByCustomer<T extends { customerId: string }>(items: readonly T[]): Map<string, T[]> {
  const index = new Map<string, T[]>();
  for (const item of items) {
    const list = index.get(item.customerId);
    if (list === undefined) index.set(item.customerId, [item]); else list.push(item);
  }
  return index;
}

function scoreRule(spec: RuleSpec, detections: readonly Detection[], episodes: readonly EpisodeRecord[], replay: ReplayResult, customerDays: number, cooldownMs: number, tolerance: number): RuleScore {
  const alerts = alertsOf(detections, replay.endMs, cooldownMs);
  const kinds = new Set<EpisodeKind>(spec.matches);
  const relevant = indexByCustomer(episodes.filter((e) => kinds.has(e.kind)));
  const alertsByCustomer = indexByCustomer(alerts);

  const falseAlerts = alerts.filter((a) => !(relevant.get(a.customerId) ?? []).some((e) => overlaps(a, e, tolerance))).length;
  // Recall counts the episodes the rule could have caught: at least its window long, and started
  // early enough for the delay limit to pass before the span ends.
  const eligible = episodes.filter((e) => kinds.has(e.kind) && e.end - e.start >= spec.windowMs && e.start + spec.delayLimitMs <= replay.endMs);
  const delays: number[] = [];
  const found = { with: [0, 0], without: [0, 0] };
  for (const e of eligible) {
    const matching = (alertsByCustomer.get(e.customerId) ?? []).filter((a) => overlaps(a, e, tolerance));
    const group = e.movement === 'none' ? found.without : found.with;
    group[1]! += 1;
    if (matching.length === 0) continue;
    group[0]! += 1;
    delays.push(Math.min(...matching.map((a) => a.detectedAt)) - e.start);
  }
  const ratio = ([hit, all]: number[]) => (all === 0 ? null : hit! / all!);
  const recall = eligible.length === 0 ? null : delays.length / eligible.length;
  const recallWithMovement = ratio(found.with);
  const recallWithoutMovement = ratio(found.without);
  const medianDelayMs = median(delays);
  const missed: string[] = [];
  if (spec.scored && spec.recallTarget !== null && recallWithMovement !== null && recallWithMovement < spec.recallTarget) {
    missed.push(`${spec.rule}: recall ${recallWithMovement.toFixed(3)} < ${spec.recallTarget} on devices that report movement`);
  }
  if (spec.scored && spec.recallTargetWithoutMovement !== null && recallWithoutMovement !== null && recallWithoutMovement < spec.recallTargetWithoutMovement) {
    missed.push(`${spec.rule}: recall ${recallWithoutMovement.toFixed(3)} < ${spec.recallTargetWithoutMovement} on devices that report no movement`);
  }
  if (spec.scored && medianDelayMs !== null && medianDelayMs > spec.delayLimitMs) {
    missed.push(`${spec.rule}: median delay ${medianDelayMs / 1000} s > ${spec.delayLimitMs / 1000} s`);
  }
  return {
    rule: spec.rule, matches: spec.matches, scored: spec.scored, anomalies: detections.length, alerts: alerts.length,
    falseAlerts: spec.scored ? falseAlerts : 0, falsePerCustomerDay: spec.scored ? falseAlerts / customerDays : 0,
    injected: eligible.length, detected: delays.length, recall, recallWithMovement, recallWithoutMovement,
    recallTarget: spec.recallTarget, recallTargetWithoutMovement: spec.recallTargetWithoutMovement, windowMs: spec.windowMs,
    medianDelayMs, maxDelayMs: delays.length === 0 ? null : Math.max(...delays), delayLimitMs: spec.delayLimitMs, missed,
  };
}

/** Scores a replay against the specs of the rules it ran. */
export function score(replay: ReplayResult, specs: readonly RuleSpec[], settings: ScoreSettings = {}): Evaluation {
  const cooldownMs = settings.cooldownMs ?? 300_000;
  const toleranceMs = settings.toleranceMs ?? 30_000;
  const customerDays = (replay.customers * (replay.endMs - replay.startMs)) / 86_400_000;
  const byRule = new Map<string, Detection[]>();
  for (const d of replay.detections) {
    const list = byRule.get(d.rule);
    if (list === undefined) byRule.set(d.rule, [d]); else list.push(d);
  }
  const rules = specs.map((spec) => scoreRule(spec, byRule.get(spec.rule) ?? [], replay.episodes, replay, customerDays, cooldownMs, toleranceMs));

  const flatlines = replay.episodes.filter((e) => e.kind === 'flatline');
  const allAlerts = indexByCustomer(specs.flatMap((s) => alertsOf(byRule.get(s.rule) ?? [], replay.endMs, cooldownMs)));
  const overlapped = flatlines.filter((e) => (allAlerts.get(e.customerId) ?? []).some((a) => overlaps(a, e, toleranceMs))).length;

  const falsePerCustomerDay = rules.reduce((sum, r) => sum + r.falseAlerts, 0) / customerDays;
  const missed = rules.flatMap((r) => r.missed);
  if (falsePerCustomerDay > FALSE_ALERTS_TARGET) {
    missed.push(`false alerts ${falsePerCustomerDay.toFixed(2)} per customer-day > ${FALSE_ALERTS_TARGET}`);
  }
  return {
    startMs: replay.startMs, endMs: replay.endMs, customers: replay.customers, customerDays, messages: replay.messages, rejects: replay.rejects,
    cooldownMs, toleranceMs, rules, flatline: { injected: flatlines.length, overlapped }, falsePerCustomerDay,
    falseAlertsTarget: FALSE_ALERTS_TARGET, missed, passed: missed.length === 0,
  };
}
