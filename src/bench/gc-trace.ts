// Garbage collection in the app during a drain (`npm run bench -- --trace-gc`): V8's
// --trace-gc-nvp prints one line per collection, of every thread, on the app's stdout. Summed,
// they say how many bytes the app allocated per reading and how long its threads paused for the
// young-generation (scavenge) and old-generation (mark-compact) collectors: the figures behind
// "where the time goes" in BENCHMARKS.md. Over the app's whole life, start-up included.

/** Node flags that make the app print its collections. */
export const GC_TRACE_FLAGS = ['--trace-gc-nvp'] as const;

export interface GcSummary {
  /** Bytes allocated on the V8 heaps of all threads, per reading drained. */
  allocatedBytesPerReading: number;
  /** Bytes that survived into the old generation, per reading drained. */
  promotedBytesPerReading: number;
  scavenges: number;
  scavengeMs: number;
  markCompacts: number;
  /** Mark-compact pauses plus the incremental marking steps that led up to them. */
  markCompactMs: number;
}

const FIELD = /([a-z_.]+)=([^\s]+)/g;
/** One collection of one thread: "[pid:isolate]   1234 ms: pause=... gc=s ...". */
const COLLECTION = /^\[\d+:0x[0-9a-f]+\]\s+[\d.]+ ms: pause=/;

/**
 * A byte count V8 printed. It prints some as the unsigned difference of two heap sizes, which
 * wraps around to ~1.8e19 when the heap shrank: no real count comes near 2^53.
 */
const bytes = (value: string | undefined) => {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 && n < 2 ** 53 ? n : 0;
};

/** Sums the --trace-gc-nvp lines among `lines`; undefined when there are none (tracing was off). */
export function summarizeGcTrace(lines: Iterable<string>, readings: number): GcSummary | undefined {
  let found = false;
  let allocated = 0, promoted = 0, scavenges = 0, scavengeMs = 0, markCompacts = 0, markCompactMs = 0;
  for (const line of lines) {
    // Threads print concurrently: a line with two collections run together is left out.
    if (!COLLECTION.test(line) || line.indexOf(' gc=') !== line.lastIndexOf(' gc=')) continue;
    const f = Object.fromEntries([...line.matchAll(FIELD)].map((m) => [m[1]!, m[2]!]));
    const pause = Number(f.pause);
    if (f.gc === undefined || !Number.isFinite(pause)) continue;
    found = true;
    allocated += bytes(f.allocated);
    promoted += bytes(f.promoted);
    // s: scavenge; any other kind (mc, ms, mmc) collects the old generation.
    if (f.gc === 's') { scavenges += 1; scavengeMs += pause; } else { markCompacts += 1; markCompactMs += pause + (Number(f['incremental.steps_took']) || 0); }
  }
  if (!found) return undefined;
  return {
    allocatedBytesPerReading: allocated / readings, promotedBytesPerReading: promoted / readings,
    scavenges, scavengeMs, markCompacts, markCompactMs,
  };
}
