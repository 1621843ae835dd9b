// Runs the loaded plugins on one reading at a time, inside one worker thread, as processChunk
// asks (src/core/reading-rules.ts): validators, then, for a reading the core accepted, event-time
// bookkeeping (watermark, due timers), stateless rules, stateful rules. It answers with what the
// plugins said; the core decides what becomes of the reading (duplicate, late, row, reject).
// Every plugin call is isolated: a throw or an overrun of the time budget is counted and reported
// to onPluginFailure. Validators fail closed: one that throws, or returns only after
// rules.watchdogMs, rejects the reading (validator_failed:<id>); a validator is never disabled,
// since that would let through what it exists to stop; one merely over its budget keeps its
// verdict. A rule that fails is left out of that reading; one that throws N times in a row is
// disabled (slowness alone never disables: it is mostly the machine, e.g. a GC pause).
// Each reading is frozen before any plugin sees it, so no plugin can change the stored row or what
// the next plugin sees; the contexts are frozen too (their fields are read-only getters).
import { performance } from 'node:perf_hooks';
import type { AppConfig } from '../config-schema.js';
import type { DecodePolicy } from '../core/decode.js';
import type { Position, ReadingRules, Rejection, Verdict } from '../core/reading-rules.js';
import { LEVELS, SEVERITIES, type Anomaly, type Level, type RawMessage, type Reading } from '../core/types.js';
import { PluginRuntimeError } from '../errors.js';
import { renderMessage, type PluginKind, type ReportDescriptor, type StatefulContext } from './contract.js';
import { CallBoard } from './call-board.js';
import { deepFreeze } from './deep-freeze.js';
import type { LoadedPlugin } from './loader.js';
import { StateStore, type CustomerState, type PartitionState, type StateCounts } from './partition-state.js';

/** Engine settings, from config `rules.*` and `input.*` (see engineOptionsFromConfig). */
export interface EngineOptions {
  readonly allowedLatenessMs: number;
  /**
   * How far ahead of the worker's clock (processChunk's `now`) an event time may move the
   * watermark. A producer's clock is not ours: one reading stamped an hour ahead must not make
   * every other device's readings late.
   */
  readonly maxClockSkewMs: number;
  /** A plugin call taking longer counts as a failure. */
  readonly timeBudgetMs: number;
  /**
   * A customer's state is forgotten after this long without a reading (event time), or the longest
   * keepStateMs a stateful rule declares if longer; unset: never (tests, evaluate).
   */
  readonly stateIdleMs?: number;
  /** Most customers in state; beyond it the least recently seen are forgotten. Unset: no cap. */
  readonly maxCustomersInState?: number;
  /**
   * A validator call that returns after longer than this has timed out: the reading is rejected as
   * validator_failed:<id>, whatever its verdict (config rules.watchdogMs, far beyond any GC pause;
   * a call that never returns is the watchdog's). Unset: never.
   */
  readonly validatorTimeoutMs?: number;
  /** Throws in a row after which a rule plugin is disabled (validators never are). */
  readonly maxConsecutiveFailures: number;
  readonly decode: DecodePolicy;
  /** Also deep-freeze rule states (tests): a rule modifying its state then throws. (Readings are always frozen.) */
  readonly strict?: boolean;
  /**
   * Where the engine shows which reading and plugin it is running, for the orchestrator's watchdog
   * (a plugin that never returns cannot be timed from inside). Default: a board nobody reads.
   */
  readonly board?: CallBoard;
  /** Told of every plugin failure; the worker turns it into a log line. Must not throw. */
  readonly onPluginFailure?: (failure: PluginFailure) => void;
}

/** One failed plugin call. */
export interface PluginFailure {
  pluginId: string;
  kind: 'threw' | 'slow';
  /** code PLUGIN_FAILED; `cause` is what the plugin threw. */
  error: PluginRuntimeError;
  durationMs: number;
  customerId: string;
  partition: number;
  offset: string;
  /** Throws in a row so far (a call that returns, slow or not, resets it). */
  consecutive: number;
  /** True when this failure disabled the plugin (a rule) until restart. */
  disabled: boolean;
  /** True when a validator threw or timed out (rules.watchdogMs): the reading was rejected as validator_failed:<id>. */
  readingRejected: boolean;
}

/** Counters of one plugin since the engine started. */
export interface PluginStats {
  id: string;
  kind: PluginKind;
  calls: number;
  /** Calls that threw. */
  failures: number;
  /** Calls over the time budget. */
  slow: number;
  disabled: boolean;
}

