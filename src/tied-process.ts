// Child processes that cannot outlive us: the local Kafka broker and the embedded PostgreSQL.
// Each runs under a small bash guard holding a pipe from this process; when the pipe closes
// (stop(), a normal exit, or this process being killed, even with SIGKILL) the guard sends the
// child SIGTERM and, after a grace period, SIGKILL. Node cannot set PR_SET_PDEATHSIG, hence the guard.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export interface TiedProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** File that receives the child's stdout and stderr (default: discarded). */
  logFile?: string;
  /** Seconds between SIGTERM and SIGKILL when the child is stopped. */
  graceSeconds?: number;
}

export interface TiedProcess {
  /** Pid of the guard, leader of the process group the child runs in. */
  readonly pid: number;
  /** Resolves with the exit code once the child and its guard have exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL to the whole group after the grace period; resolves once it is gone. */
  stop(): Promise<number | null>;
}

const GUARD = `
exec 3<&0
"$@" </dev/null 3<&- &
child=$!
(
  cat <&3 >/dev/null
  kill -TERM "$child" 2>/dev/null
  for _ in $(seq $((TIED_GRACE * 10))); do kill -0 "$child" 2>/dev/null || exit 0; sleep 0.1; done
  kill -KILL "$child" 2>/dev/null
) &
watcher=$!
exec 3<&-
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
code=0
while kill -0 "$child" 2>/dev/null; do wait "$child"; code=$?; done
kill "$watcher" 2>/dev/null
exit $code
`;

/** Starts `command args` tied to this process (see the file header). */
export function spawnTied(command: string, args: readonly string[], options: TiedProcessOptions = {}): TiedProcess {
  const grace = options.graceSeconds ?? 15;
  const out = options.logFile === undefined ? 'ignore' : openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn('bash', ['-c', GUARD, 'tied-guard', command, ...args], {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), TIED_GRACE: String(grace) },
      stdio: ['pipe', out, out],
      // Its own process group: Ctrl-C reaches us, and we decide when the child stops.
      detached: true,
    });
  } finally {
    if (typeof out === 'number') closeSync(out);
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? null : 128)));
  });
  // The pipe must not keep our event loop alive; the guard watches it, we never write to it.
  (child.stdin as unknown as { unref?: () => void })?.unref?.();
  child.unref();

  return {
    pid: child.pid!,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.stdin?.end();
      child.stdin?.destroy();
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, (grace + 5) * 1000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}
