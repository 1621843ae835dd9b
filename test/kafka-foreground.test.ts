// `heartbeat kafka` as a process: a graceful stop on SIGTERM, and no broker left behind when the
// launcher is killed with SIGKILL (the broker is tied to it).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { freePortRange, javaProcessesUsing, type LogRecord } from './support/kafka.js';
import { waitUntil } from './support/poll.js';

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/kafka-foreground.ts');

interface Launcher {
  child: ChildProcess;
  dataDir: string;
  lines: LogRecord[];
  waitFor(msg: string): Promise<LogRecord>;
  exited: Promise<number | null>;
}

const launched: Launcher[] = [];

async function launch(): Promise<Launcher> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'heartbeat-kafka-fg-'));
  const port = await freePortRange(2);
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...process.env, KAFKA_BROKERS: `127.0.0.1:${port}`, KAFKA_LOCAL_DATA_DIR: dataDir, KAFKA_LOCAL_HEAP_MB: '256' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: LogRecord[] = [];
  const waiters: Array<{ msg: string; resolve: (l: LogRecord) => void }> = [];
  createInterface({ input: child.stderr! }).on('line', (text) => {
    const line = (text.startsWith('{') ? JSON.parse(text) : { msg: text }) as LogRecord;
    lines.push(line);
    for (const w of waiters.filter((x) => x.msg === line.msg)) w.resolve(line);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const launcher: Launcher = {
    child, dataDir, lines, exited,
    waitFor: (msg) => {
      const found = lines.find((l) => l.msg === msg);
      if (found !== undefined) return Promise.resolve(found);
      return Promise.race([
        new Promise<LogRecord>((resolve) => waiters.push({ msg, resolve })),
        exited.then((code) => Promise.reject(new Error(`launcher exited (${code}) before logging "${msg}": ${JSON.stringify(lines.slice(-5))}`))),
      ]);
    },
  };
  launched.push(launcher);
  return launcher;
}

/** Resolves once no java process uses `dir`; the broker gets its shutdown grace period first. */
function brokerGone(dir: string, timeoutMs: number): Promise<boolean> {
  // A process we did not spawn has no exit event to await: poll /proc.
  return waitUntil(async () => ((await javaProcessesUsing(dir)).length === 0 ? true : undefined), timeoutMs, `no java process in ${dir}`, 200)
    .catch(() => false);
}

afterEach(async () => {
  for (const l of launched.splice(0)) {
    if (l.child.exitCode === null && l.child.signalCode === null) {
      l.child.kill('SIGKILL');
      await l.exited;
    }
    await brokerGone(l.dataDir, 40_000);
    await rm(l.dataDir, { recursive: true, force: true });
  }
});

describe('heartbeat kafka (runKafkaForeground) as a process', () => {
  it('runs until SIGTERM, then stops the broker and exits 0', async () => {
    const l = await launch();
    await l.waitFor('local Kafka running; Ctrl-C stops it');
    expect(await javaProcessesUsing(l.dataDir)).toHaveLength(1);
    l.child.kill('SIGTERM');
    expect(await l.exited).toBe(0);
    expect(l.lines.some((line) => line.msg === 'local Kafka stopped')).toBe(true);
    expect(await javaProcessesUsing(l.dataDir)).toEqual([]);
  });

  it('leaves no broker behind when the launcher is killed with SIGKILL', async () => {
    const l = await launch();
    await l.waitFor('local Kafka running; Ctrl-C stops it');
    expect(await javaProcessesUsing(l.dataDir)).toHaveLength(1);
    l.child.kill('SIGKILL');
    await l.exited;
    // The guard sends SIGTERM at once and SIGKILL after its grace period (20 s).
    expect(await brokerGone(l.dataDir, 30_000)).toBe(true);
  });
});
