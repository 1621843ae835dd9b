// The plugin contract: what a file in plugins/ default-exports (made with defineRule), the
// contexts a check reports through, and the type guard the loader checks exports with.
// Documented for plugin authors in plugins/README.md.
import { z } from 'zod';
import type { Level, Reading, Severity } from '../core/types.js';

/** Validators run first and may reject a reading; rules run on accepted readings and report. */
export type PluginKind = 'validator' | 'rule';

/** A zod schema of the plugin's options, with a default for every key (z.object({}) when none). */
export type OptionsSchema = z.ZodType<Record<string, unknown>>;

/** What a plugin declares about itself. */
export interface PluginMeta<O extends OptionsSchema = OptionsSchema> {
  /** Kebab-case; must equal the file name without extension. */
  readonly id: string;
  readonly kind: PluginKind;
  /** Semver of the plugin's behaviour. */
  readonly version: string;
  /** One sentence, shown by `heartbeat plugins`. */
  readonly description: string;
  readonly options: O;
  /** Report texts by messageId; `{{name}}` is replaced by data.name. Required to report anomalies. */
  readonly messages?: Readonly<Record<string, string>>;
  /** Lower runs first within its kind (default 0); ties run by id. */
  readonly order?: number;
}

/** How a validator refuses a reading. The first rejection wins; later validators do not run. */
export interface ValidatorContext {
  /** `reason`: stable snake_case code, e.g. heart_rate_out_of_range. `detail`: for humans. */
  reject(reason: string, detail?: string): void;
}

/** What a rule reports. */
export interface ReportDescriptor {
  /** A key of meta.messages. */
  readonly messageId: string;
  readonly severity: Severity;
  /** JSON-able values stored in the anomaly's detail and used in the message text. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** Episodes: the first event time of the episode; also the anomaly's eventTime (its identity). */
  readonly episodeStart?: number;
  /** Episodes: the last event time of the episode, once it has ended. */
  readonly episodeEnd?: number;
}

/** The context of a stateless rule. Valid during the call only: do not keep it. */
export interface RuleContext {
  report(descriptor: ReportDescriptor): void;
  /** Classify the reading (stored on its row). The `level` plugin does this. */
  setLevel(level: Level): void;
  /** The reading arrived after its partition's watermark (stateless rules still see it). */
  readonly late: boolean;
  /** The partition's watermark: newest event time seen minus the allowed lateness. */
  readonly watermark: number;
}

/** The context of a stateful rule, for a reading or a timer. Valid during the call only. */
export interface StatefulContext extends RuleContext {
  readonly customerId: string;
  /** Event time being handled: the reading's, or the time the timer was set for. */
  readonly now: number;
  /** Newest event time this rule has seen from the customer before now (-Infinity: none). */
  readonly latestEventTime: number;
  /** Call onTimer once the partition's watermark reaches `at` (event time). One timer per customer. */
  setTimer(at: number): void;
  clearTimer(): void;
}

/** A validator's check. */
export type ValidatorCheck = (reading: Reading, ctx: ValidatorContext) => void;

/** A stateless rule's check: sees every accepted reading, late ones included. */
export type RuleCheck = (reading: Reading, ctx: RuleContext) => void;

/**
 * A stateful rule. State is per customer and immutable: return a new state (or undefined for
 * "unchanged"); never modify the one you are given. Sees readings that are neither late nor
 * redelivered, in arrival order (out-of-order ones have eventTime < ctx.latestEventTime).
 */
export interface StatefulRule<S> {
  readonly initialState: S;
  /**
   * How long after a customer's newest reading (event time) this rule's state can still matter:
   * its longest window. The engine forgets a customer idle for longer than the longest of these
   * among the stateful rules (rules.stateIdleMs for a rule that declares none), unless a timer is
   * pending; beyond rules.maxCustomersInState it also forgets the least recently seen.
   */
  readonly keepStateMs?: number;
  onReading(reading: Reading, state: S, ctx: StatefulContext): S | void;
  onTimer?(state: S, ctx: StatefulContext): S | void;
}

