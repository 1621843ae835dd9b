// Two processes in one log directory: `heartbeat consume` and `heartbeat simulate` run at once,
// each rotating its own files (logs/consume.N.log, logs/simulate.N.log), and every line each one
// printed is in its own files, in order, none lost to the other's rotation.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type LogLine } from './support/app.js';
import { explainFailure, usePipeline } from './support/pipeline.js';
import { waitUntil } from './support/poll.js';

/** The lines of a command's log files, oldest file first. */
function fileLines(dir: string, command: string): LogLine[] {
  const files = readdirSync(dir)
    .map((f) => /^([a-z-]+)\.(\d+)\.log$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && m[1] === command)
    .sort((a, b) => Number(a[2]) - Number(b[2]))
    .map((m) => m[0]);
  return files.flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogLine));
}

describe('two heartbeat processes sharing logs/', () => {
  // Debug lines (kafkajs's included) and tiny files: both processes rotate many times at once.
  const pipeline = usePipeline('logs', { LOG_LEVEL: 'debug', LOG_ROTATION_SIZE: '16k', LOG_FILES_KEPT: '1000', SIMULATOR_RATE: '500', SIMULATOR_CUSTOMERS: '20', SIMULATOR_DEVICES: 'ideal' });

  it('each writes every line it printed to its own files, rotated on their own', async () => {
    const { names, pool } = pipeline;
    const consume = runCli(['consume'], names.env);
    const simulate = runCli(['simulate'], names.env);
    try {
      await consume.waitForLog((l) => l.msg === 'worker consuming', 60_000);
      await simulate.waitForLog((l) => l.msg === 'simulator publishing', 60_000);
      // Both keep writing while readings flow from one to the other.
      let stored = 0;
      await explainFailure(consume, waitUntil(async () => {
        stored = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM heartbeats')).rows[0]!.n;
        return stored >= 300 ? true : undefined;
      }, 120_000, () => `300 readings (last count ${stored}; simulator's first and last warnings: ${JSON.stringify([...simulate.lines.filter((l) => Number(l.level) >= 40).slice(0, 2), ...simulate.lines.filter((l) => Number(l.level) >= 40).slice(-3)])})`, 250));
    } finally {
      // stderr and the app's own errors first: kafkajs's connection errors can fill the message.
      const errors = (app: typeof consume) => JSON.stringify([...app.stderr, ...app.lines.filter((l) => (l.level as number) >= 50 && l.component !== 'kafka'), ...app.lines.filter((l) => (l.level as number) >= 50 && l.component === 'kafka')]).slice(0, 4000);
      expect(await simulate.stop('SIGINT'), errors(simulate)).toBe(0);
      expect(await consume.stop('SIGINT'), errors(consume)).toBe(0);
    }
    const files = readdirSync(names.logDir);
    for (const [command, app] of [['consume', consume], ['simulate', simulate]] as const) {
      const lines = fileLines(names.logDir, command);
      expect(files.filter((f) => f.startsWith(`${command}.`)).length, `${command} rotated`).toBeGreaterThan(2);
      // The terminal gets the same lines as the files: nothing lost, nothing from the other process.
      expect(lines.length, command).toBe(app.lines.length);
      expect(lines).toEqual(app.lines);
    }
    expect(fileLines(names.logDir, 'simulate').some((l) => l.msg === 'simulator stopped')).toBe(true);
    expect(fileLines(names.logDir, 'consume').some((l) => l.msg === 'worker stopped')).toBe(true);
  }, 240_000);
});
