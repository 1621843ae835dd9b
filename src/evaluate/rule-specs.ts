// What each rule is scored against in `heartbeat evaluate`: the injected episode kinds its alerts
// may match, its own window (from its effective options) and targets.
import type { LoadedPlugin } from '../rules/loader.js';
import type { EpisodeKind } from '../simulator/types.js';

/** How one rule is scored. */
export interface RuleSpec {
  rule: string;
  /** Injected kinds an alert of this rule may match. */
  matches: readonly EpisodeKind[];
  /**
   * How long an episode must go on before the rule can alert (ms): durationMs of the episode rules,
   * silenceMs plus the allowed lateness for signal-loss (its timer fires when the watermark passes).
   * Recall counts only injected episodes at least this long.
   */
  windowMs: number;
  /** Most median detection delay allowed: windowMs + 5 s. */
  delayLimitMs: number;
  /** Least recall allowed on devices that report movement, or null when recall is reported but not a target. */
  recallTarget: number | null;
  /** Least recall allowed on devices that report no movement (activity or steps), or null. */
  recallTargetWithoutMovement: number | null;
  /** False when the simulator has no ground truth for the rule (a plugin it does not know): alerts are counted, not scored. */
  scored: boolean;
}

/** Slack on every rule's delay target: one reading interval and a half. */
export const DELAY_SLACK_MS = 5_000;
/** Recall target of the rules each injected heart-rhythm or signal-loss episode is named after. */
export const RECALL_TARGET = 0.99;
/** The same on devices that send neither activity nor steps, where activity is inferred. */
export const RECALL_TARGET_WITHOUT_MOVEMENT = 0.9;
/** Most false alerts per customer-day, all rules together. */
export const FALSE_ALERTS_TARGET = 1;

const num = (options: Readonly<Record<string, unknown>>, key: string): number => {
  const value = options[key];
  if (typeof value !== 'number') throw new TypeError(`option ${key} is not a number`);
  return value;
};

/** Specs of the shipped rules that report anomalies, by id; windows come from the effective options. */
const SHIPPED: Record<string, (o: Readonly<Record<string, unknown>>, allowedLatenessMs: number) => Omit<RuleSpec, 'rule' | 'delayLimitMs' | 'scored' | 'recallTargetWithoutMovement'>> = {
  bradycardia: (o) => ({ matches: ['bradycardia'], windowMs: num(o, 'durationMs'), recallTarget: RECALL_TARGET }),
  tachycardia: (o) => ({ matches: ['tachycardia'], windowMs: num(o, 'durationMs'), recallTarget: RECALL_TARGET }),
  'signal-loss': (o, lateness) => ({ matches: ['signal-loss'], windowMs: num(o, 'silenceMs') + lateness, recallTarget: RECALL_TARGET }),
  // Any heart-rhythm episode is a real change from the customer's baseline; no recall target.
  'baseline-shift': (o) => ({ matches: ['bradycardia', 'tachycardia'], windowMs: num(o, 'minDurationMs'), recallTarget: null }),
};

/** Rules that only classify (level) or validate never alert: they are left out. */
const NON_ALERTING = new Set(['level']);

/** The spec of every loaded rule that can alert, in plugin order. */
export function ruleSpecs(plugins: readonly LoadedPlugin[], allowedLatenessMs: number): RuleSpec[] {
  return plugins.filter((p) => p.meta.kind === 'rule' && !NON_ALERTING.has(p.meta.id)).map((p) => {
    const make = SHIPPED[p.meta.id];
    if (make === undefined) {
      return { rule: p.meta.id, matches: [], windowMs: 0, delayLimitMs: DELAY_SLACK_MS, recallTarget: null, recallTargetWithoutMovement: null, scored: false };
    }
    const spec = make(p.options, allowedLatenessMs);
    const recallTargetWithoutMovement = spec.recallTarget === null ? null : RECALL_TARGET_WITHOUT_MOVEMENT;
    return { rule: p.meta.id, ...spec, recallTargetWithoutMovement, delayLimitMs: spec.windowMs + DELAY_SLACK_MS, scored: true };
  });
}
