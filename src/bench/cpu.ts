// Where the CPU goes during a timed phase: CPU seconds (user + system, from /proc) of the app
// process (all its threads), of the benchmark's Kafka broker, and of the PostgreSQL backends
// serving the phase's database, between two snapshots.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds a process has used so far (0 when it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: fields are counted from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Pids of live processes whose command line contains `needle`. */
export function pidsMatching(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return pids;
}

/** CPU seconds per group of processes at one moment. */
export type CpuSnapshot = Record<string, Map<number, number>>;

/** Snapshots the CPU seconds of each pid of each group. */
export function snapshot(groups: Record<string, number[]>): CpuSnapshot {
  const out: CpuSnapshot = {};
  for (const [name, pids] of Object.entries(groups)) out[name] = new Map(pids.map((pid) => [pid, cpuSeconds(pid)]));
  return out;
}

/** CPU seconds used per group between two snapshots (a pid first seen in `after` counts from 0). */
export function cpuUsed(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const used: Record<string, number> = {};
  for (const [name, pids] of Object.entries(after)) {
    let total = 0;
    for (const [pid, seconds] of pids) total += seconds - (before[name]?.get(pid) ?? 0);
    used[name] = Math.round(total * 100) / 100;
  }
  return used;
}
