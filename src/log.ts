// The one place logging is set up. The main thread owns the rotating files (pino-roll) and the
// terminal; worker threads send their JSON lines to it over a BroadcastChannel, because several
// pino-roll writers on one file race and break rotation. For the same reason each process has
// files of its own, named for its command (logs/consume.N.log, logs/simulate.N.log): two
// processes run side by side. Every line carries component and thread.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';
import pino, { type Logger, type DestinationStream } from 'pino';
import type { AppConfig } from './config.js';
import { redactLine } from './redact.js';

export type { Logger } from 'pino';
export type LogConfig = AppConfig['log'];

const CHANNEL = 'heartbeat:log';

type Transport = DestinationStream & { end(): void; once(event: "close", listener: () => void): unknown };

interface EndMessage { end: number }

let transport: Transport | undefined;
let sink: BroadcastChannel | undefined;
const endedThreads = new Set<number>();
const endWaiters = new Map<number, () => void>();

function baseOptions(config: LogConfig, bindings: Record<string, unknown>): pino.LoggerOptions {
  return {
    level: config.level,
    base: bindings,
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    // Secrets are hidden in the finished line (src/redact.ts): one pass covers the object at any
    // depth, child loggers' bindings (which pino's formatters never see), messages and stacks.
    hooks: { streamWrite: redactLine },
  };
}

function wantsPretty(config: LogConfig): boolean {
  return config.pretty === 'always' || (config.pretty === 'auto' && process.stdout.isTTY === true);
}

/** The base path of a process's log files (pino-roll appends .N.log): the directory and its command. */
export function logFileBase(config: LogConfig, command: string): string {
  return path.resolve(config.dir, command);
}

/**
 * Creates the process's root logger, owner of its rotating files (named for `command`) and the
 * terminal output, and starts receiving worker threads' lines. Call once, in the main thread.
 */
export function createRootLogger(config: LogConfig, command: string, bindings: Record<string, unknown> = {}): Logger {
  if (!isMainThread) throw new Error('createRootLogger must run in the main thread; use createWorkerLogger');
  // pino-roll's mkdir+symlink crashes when the directory does not exist yet: create it first.
  mkdirSync(path.resolve(config.dir), { recursive: true });
  transport = pino.transport({
    targets: [
      {
        target: 'pino-roll',
        level: config.level === 'silent' ? 'fatal' : config.level,
        options: {
          // No current.log symlink: pino-roll names it so whatever the file, and processes
          // sharing the directory would take it from each other.
          file: logFileBase(config, command), extension: '.log', mkdir: true,
          size: config.rotation.size, frequency: config.rotation.frequency,
          limit: { count: config.rotation.filesKept },
        },
      },
      wantsPretty(config)
        ? { target: 'pino-pretty', level: config.level === 'silent' ? 'fatal' : config.level, options: { destination: 1, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }
        : { target: 'pino/file', level: config.level === 'silent' ? 'fatal' : config.level, options: { destination: 1 } },
    ],
  }) as unknown as Transport;
  const root = pino(baseOptions(config, { thread: 'main', ...bindings }), transport);

  sink = new BroadcastChannel(CHANNEL);
  sink.onmessage = (event) => {
    const data = (event as MessageEvent).data as string | EndMessage;
    if (typeof data === 'string') {
      transport?.write(data);
    } else {
      endedThreads.add(data.end);
      endWaiters.get(data.end)?.();
    }
  };
  // The channel must not keep the process alive on its own.
  (sink as unknown as { unref(): void }).unref();
  return root;
}

/**
 * Creates a worker thread's logger: same format and redaction, lines sent to the main thread.
 * Call closeWorkerLogger() before the thread's task returns so no line is lost.
 */
export function createWorkerLogger(config: LogConfig, bindings: Record<string, unknown> = {}): Logger {
  const channel = new BroadcastChannel(CHANNEL);
  const stream = {
    write(line: string) {
      channel.postMessage(line);
    },
    end() {
      channel.postMessage({ end: threadId } satisfies EndMessage);
      channel.close();
    },
  };
  workerStreams.add(stream);
  return pino(baseOptions(config, { thread: `worker-${threadId}`, ...bindings }), stream);
}

const workerStreams = new Set<{ end(): void }>();

/** Sends this thread's end marker, after its last line, and closes its channel. */
export function closeWorkerLogger(): void {
  for (const stream of workerStreams) stream.end();
  workerStreams.clear();
}

/** Resolves when the given worker thread's last line has been written (or after timeoutMs). */
export function workerLogsDrained(thread: number, timeoutMs = 2000): Promise<void> {
  if (endedThreads.has(thread)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    endWaiters.set(thread, () => {
      clearTimeout(timer);
      endWaiters.delete(thread);
      resolve();
    });
  });
}

/** Flushes and closes the log transport: every line logged so far reaches the files. */
export async function closeRootLogger(): Promise<void> {
  sink?.close();
  sink = undefined;
  const stream = transport;
  transport = undefined;
  if (stream === undefined) return;
  await new Promise<void>((resolve) => {
    stream.once('close', () => resolve());
    stream.end();
  });
}

/** A logger for places that run before config is loaded or in tests: JSON to stderr (or the given stream). */
export function createBootLogger(level: LogConfig['level'] = 'info', destination: DestinationStream = pino.destination(2)): Logger {
  return pino({ ...baseOptions({ level } as LogConfig, { thread: isMainThread ? 'main' : `worker-${threadId}` }) }, destination);
}
