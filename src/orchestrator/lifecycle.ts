// Process lifecycle: what was started is stopped in reverse order, once, within a bounded time.
// SIGINT/SIGTERM start a graceful shutdown; a second signal forces exit. Child processes are
// tied to us (src/tied-process.ts), so even a forced exit or a crash leaves none behind.
import type { Logger } from '../log.js';

interface Stopper {
  name: string;
  stop: () => Promise<unknown>;
}

export type ShutdownReason = 'signal' | 'done' | 'error';

/** Collects stop functions as parts start, and runs them in reverse order on shutdown. */
export class Lifecycle {
  private readonly stoppers: Stopper[] = [];
  private readonly controller = new AbortController();
  private shutdownPromise: Promise<void> | undefined;
  private readonly handlers: Array<[NodeJS.Signals, () => void]> = [];

  constructor(private readonly log: Logger, private readonly timeoutMs: number) {}

  /** Aborted when shutdown begins: long waits (retries, start-up) give up on it. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopping(): boolean {
    return this.controller.signal.aborted;
  }

  /** Registers what to do on shutdown; stops run last-registered first. */
  defer(name: string, stop: () => Promise<unknown>): void {
    this.stoppers.push({ name, stop });
  }

  /**
   * First SIGINT/SIGTERM: graceful shutdown, then `onDone(exitCode)`. Second: `onForce()` at once.
   */
  handleSignals(onDone: (code: number) => void, onForce: () => void): void {
    let received = 0;
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const handler = () => {
        received += 1;
        if (received > 1) {
          this.log.warn({ signal: sig }, 'second signal: forcing exit');
          onForce();
          return;
        }
        this.log.info({ signal: sig }, 'signal received: shutting down');
        void this.shutdown('signal').then(() => onDone(0), () => onDone(1));
      };
      process.on(sig, handler);
      this.handlers.push([sig, handler]);
    }
  }

  /** Stops everything registered, in reverse order; a stop that throws is logged, the rest still run. */
  shutdown(reason: ShutdownReason): Promise<void> {
    this.shutdownPromise ??= this.runStops(reason);
    return this.shutdownPromise;
  }

  private async runStops(reason: ShutdownReason): Promise<void> {
    this.controller.abort();
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    const stopAll = (async () => {
      for (const { name, stop } of this.stoppers.reverse()) {
        const t0 = Date.now();
        try {
          await stop();
          this.log.info({ part: name, ms: Date.now() - t0 }, 'stopped');
        } catch (err) {
          this.log.error({ part: name, err }, 'stop failed');
        }
      }
    })();
    const outcome = await Promise.race([stopAll, deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.log.error({ timeoutMs: this.timeoutMs }, 'shutdown timed out');
      throw new Error(`shutdown did not finish within ${this.timeoutMs} ms`);
    }
    for (const [sig, handler] of this.handlers) process.off(sig, handler);
    this.log.info({ reason, ms: Date.now() - started }, 'shutdown complete');
  }
}
