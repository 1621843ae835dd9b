// Runs the real `heartbeat` CLI (bin/heartbeat.js) as a child process, so the benchmark measures
// the product as users run it: its JSON log lines are parsed so a phase can await "workers
// consuming", and its peak resident memory is read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/heartbeat.js');

/** A parsed log line of the app. */
export type AppLogLine = Record<string, unknown> & { msg?: string; time?: string | number };

export interface AppProcess {
  readonly child: ChildProcess;
  readonly lines: AppLogLine[];
  /** Resolves with the first line (logged already or to come) whose msg is `msg`; rejects on exit or timeout. */
  waitForLog(msg: string, timeoutMs?: number): Promise<AppLogLine>;
  /** Peak resident set size of the process so far (VmHWM: main and worker threads), in MB. */
  peakRssMb(): number;
  /** SIGINT (a graceful stop), then the exit code. */
  stop(): Promise<number>;
}

/** Starts `heartbeat <command>` with env on top of this process's (JSON logs); execArgv e.g. --cpu-prof. */
export function runApp(command: string, env: Record<string, string>, execArgv: string[] = []): AppProcess {
  const child = spawn(process.execPath, [...execArgv, BIN, command], {
    env: { ...process.env, LOG_PRETTY: 'never', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: AppLogLine[] = [];
  const stderr: string[] = [];
  const waiters = new Set<(line: AppLogLine) => void>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: AppLogLine;
    try {
      line = JSON.parse(text) as AppLogLine;
    } catch {
      line = { msg: text };
    }
    lines.push(line);
    for (const w of waiters) w(line);
  });
  createInterface({ input: child.stderr! }).on('line', (text) => stderr.push(text));
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128))));
  const tail = () => [...lines.slice(-10).map((l) => JSON.stringify(l).slice(0, 400)), ...stderr.slice(-10)].join('\n');

  return {
    child,
    lines,
    waitForLog(msg, timeoutMs = 120_000) {
      const found = lines.find((l) => l.msg === msg);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`heartbeat ${command}: no "${msg}" within ${timeoutMs} ms; last output:\n${tail()}`));
        }, timeoutMs);
        const waiter = (line: AppLogLine) => {
          if (line.msg !== msg) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve(line);
        };
        waiters.add(waiter);
        void exited.then((code) => {
          if (!waiters.delete(waiter)) return;
          clearTimeout(timer);
          reject(new Error(`heartbeat ${command} exited (${code}) before "${msg}"; last output:\n${tail()}`));
        });
      });
    },
    peakRssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
      return kb / 1024;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}
