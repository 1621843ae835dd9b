// The watchdog's decisions, kept pure (the pool does the terminating): when a worker thread's
// plugin call has run too long, and when the message it ran on is quarantined. The rule engine's
// time budget is measured after a call returns; a plugin in a synchronous loop never returns, so
// only the main thread, reading the thread's call board (src/rules/call-board.ts), can see it.
import type { CallSample } from '../rules/call-board.js';
import type { QuarantineEntry } from '../worker/thread-messages.js';

/** The worker kills a message may cause before it is quarantined (the first may be bad luck: a GC storm, a frozen machine). */
export const KILLS_BEFORE_QUARANTINE = 2;

/** Watches one thread's call board; sees a stall once the same plugin call on the same reading outlasts limitMs. */
export class StallDetector {
  private seq: number | undefined;
  private plugin = -1;
  private since = 0;

  constructor(private readonly limitMs: number) {}

  /**
   * The sample when it shows a call running for limitMs or more, else undefined. The call's start
   * is the first check that saw it, so a stall is seen between limitMs and limitMs + the check period.
   */
  check(sample: CallSample, now: number): CallSample | undefined {
    if (sample.plugin < 0) {
      this.seq = undefined;
      return undefined;
    }
    if (sample.seq !== this.seq || sample.plugin !== this.plugin) {
      this.seq = sample.seq;
      this.plugin = sample.plugin;
      this.since = now;
      return undefined;
    }
    return now - this.since >= this.limitMs ? sample : undefined;
  }

  /** Forget what was seen (the thread was replaced: its successor starts a new board). */
  reset(): void { this.seq = undefined; }
}

/** Which messages killed a worker, how often, and which are quarantined. */
export class PoisonLedger {
  private readonly kills = new Map<string, number>();
  private readonly quarantined: QuarantineEntry[] = [];

  /** Records a worker killed on (partition, offset) in plugin `pluginId`; `quarantined` once it reached KILLS_BEFORE_QUARANTINE. */
  record(partition: number, offset: string, pluginId: string): { kills: number; quarantined: boolean } {
    const key = `${partition}:${offset}`;
    const kills = (this.kills.get(key) ?? 0) + 1;
    this.kills.set(key, kills);
    if (kills === KILLS_BEFORE_QUARANTINE) this.quarantined.push({ partition, offset, pluginId });
    return { kills, quarantined: kills >= KILLS_BEFORE_QUARANTINE };
  }

  /** The quarantined messages so far. */
  entries(): QuarantineEntry[] { return [...this.quarantined]; }
}