class Runner {
  calls = 0; failures = 0; slow = 0; consecutive = 0; disabled = false;
  readonly validator: boolean;
  /** Position in stats() order: what the call board shows while this plugin runs. */
  order = 0;
  constructor(readonly plugin: LoadedPlugin, readonly stateIndex: number) { this.validator = plugin.validate !== undefined; }
}

const NO_TIMER = 0, SET_TIMER = 1, CLEAR_TIMER = 2;

/** Plugins plus per-partition state. One per worker thread; not shared between threads. */
export class RuleEngine implements ReadingRules {
  private readonly validators: Runner[];
  private readonly stateless: Runner[];
  private readonly stateful: Runner[];
  private readonly store: StateStore;
  private readonly options: EngineOptions;
  private readonly board: CallBoard;
  // The reading in progress (open() to close()): its message, partition and customer state.
  private message!: RawMessage;
  private partitionState!: PartitionState;
  private customer!: CustomerState;
  private redelivered = false;
  // What the engine answers with: its own objects, reused (see ReadingRules).
  private readonly reports: Anomaly[] = [];
  private readonly verdict = { reports: this.reports as readonly Anomaly[], level: null as Level | null };
  private readonly place = { redelivered: false, watermark: 0, lastTime: 0 };
  // The plugin call in progress: contexts are reused across calls to avoid allocating per reading.
  private runner!: Runner;
  private rejection: { reason: string; detail: string } | undefined;
  private level: Level | null = null;
  private inTimer = false;
  private timerOp = NO_TIMER;
  private timerValue = 0;
  /** Event time and customer being handled (a reading's, or a timer's): also ctx.now and ctx.customerId. */
  private eventTime = 0;
  private customerId = '';
  private late = false;
  private watermark = Number.NEGATIVE_INFINITY;
  private latestEventTime = Number.NEGATIVE_INFINITY;
  /**
   * When the plugin call about to run started: each call's end is the next one's start, so timing
   * the plugins against their budget reads the clock once per call, not twice (performance.now()
   * showed in a worker's CPU profile: BENCHMARKS.md). What runs between two calls (a few
   * engine steps) counts towards the next plugin, far below any budget.
   */
  private clock = 0;
  /** Whether the last reported failure was a validator that timed out (rules.watchdogMs). */
  private timedOut = false;
  // Frozen, with getters for the fields: a plugin that assigns to its context (ctx.report = ...,
  // ctx.late = true) throws instead of changing what the plugins after it get.
  private readonly ctx: StatefulContext;
  private readonly validatorCtx = Object.freeze({ reject: (reason: string, detail?: string) => this.reject(reason, detail) });

  constructor(plugins: readonly LoadedPlugin[], options: EngineOptions) {
    this.options = options;
    this.validators = plugins.filter((p) => p.validate !== undefined).map((p) => new Runner(p, -1));
    this.stateless = plugins.filter((p) => p.check !== undefined).map((p) => new Runner(p, -1));
    const stateful = plugins.filter((p) => p.stateful !== undefined);
    this.stateful = stateful.map((p, i) => new Runner(p, i));
    [...this.validators, ...this.stateless, ...this.stateful].forEach((r, i) => { r.order = i; });
    this.board = options.board ?? CallBoard.allocate();
    // Idle customers are kept for the longest window any stateful rule needs.
    const windows = stateful.map((p) => p.stateful!.keepStateMs ?? options.stateIdleMs ?? Number.POSITIVE_INFINITY);
    this.store = new StateStore(stateful.map((p) => (options.strict === true ? deepFreeze(p.stateful!.initialState) : p.stateful!.initialState)), {
      idleMs: windows.length === 0 ? options.stateIdleMs : Math.max(options.stateIdleMs ?? 0, ...windows),
      maxCustomers: options.maxCustomersInState,
    });
    const engine = this;
    this.ctx = Object.freeze({
      report: (d: ReportDescriptor) => this.report(d),
      setLevel: (level: Level) => this.setLevel(level),
      setTimer: (at: number) => { this.assertStateful('setTimer'); this.timerOp = SET_TIMER; this.timerValue = at; },
      clearTimer: () => { this.assertStateful('clearTimer'); this.timerOp = CLEAR_TIMER; },
      get late() { return engine.late; },
      get watermark() { return engine.watermark; },
      get customerId() { return engine.customerId; },
      get now() { return engine.eventTime; },
      get latestEventTime() { return engine.latestEventTime; },
    });
  }

