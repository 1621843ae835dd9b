// One self-overwriting status line on a terminal; nothing at all when output is not a terminal
// (a pipe or a log file gets only the final summary).

/** A progress line: update() is cheap to call per item, it repaints at most every intervalMs. */
export interface Progress {
  update(text: () => string): void;
  /** Clears the line (before the summary is printed). */
  done(): void;
}

/** Where progress goes: a terminal stream, or anything else for none. */
export function createProgress(out: NodeJS.WriteStream, intervalMs = 200): Progress {
  if (out.isTTY !== true) return { update: () => undefined, done: () => undefined };
  let last = 0;
  let shown = false;
  return {
    update(text) {
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      shown = true;
      out.write(`\r\x1b[2K${text().slice(0, (out.columns > 0 ? out.columns : 80) - 1)}`);
    },
    done() {
      if (shown) out.write('\r\x1b[2K');
      shown = false;
    },
  };
}
