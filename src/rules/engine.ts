// Runs the loaded plugins on one reading at a time, inside one worker thread: validators, then
// event-time bookkeeping (watermark, late flag, due timers), stateless rules, stateful rules.
// Every plugin call is isolated: a throw or an overrun of the time budget is counted, reported to
// onPluginFailure and leaves the reading processed; a plugin failing N times in a row is disabled.
import { performance } from 'node:perf_hooks';
import type { AppConfig } from '../config-schema.js';
import type { DecodePolicy } from '../core/decode.js';
import { LEVELS, SEVERITIES, type BatchResult, type Level, type RawMessage, type Reading } from '../core/types.js';
import { PluginRuntimeError } from '../errors.js';
import { renderMessage, type PluginKind, type ReportDescriptor, type StatefulContext } from './contract.js';
import { deepFreeze } from './deep-freeze.js';
import type { LoadedPlugin } from './loader.js';
import { StateStore, type CustomerState, type PartitionState } from './partition-state.js';
import type { SeenInBatch } from './seen-in-batch.js';

/** Engine settings, from config `rules.*` and `input.*` (see engineOptionsFromConfig). */
export interface EngineOptions {
  readonly allowedLatenessMs: number;
  /**
   * How far ahead of the worker's clock (processBatch's `now`) an event time may move the
   * watermark. A producer's clock is not ours: one reading stamped an hour ahead must not make
   * every other device's readings late.
   */
  readonly maxClockSkewMs: number;
  /** A plugin call taking longer counts as a failure. */
  readonly timeBudgetMs: number;
  /** Consecutive failures after which a plugin is disabled. */
  readonly maxConsecutiveFailures: number;
  readonly decode: DecodePolicy;
  /** Freeze readings and rule states before plugins see them (tests): a mutation then throws. */
  readonly strict?: boolean;
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
  /** Failures in a row so far. */
  consecutive: number;
  /** True when this failure disabled the plugin until restart. */
  disabled: boolean;
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

/** Where the engine writes a batch's output; `seen` holds the readings it accepted (see seen-in-batch.ts). */
export interface BatchSink extends BatchResult {
  readonly seen: SeenInBatch;
}

class Runner {
  calls = 0; failures = 0; slow = 0; consecutive = 0; disabled = false;
  constructor(readonly plugin: LoadedPlugin, readonly stateIndex: number) {}
}

const NO_TIMER = 0, SET_TIMER = 1, CLEAR_TIMER = 2;

/** Plugins plus per-partition state. One per worker thread; not shared between threads. */
export class RuleEngine {
  private readonly validators: Runner[];
  private readonly stateless: Runner[];
  private readonly stateful: Runner[];
  private readonly store: StateStore;
  private readonly options: EngineOptions;
  // The call in progress: contexts are reused across calls to avoid allocating per reading.
  private runner!: Runner;
  private out!: BatchSink;
  private message!: RawMessage;
  private rejection: { reason: string; detail: string } | undefined;
  private level: Level | null = null;
  private inTimer = false;
  private timerOp = NO_TIMER;
  private timerValue = 0;
  private eventTime = 0;
  private customerId = '';
  /**
   * When the plugin call about to run started: each call's end is the next one's start, so timing
   * the plugins against their budget reads the clock once per call, not twice (performance.now()
   * was 4 % of a worker's time in npm run bench's profile). What runs between two calls (a few
   * engine steps) counts towards the next plugin, far below any budget.
   */
  private clock = 0;
  private readonly ctx: { -readonly [K in keyof StatefulContext]: StatefulContext[K] };
  private readonly validatorCtx = { reject: (reason: string, detail?: string) => this.reject(reason, detail) };

