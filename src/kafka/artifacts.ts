// Resolves the official Apache Kafka broker jars from Maven Central with `mvn`, once per version,
// into a cache outside the repository. A marker is written only after a complete resolution, and
// a lock directory keeps two processes from resolving the same version at once.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalBrokerError } from '../errors.js';
import type { Logger } from '../log.js';
import { spawnTied } from '../tied-process.js';

/** The one SLF4J binding the broker logs through (Kafka's own backend is left out of the picture). */
const SLF4J_VERSION = '2.0.17';
const MARKER = 'resolved.json';
const LOCK_POLL_MS = 250;

export interface ResolveOptions {
  /** Apache Kafka release, e.g. 4.3.1 (org.apache.kafka:kafka_2.13). */
  version: string;
  /** Cache root (see kafkaCacheDir). */
  cacheDir: string;
  log: Logger;
  signal?: AbortSignal;
}

/**
 * The cache root: kafka.local.cacheDir, or $XDG_CACHE_HOME (else ~/.cache) plus /heartbeat/kafka.
 * Reads XDG_CACHE_HOME because the config key documents that default.
 */
export function kafkaCacheDir(configured: string, env: NodeJS.ProcessEnv = process.env): string {
  if (configured !== '') return path.resolve(configured);
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'heartbeat', 'kafka');
}

function pom(version: string): string {
  const dep = (group: string, artifact: string, v: string) =>
    `    <dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${v}</version></dependency>`;
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    '  <groupId>heartbeat.local</groupId><artifactId>kafka-broker-libs</artifactId><version>1</version>',
    '  <packaging>pom</packaging>',
    '  <dependencies>',
    dep('org.apache.kafka', 'kafka_2.13', version),
    dep('org.slf4j', 'slf4j-api', SLF4J_VERSION),
    dep('org.slf4j', 'slf4j-simple', SLF4J_VERSION),
    '  </dependencies>',
    '</project>',
    '',
  ].join('\n');
}

/** Runs mvn tied to this process (a killed start leaves no mvn writing into the cache behind). */
async function runMaven(args: string[], cwd: string, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const logFile = path.join(cwd, 'mvn.log');
  let proc;
  try {
    proc = spawnTied('mvn', args, { cwd, logFile, graceSeconds: 2 });
  } catch (cause) {
    throw new LocalBrokerError(`Could not run mvn (is Maven installed?): ${(cause as Error).message}`, { cause });
  }
  const abort = () => void proc.stop();
  signal?.addEventListener('abort', abort, { once: true });
  // A tied process is unref'd: hold the event loop open until mvn is done.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  const code = await proc.exited.finally(() => {
    clearInterval(keepAlive);
    signal?.removeEventListener('abort', abort);
  });
  signal?.throwIfAborted();
  if (code !== 0) {
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-15).join('\n');
    throw new LocalBrokerError(`mvn failed (exit ${code}) resolving the Kafka artifacts; see ${logFile}:\n${tail}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock directory, waiting while a live process holds it; a dead holder's lock is taken over. */
async function lock(lockDir: string, log: Logger, signal?: AbortSignal): Promise<() => Promise<void>> {
  let announced = false;
  for (;;) {
    signal?.throwIfAborted();
    try {
      await mkdir(lockDir);
      await writeFile(path.join(lockDir, 'pid'), String(process.pid));
      return () => rm(lockDir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(await readFile(path.join(lockDir, 'pid'), 'utf8').catch(() => 'NaN'));
    // No pid yet: the holder is between mkdir and writeFile, so wait; a dead holder's lock is stale.
    if (Number.isInteger(holder) && !alive(holder)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) log.info({ lockDir }, 'waiting for another process resolving the Kafka artifacts');
    announced = true;
    // Another process owns the lock; there is no event to await across processes, so poll.
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/**
 * Returns the directory holding the broker's jars for `version`, resolving them first when the
 * cache has no complete copy. The first run downloads from Maven Central (logged with its duration).
 */
export async function resolveKafkaLibs(options: ResolveOptions): Promise<string> {
  const { version, cacheDir, log, signal } = options;
  const versionDir = path.join(cacheDir, version);
  const libs = path.join(versionDir, 'libs');
  if (existsSync(path.join(versionDir, MARKER))) return libs;

  await mkdir(cacheDir, { recursive: true });
  const unlock = await lock(`${versionDir}.lock`, log, signal);
  try {
    // Another process may have finished while we waited for the lock.
    if (existsSync(path.join(versionDir, MARKER))) return libs;
    const started = Date.now();
    log.info({ version, cacheDir }, 'resolving Kafka artifacts from Maven Central (first start only)');
    // Resolve into a scratch directory and rename it into place: a half-finished run leaves no
    // directory that looks complete.
    const scratch = `${versionDir}.partial-${process.pid}`;
    // Holding the lock, any partial directory is a leftover of a resolution that was killed.
    for (const entry of await readdir(cacheDir)) {
      if (entry.startsWith(`${version}.partial-`)) await rm(path.join(cacheDir, entry), { recursive: true, force: true });
    }
    await mkdir(scratch, { recursive: true });
    await writeFile(path.join(scratch, 'pom.xml'), pom(version));
    await runMaven(['-q', '-B', '-Dstyle.color=never', '-f', 'pom.xml', 'dependency:copy-dependencies', `-DoutputDirectory=${path.join(scratch, 'libs')}`, '-DincludeScope=runtime'], scratch, signal);
    const jars = (await readdir(path.join(scratch, 'libs'))).filter((f) => f.endsWith('.jar'));
    if (!jars.some((j) => j.startsWith(`kafka_2.13-${version}`))) {
      throw new LocalBrokerError(`mvn finished but kafka_2.13-${version}.jar is missing from ${path.join(scratch, 'libs')}`);
    }
    await writeFile(path.join(scratch, MARKER), `${JSON.stringify({ version, jars: jars.length, resolvedAt: new Date().toISOString() })}\n`);
    await rm(versionDir, { recursive: true, force: true });
    await rename(scratch, versionDir);
    log.info({ version, jars: jars.length, ms: Date.now() - started, libs }, 'Kafka artifacts resolved');
    return libs;
  } finally {
    await unlock();
  }
}