  /** The input policy processChunk decodes messages with. */
  get decodePolicy(): DecodePolicy { return this.options.decode; }

  /** A reading of `message` starts: shown on the call board, its partition's state looked up, a redelivery recognised. */
  open(message: RawMessage): void {
    const offset = Number(message.offset);
    this.board.enter(message.partition, offset);
    this.message = message;
    const store = this.store;
    const p = (this.partitionState = store.partition(message.partition));
    // A redelivery (offset already processed and not rolled back) must not feed stateful rules twice.
    this.redelivered = offset <= p.lastOffset;
    if (!this.redelivered) { store.touchPartition(p); p.lastOffset = offset; }
  }

  /** The reading is done: the call board shows the thread idle. */
  close(): void { this.board.leave(); }

  /** Runs the validators on the reading (frozen first); the first rejection wins and ends them. */
  validate(reading: Reading): Rejection | undefined {
    // Shallow is enough: a Reading holds only primitives. (Its cost is measured in BENCHMARKS.md.)
    Object.freeze(reading);
    this.eventTime = reading.eventTime;
    this.customerId = reading.customerId;
    this.rejection = undefined;
    this.clock = performance.now();
    const board = this.board;
    for (const r of this.validators) {
      this.runner = r;
      board.at(r.order);
      const t0 = this.clock;
      let thrown: PluginRuntimeError | undefined;
      let slow: PluginRuntimeError | undefined;
      try { r.calls++; r.plugin.validate!(reading, this.validatorCtx); slow = this.succeeded(r, t0, reading); } catch (e) { this.rejection = undefined; thrown = this.failed(r, t0, reading.customerId, e); }
      // Fail closed: a validator that threw gave no verdict, and one that timed out (returned after
      // rules.watchdogMs) cannot be trusted: either refuses the reading. One that was merely over its
      // budget did give its verdict, which stands (reported slow): a GC pause or a busy core must not
      // change a reading's fate, nor make a redelivery end differently. One that never returns is
      // stopped by the orchestrator's watchdog.
      if (slow !== undefined && this.timedOut) {
        this.rejection = undefined;
        thrown = slow;
      }
      const rejection = (this.rejection as { reason: string; detail: string } | undefined)
        ?? (thrown === undefined ? undefined : { reason: `validator_failed:${r.plugin.meta.id}`, detail: thrown.message });
      if (rejection !== undefined) return { reason: rejection.reason, detail: rejection.detail, source: r.plugin.meta.id };
    }
    return undefined;
  }

  /** The reading's customer state (created on first use) and its partition's watermark, as the core decides with them. */
  position(reading: Reading): Position {
    const p = this.partitionState;
    const customer = (this.customer = this.store.customer(p, reading.customerId));
    const place = this.place;
    place.redelivered = this.redelivered;
    place.watermark = p.watermark;
    place.lastTime = customer.lastTime;
    return place;
  }

  /** Records the accepted reading, fires the timers its watermark advance made due, runs the rules on it. */
  judge(reading: Reading, late: boolean, now: number): Verdict {
    const store = this.store, p = this.partitionState, customer = this.customer, redelivered = this.redelivered;
    this.reports.length = 0;
    if (!redelivered) {
      store.touchCustomer(customer);
      customer.lastTime = reading.eventTime;
      // A device or producer clock ahead of ours must not push every other reading into lateness,
      // so the bound is the worker's clock, not the message's timestamp (the producer sets that too).
      const advance = Math.min(reading.eventTime, now + this.options.maxClockSkewMs);
      if (!late && advance > p.maxEventTime) {
        p.maxEventTime = advance;
        p.watermark = advance - this.options.allowedLatenessMs;
        this.fireDueTimers(p);
        this.eventTime = reading.eventTime;
        this.customerId = reading.customerId;
      }
    }

    const ctx = this.ctx, board = this.board;
    this.late = late;
    this.watermark = p.watermark;
    this.level = null;
    this.inTimer = false;
    for (const r of this.stateless) {
      if (r.disabled) continue;
      this.runner = r;
      board.at(r.order);
      const before = this.reports.length, levelBefore: Level | null = this.level;
      const t0 = this.clock;
      try { r.calls++; r.plugin.check!(reading, ctx); this.succeeded(r, t0, reading); } catch (e) {
        this.reports.length = before; this.level = levelBefore; this.failed(r, t0, reading.customerId, e);
      }
    }
    if (!late && !redelivered && this.stateful.length > 0) {
      this.latestEventTime = customer.latest;
      for (const r of this.stateful) if (!r.disabled) this.runStateful(r, p, customer, reading);
      if (reading.eventTime > customer.latest) customer.latest = reading.eventTime;
    }
    this.verdict.level = this.level;
    return this.verdict;
  }