  constructor(plugins: readonly LoadedPlugin[], options: EngineOptions) {
    this.options = options;
    this.validators = plugins.filter((p) => p.validate !== undefined).map((p) => new Runner(p, -1));
    this.stateless = plugins.filter((p) => p.check !== undefined).map((p) => new Runner(p, -1));
    const stateful = plugins.filter((p) => p.stateful !== undefined);
    this.stateful = stateful.map((p, i) => new Runner(p, i));
    this.store = new StateStore(stateful.map((p) => (options.strict === true ? deepFreeze(p.stateful!.initialState) : p.stateful!.initialState)));
    this.ctx = {
      report: (d) => this.report(d),
      setLevel: (level) => this.setLevel(level),
      setTimer: (at) => { this.assertStateful('setTimer'); this.timerOp = SET_TIMER; this.timerValue = at; },
      clearTimer: () => { this.assertStateful('clearTimer'); this.timerOp = CLEAR_TIMER; },
      late: false, watermark: Number.NEGATIVE_INFINITY, customerId: '', now: 0, latestEventTime: Number.NEGATIVE_INFINITY,
    };
  }

  /** The input policy processBatch decodes messages with. */
  get decodePolicy(): DecodePolicy { return this.options.decode; }

  /**
   * Runs the plugins on one decoded reading of `message`, writing to `out`. `now` is the worker's
   * clock (ms): the watermark never moves past now + maxClockSkewMs.
   */
  processReading(reading: Reading, message: RawMessage, out: BatchSink, now: number): void {
    if (this.options.strict === true) Object.freeze(reading);
    this.out = out;
    this.message = message;
    this.eventTime = reading.eventTime;
    this.customerId = reading.customerId;
    const store = this.store;
    const p = store.partition(message.partition);
    const offset = Number(message.offset);
    // A redelivery (offset already processed and not rolled back) must not feed stateful rules twice.
    const redelivered = offset <= p.lastOffset;
    if (!redelivered) { store.touchPartition(p); p.lastOffset = offset; }

    this.rejection = undefined;
    this.clock = performance.now();
    for (const r of this.validators) {
      if (r.disabled) continue;
      this.runner = r;
      const t0 = this.clock;
      try { r.calls++; r.plugin.validate!(reading, this.validatorCtx); this.succeeded(r, t0, reading); } catch (e) { this.rejection = undefined; this.failed(r, t0, reading.customerId, e); }
      const rejection = this.rejection as { reason: string; detail: string } | undefined;
      if (rejection !== undefined) {
        out.rejects.push(rejectOf(message, rejection.reason, rejection.detail, r.plugin.meta.id));
        return;
      }
    }

    const customer = store.customer(p, reading.customerId);
    if (out.seen.has(reading.customerId, reading.eventTime) || (!redelivered && customer.lastTime === reading.eventTime)) {
      out.rejects.push(rejectOf(message, 'duplicate', `a reading of ${reading.customerId} at ${new Date(reading.eventTime).toISOString()} was already received`, 'dedupe'));
      return;
    }
    // A row is pushed below for every reading added here: the rows are what `seen` holds.
    out.seen.add(reading.customerId, reading.eventTime);
    const late = reading.eventTime < p.watermark;
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

    const ctx = this.ctx;
    ctx.late = late;
    ctx.watermark = p.watermark;
    this.level = null;
    this.inTimer = false;
    for (const r of this.stateless) {
      if (r.disabled) continue;
      this.runner = r;
      const before = out.anomalies.length, levelBefore: Level | null = this.level;
      const t0 = this.clock;
      try { r.calls++; r.plugin.check!(reading, ctx); this.succeeded(r, t0, reading); } catch (e) {
        out.anomalies.length = before; this.level = levelBefore; this.failed(r, t0, reading.customerId, e);
      }
    }
    if (!late && !redelivered && this.stateful.length > 0) {
      ctx.customerId = reading.customerId;
      ctx.now = reading.eventTime;
      ctx.latestEventTime = customer.latest;
      for (const r of this.stateful) if (!r.disabled) this.runStateful(r, p, customer, reading);
      if (reading.eventTime > customer.latest) customer.latest = reading.eventTime;
    }
    out.rows.push({
      customerId: reading.customerId, eventTime: reading.eventTime, heartRate: reading.heartRate,
      level: this.level, late, partition: message.partition, offset: message.offset,
    });
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

  /** Counters per plugin, in run order. */
  stats(): PluginStats[] {
    return [...this.validators, ...this.stateless, ...this.stateful].map((r) => ({
      id: r.plugin.meta.id, kind: r.plugin.meta.kind, calls: r.calls, failures: r.failures, slow: r.slow, disabled: r.disabled,
    }));
  }

  private runStateful(r: Runner, p: PartitionState, customer: CustomerState, reading: Reading | undefined): void {
    const i = r.stateIndex, out = this.out, ctx = this.ctx;
    this.runner = r;
    this.timerOp = NO_TIMER;
    const before = out.anomalies.length, levelBefore: Level | null = this.level;
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
      out.anomalies.length = before; this.level = levelBefore; this.failed(r, t0, customer.id, e);
    }
  }

