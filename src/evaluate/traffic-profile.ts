// What a stream of readings looks like, so `heartbeat evaluate` can show the simulator next to
// real recordings: how often the heart rate is beyond the seeds' thresholds (above 110, below 50),
// how long devices go quiet between readings, and the mean heart rate by time of day. If these
// differ much, the simulator's recall predicts little about the recordings. Pure.

/**
 * Upper bounds (ms) of the gap classes between two readings of one customer; the last is open. The
 * first takes 15 s plus the millisecond the simulator's slot times are rounded by.
 */
export const GAP_BOUNDS_MS: readonly number[] = [15_001, 60_000, 5 * 60_000, 60 * 60_000];
export const GAP_LABELS: readonly string[] = ['<= 15 s', '15-60 s', '1-5 min', '5-60 min', '> 1 h'];
/** Parts of the day (hour of day as recorded, from..to). */
export const DAY_PARTS: ReadonlyArray<readonly [number, number]> = [[0, 6], [6, 12], [12, 18], [18, 24]];

/** The figures of one stream. */
export interface TrafficFigures {
  readings: number;
  customerDays: number;
  /** Shares of readings. */
  above110: number;
  below50: number;
  /** Gaps per customer-day, by GAP_LABELS class. */
  gapsPerCustomerDay: number[];
  /** Mean heart rate by DAY_PARTS (null when no reading fell there). */
  meanBpmByDayPart: Array<number | null>;
}

/** Accumulates readings of many customers (each in its own event-time order). */
export class TrafficProfile {
  private readings = 0;
  private above = 0;
  private below = 0;
  private readonly gaps = GAP_LABELS.map(() => 0);
  private readonly sums = DAY_PARTS.map(() => 0);
  private readonly counts = DAY_PARTS.map(() => 0);
  private readonly last = new Map<string, number>();
  private readonly days = new Set<string>();

  /**
   * One message of a customer. `heartRate` null: a message that counts for the gaps only (one the
   * pipeline rejects, or a reading shaped by an injected episode).
   */
  add(customerId: string, eventTime: number, heartRate: number | null): void {
    const previous = this.last.get(customerId);
    if (previous !== undefined && eventTime > previous) {
      const gap = eventTime - previous;
      let k = 0;
      while (k < GAP_BOUNDS_MS.length && gap > GAP_BOUNDS_MS[k]!) k++;
      this.gaps[k]! += 1;
    }
    if (previous === undefined || eventTime > previous) this.last.set(customerId, eventTime);
    if (heartRate === null) return;
    this.readings += 1;
    if (heartRate > 110) this.above += 1;
    else if (heartRate < 50) this.below += 1;
    const day = Math.floor(eventTime / 86_400_000);
    this.days.add(`${customerId}\u0000${day}`);
    const hour = Math.floor((eventTime - day * 86_400_000) / 3_600_000);
    const part = DAY_PARTS.findIndex(([from, to]) => hour >= from && hour < to);
    this.sums[part]! += heartRate;
    this.counts[part]! += 1;
  }

  figures(): TrafficFigures {
    const customerDays = this.days.size;
    const share = (n: number) => (this.readings === 0 ? 0 : n / this.readings);
    return {
      readings: this.readings, customerDays, above110: share(this.above), below50: share(this.below),
      gapsPerCustomerDay: this.gaps.map((n) => (customerDays === 0 ? 0 : n / customerDays)),
      meanBpmByDayPart: this.sums.map((sum, k) => (this.counts[k] === 0 ? null : sum / this.counts[k]!)),
    };
  }
}

/** The two streams side by side, one line per figure. */
export function formatProfiles(simulated: TrafficFigures, recorded: TrafficFigures): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
  const rows: Array<[string, string, string]> = [
    ['readings above 110 bpm', pct(simulated.above110), pct(recorded.above110)],
    ['readings below 50 bpm', pct(simulated.below50), pct(recorded.below50)],
    ...GAP_LABELS.map((label, k): [string, string, string] => [`gaps ${label} per customer-day`, simulated.gapsPerCustomerDay[k]!.toFixed(2), recorded.gapsPerCustomerDay[k]!.toFixed(2)]),
    ...DAY_PARTS.map(([from, to], k): [string, string, string] => {
      const bpm = (v: number | null) => (v === null ? '-' : v.toFixed(1));
      return [`mean bpm ${String(from).padStart(2, '0')}-${String(to).padStart(2, '0')} h`, bpm(simulated.meanBpmByDayPart[k]!), bpm(recorded.meanBpmByDayPart[k]!)];
    }),
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  return [
    `${'traffic'.padEnd(width)}  ${'simulator'.padStart(10)}  ${'recordings'.padStart(10)}`,
    ...rows.map(([name, a, b]) => `${name.padEnd(width)}  ${a.padStart(10)}  ${b.padStart(10)}`),
  ].join('\n');
}