  /**
   * Call after a batch's output is durably written, naming the partitions it came from (default:
   * all): a later rollback of those partitions returns here. Other partitions keep their undo logs.
   */
  commit(partitions?: Iterable<number>): void { this.store.commit(partitions); }

  /** Call when writing the output failed: the partitions' state (default: all) returns to their last commit, so the redelivered messages give the same output. */
  rollback(partitions?: Iterable<number>): void { this.store.rollback(partitions); }

  /** Drops the state of partitions moved to another worker (rebalance). */
  revokePartitions(partitions: Iterable<number>): void { this.store.revoke(partitions); }

  /** Customers in rule state now, and how many were forgotten (idle, or beyond the cap). */
  stateCounts(): StateCounts { return this.store.stateCounts(); }

  /** Counters per plugin, in run order. */
  stats(): PluginStats[] {
    return [...this.validators, ...this.stateless, ...this.stateful].map((r) => ({
      id: r.plugin.meta.id, kind: r.plugin.meta.kind, calls: r.calls, failures: r.failures, slow: r.slow, disabled: r.disabled,
    }));
  }

  private runStateful(r: Runner, p: PartitionState, customer: CustomerState, reading: Reading | undefined): void {
    const i = r.stateIndex, ctx = this.ctx;
    this.runner = r;
    this.board.at(r.order);
    this.timerOp = NO_TIMER;
    const before = this.reports.length, levelBefore: Level | null = this.level;
    const t0 = this.clock;
    try {
      r.calls++;
      const state = customer.states[i];
      const next = reading === undefined ? r.plugin.stateful!.onTimer!(state, ctx) : r.plugin.stateful!.onReading(reading, state, ctx);
      this.store.touchCustomer(customer);
      if (next !== undefined && next !== state) customer.states[i] = this.options.strict === true ? deepFreeze(next) : next;
      if (this.timerOp === SET_TIMER) p.setTimer(customer, i, this.timerValue);
      else if (this.timerOp === CLEAR_TIMER) customer.timerAt[i] = Number.NaN;
      this.succeeded(r, t0, reading);
    } catch (e) {
      this.reports.length = before; this.level = levelBefore; this.failed(r, t0, customer.id, e);
    }
  }

  private fireDueTimers(p: PartitionState): void {
    this.late = false;
    this.watermark = p.watermark;
    for (let due = p.nextDueTimer(); due !== undefined; due = p.nextDueTimer()) {
      const r = this.stateful[due.rule]!;
      this.store.touchCustomer(due.customer);
      due.customer.timerAt[due.rule] = Number.NaN;
      if (r.disabled || r.plugin.stateful!.onTimer === undefined) continue;
      this.inTimer = true;
      this.eventTime = due.at;
      this.customerId = due.customer.id;
      this.latestEventTime = due.customer.latest;
      this.runStateful(r, p, due.customer, undefined);
    }
    this.inTimer = false;
  }

  /** After a call that returned: undefined, or the failure when it overran its budget. */
  private succeeded(r: Runner, t0: number, reading: Reading | undefined): PluginRuntimeError | undefined {
    const now = performance.now();
    this.clock = now;
    const duration = now - t0;
    // It returned: the throws-in-a-row count restarts, slow or not.
    r.consecutive = 0;
    return duration > this.options.timeBudgetMs ? this.failed(r, t0, reading?.customerId ?? this.customerId, undefined, duration) : undefined;
  }