  private fireDueTimers(p: PartitionState): void {
    const ctx = this.ctx;
    ctx.late = false;
    ctx.watermark = p.watermark;
    for (let due = p.nextDueTimer(); due !== undefined; due = p.nextDueTimer()) {
      const r = this.stateful[due.rule]!;
      this.store.touchCustomer(due.customer);
      due.customer.timerAt[due.rule] = Number.NaN;
      if (r.disabled || r.plugin.stateful!.onTimer === undefined) continue;
      this.inTimer = true;
      this.eventTime = due.at;
      this.customerId = due.customer.id;
      ctx.customerId = due.customer.id;
      ctx.now = due.at;
      ctx.latestEventTime = due.customer.latest;
      this.runStateful(r, p, due.customer, undefined);
    }
    this.inTimer = false;
  }

  private succeeded(r: Runner, t0: number, reading: Reading | undefined): void {
    const now = performance.now();
    this.clock = now;
    const duration = now - t0;
    if (duration > this.options.timeBudgetMs) this.failed(r, t0, reading?.customerId ?? this.ctx.customerId, undefined, duration);
    else r.consecutive = 0;
  }

  private failed(r: Runner, t0: number, customerId: string, thrown: unknown, slowMs?: number): void {
    const durationMs = slowMs ?? performance.now() - t0;
    const id = r.plugin.meta.id;
    if (slowMs === undefined) r.failures++; else r.slow++;
    r.consecutive++;
    const disabled = r.consecutive >= this.options.maxConsecutiveFailures;
    if (disabled) r.disabled = true;
    const error = slowMs === undefined
      ? new PluginRuntimeError(id, `Plugin ${id} threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`, { cause: thrown })
      : new PluginRuntimeError(id, `Plugin ${id} took ${durationMs.toFixed(1)} ms, over its ${this.options.timeBudgetMs} ms budget`);
    try {
      this.options.onPluginFailure?.({
        pluginId: id, kind: slowMs === undefined ? 'threw' : 'slow', error, durationMs, customerId,
        partition: this.message.partition, offset: this.message.offset, consecutive: r.consecutive, disabled,
      });
    } catch { /* a failing log callback must not break the batch */ }
    // The report (a log line) is not the next plugin's time.
    this.clock = performance.now();
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
    this.out.anomalies.push({
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

function rejectOf(m: RawMessage, reason: string, detail: string, validator: string) {
  return { raw: m.value ?? EMPTY, reason, detail, validator, topic: m.topic, partition: m.partition, offset: m.offset, receivedAt: m.receivedAt };
}
const EMPTY = Buffer.alloc(0);

/** Engine options from the app config (`rules.*`, `input.*`). */
export function engineOptionsFromConfig(config: Pick<AppConfig, 'rules' | 'input'>, onPluginFailure?: (failure: PluginFailure) => void): EngineOptions {
  return {
    allowedLatenessMs: config.rules.allowedLatenessMs,
    maxClockSkewMs: config.rules.maxClockSkewMs,
    timeBudgetMs: config.rules.timeBudgetMs,
    maxConsecutiveFailures: config.rules.maxConsecutiveFailures,
    decode: { maxMessageBytes: config.input.maxMessageBytes, wholeNumberHeartRate: config.input.wholeNumberHeartRate },
    onPluginFailure,
  };
}