export interface ValidatorDefinition<O extends OptionsSchema = OptionsSchema> {
  readonly meta: PluginMeta<O> & { readonly kind: 'validator' };
  create(options: z.output<O>): ValidatorCheck;
}

export interface RuleDefinition<O extends OptionsSchema = OptionsSchema, S = unknown> {
  readonly meta: PluginMeta<O> & { readonly kind: 'rule' };
  create(options: z.output<O>): RuleCheck | StatefulRule<S>;
}

/** What a plugin file default-exports. */
export type PluginDefinition = ValidatorDefinition | RuleDefinition;

/** Makes a plugin; the identity at run time, it types options and contexts for the author. */
export function defineRule<O extends OptionsSchema>(definition: ValidatorDefinition<O>): ValidatorDefinition<O>;
export function defineRule<O extends OptionsSchema, S = unknown>(definition: RuleDefinition<O, S>): RuleDefinition<O, S>;
export function defineRule(definition: PluginDefinition): PluginDefinition {
  return definition;
}

/**
 * Declares a stateful rule; the identity at run time. Return it from create(): the state type is
 * inferred from initialState (e.g. `initialState: null as Run | null`) and types onReading/onTimer.
 */
export function stateful<S>(rule: StatefulRule<S>): StatefulRule<S> {
  return rule;
}

/** Plugin ids: kebab-case, like their file names. */
export const PLUGIN_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** What is wrong with a would-be plugin export, or undefined when it fits the contract. */
export function contractProblem(value: unknown): string | undefined {
  if (!isObject(value)) return `the default export must be made with defineRule({ meta, create }), got ${value === null ? 'null' : typeof value}`;
  const meta = value.meta;
  if (!isObject(meta)) return 'the default export has no meta object';
  if (typeof meta.id !== 'string' || !PLUGIN_ID.test(meta.id)) return `meta.id must be a kebab-case string, got ${JSON.stringify(meta.id)}`;
  if (meta.kind !== 'validator' && meta.kind !== 'rule') return `meta.kind must be "validator" or "rule", got ${JSON.stringify(meta.kind)}`;
  if (typeof meta.version !== 'string' || meta.version === '') return 'meta.version must be a non-empty string';
  if (typeof meta.description !== 'string' || meta.description === '') return 'meta.description must be a non-empty string';
  // Duck-typed rather than instanceof: a plugin may resolve its own copy of zod.
  if (!isObject(meta.options) || typeof (meta.options as { safeParse?: unknown }).safeParse !== 'function') {
    return 'meta.options must be a zod schema (z.object({}) when the plugin has no options)';
  }
  if (meta.messages !== undefined && (!isObject(meta.messages) || !Object.values(meta.messages).every((m) => typeof m === 'string'))) {
    return 'meta.messages must map message ids to strings';
  }
  if (meta.order !== undefined && (typeof meta.order !== 'number' || !Number.isFinite(meta.order))) return 'meta.order must be a finite number';
  if (typeof value.create !== 'function') return 'the default export has no create(options) function';
  return undefined;
}

/** Type guard for the loader: true when `value` fits the plugin contract. */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return contractProblem(value) === undefined;
}

/** What is wrong with what create() returned, or undefined. */
export function checkProblem(kind: PluginKind, check: unknown): string | undefined {
  if (typeof check === 'function') return undefined;
  if (kind === 'rule' && isObject(check) && typeof check.onReading === 'function' && 'initialState' in check &&
    (check.onTimer === undefined || typeof check.onTimer === 'function')) return undefined;
  return kind === 'validator'
    ? 'create(options) must return a function (reading, ctx) => void'
    : 'create(options) must return a function (reading, ctx) => void or { initialState, onReading, onTimer? }';
}

/** Fills `{{name}}` placeholders of a message from data. */
export function renderMessage(template: string, data: Readonly<Record<string, unknown>> | undefined): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, name: string) =>
    data !== undefined && name in data ? String(data[name]) : whole);
}
