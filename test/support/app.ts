// What end-to-end tests need to run the real `heartbeat` CLI as a child process and watch it:
// src/cli-process.ts's runCli, and the processes left behind.
// The harness itself lives in src (the benchmark runs the CLI the same way).
export { runCli, type LogLine, type RunningCli as RunningApp } from '../../src/cli-process.js';

/** Pids of live processes whose command line contains `needle` (from /proc; no pgrep needed). */
export async function processesMatching(needle: string): Promise<number[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replace(/\0/g, ' ');
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
