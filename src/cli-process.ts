// Runs the real `heartbeat` CLI (bin/heartbeat.js) as a child process, as users run it: its JSON
// log lines are parsed so a caller can await an event ("workers consuming") instead of sleeping,
// and its peak resident memory is read from /proc. The benchmark and the end-to-end tests use it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(import.meta.dirname, '..');

/** A parsed log line (a line that is not JSON becomes { msg: line }). */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number; time?: string | number };

export interface RunningCli {
  readonly child: ChildProcess;
  readonly lines: LogLine[];
  readonly stderr: string[];
  /** Resolves with the first line (past or future) that matches; rejects on exit or after timeoutMs. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or 128+signal) once the process has exited. */
  readonly exited: Promise<number>;
  /** Sends a signal (default SIGINT, a graceful stop) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
  /** Peak resident set size of the process so far (VmHWM: main and worker threads), in MB. */
  peakRssMb(): number;
}

export interface RunCliOptions {
  /** Working directory (default: the repository). */
  cwd?: string;
  /** Node options before the script, e.g. --cpu-prof. */
  execArgv?: string[];
}

/** Starts `heartbeat <args>` with `env` on top of this process's (JSON logs, never pretty). */
export function runCli(args: string[], env: Record<string, string | undefined>, options: RunCliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [...(options.execArgv ?? []), path.join(ROOT, 'bin/heartbeat.js'), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, LOG_PRETTY: 'never', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const stderr: string[] = [];
  const waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text };
    }
    lines.push(line);
    for (const w of waiters) {
      if (w.match(line)) {
        waiters.delete(w);
        w.resolve(line);
      }
    }
  });
  createInterface({ input: child.stderr! }).on('line', (text) => stderr.push(text));
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 2)));
  });
  const tail = () => `last lines:\n${lines.slice(-15).map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${stderr.slice(-15).join('\n')}`;

  return {
    child,
    lines,
    stderr,
    exited,
    waitForLog(match, timeoutMs = 90_000) {
      const found = lines.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (l: LogLine) => { clearTimeout(timer); resolve(l); } };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`heartbeat ${args.join(' ')}: no log line matched within ${timeoutMs} ms; ${tail()}`));
        }, timeoutMs);
        waiters.add(waiter);
        void exited.then((code) => {
          if (waiters.delete(waiter)) {
            clearTimeout(timer);
            reject(new Error(`heartbeat ${args.join(' ')} exited (${code}) before a log line matched; ${tail()}`));
          }
        });
      });
    },
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    peakRssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
      return kb / 1024;
    },
  };
}