  private failed(r: Runner, t0: number, customerId: string, thrown: unknown, slowMs?: number): PluginRuntimeError {
    const durationMs = slowMs ?? performance.now() - t0;
    const id = r.plugin.meta.id;
    if (slowMs === undefined) { r.failures++; r.consecutive++; } else r.slow++;
    // Only a rule that keeps throwing is disabled: it is broken on this input, and its reports are
    // lost either way. A validator never is (it would fail open), nor is a plugin for being slow.
    const disabled = !r.validator && slowMs === undefined && r.consecutive >= this.options.maxConsecutiveFailures;
    if (disabled) r.disabled = true;
    // A validator that returned only after rules.watchdogMs has timed out: its reading is refused.
    const timedOut = r.validator && slowMs !== undefined && slowMs > (this.options.validatorTimeoutMs ?? Number.POSITIVE_INFINITY);
    this.timedOut = timedOut;
    const error = slowMs === undefined
      ? new PluginRuntimeError(id, `Plugin ${id} threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`, { cause: thrown })
      : timedOut
        ? new PluginRuntimeError(id, `Plugin ${id} timed out: ${durationMs.toFixed(1)} ms, over rules.watchdogMs (${this.options.validatorTimeoutMs} ms)`)
        : new PluginRuntimeError(id, `Plugin ${id} took ${durationMs.toFixed(1)} ms, over its ${this.options.timeBudgetMs} ms budget`);
    try {
      this.options.onPluginFailure?.({
        pluginId: id, kind: slowMs === undefined ? 'threw' : 'slow', error, durationMs, customerId,
        partition: this.message.partition, offset: this.message.offset, consecutive: r.consecutive, disabled, readingRejected: r.validator && (slowMs === undefined || timedOut),
      });
    } catch { /* a failing log callback must not break the batch */ }
    // The report (a log line) is not the next plugin's time.
    this.clock = performance.now();
    return error;
  }

  private reject(reason: string, detail: string | undefined): void {
    if (typeof reason !== 'string' || reason === '') throw new TypeError('ctx.reject(reason): reason must be a non-empty string');
    this.rejection ??= { reason, detail: detail ?? reason };
  }

  private setLevel(level: Level): void {
    if (this.inTimer) throw new TypeError('ctx.setLevel is only available while handling a reading');
    if (!LEVELS.includes(level)) throw new TypeError(`ctx.setLevel(${JSON.stringify(level)}): allowed are ${LEVELS.join(', ')}`);
    this.level = level;
  }

  private assertStateful(method: string): void {
    if (this.runner.stateIndex < 0) throw new TypeError(`ctx.${method} is only available to stateful rules ({ initialState, onReading })`);
  }

  private report(d: ReportDescriptor): void {
    const meta = this.runner.plugin.meta;
    const template = meta.messages?.[d?.messageId];
    if (template === undefined) throw new TypeError(`ctx.report: unknown messageId ${JSON.stringify(d?.messageId)}; declare it in meta.messages`);
    if (!SEVERITIES.includes(d.severity)) throw new TypeError(`ctx.report: severity must be one of ${SEVERITIES.join(', ')}`);
    const { episodeStart, episodeEnd } = d;
    if ((episodeStart !== undefined && !Number.isFinite(episodeStart)) || (episodeEnd !== undefined && !Number.isFinite(episodeEnd))) {
      throw new TypeError('ctx.report: episodeStart and episodeEnd must be event times in ms');
    }
    // The anomalies table refuses it (anomalies_episode_order): better the plugin's failure now than the store's later.
    if (episodeStart !== undefined && episodeEnd !== undefined && episodeEnd < episodeStart) {
      throw new TypeError('ctx.report: episodeEnd must not be before episodeStart');
    }
    this.reports.push({
      customerId: this.customerId,
      eventTime: episodeStart ?? this.eventTime,
      rule: meta.id,
      severity: d.severity,
      detail: { messageId: d.messageId, message: renderMessage(template, d.data), ...d.data },
      ...(episodeStart === undefined ? {} : { episodeStart }),
      ...(episodeEnd === undefined ? {} : { episodeEnd }),
    });
  }
}


/** Engine options from the app config (`rules.*`, `input.*`). */
export function engineOptionsFromConfig(config: Pick<AppConfig, 'rules' | 'input'>, onPluginFailure?: (failure: PluginFailure) => void): EngineOptions {
  return {
    allowedLatenessMs: config.rules.allowedLatenessMs,
    maxClockSkewMs: config.rules.maxClockSkewMs,
    validatorTimeoutMs: config.rules.watchdogMs,
    stateIdleMs: config.rules.stateIdleMs,
    maxCustomersInState: config.rules.maxCustomersInState,
    timeBudgetMs: config.rules.timeBudgetMs,
    maxConsecutiveFailures: config.rules.maxConsecutiveFailures,
    decode: { maxMessageBytes: config.input.maxMessageBytes, wholeNumberHeartRate: config.input.wholeNumberHeartRate },
    onPluginFailure,
  };
}
