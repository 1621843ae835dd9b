// One node of the local Kafka cluster: its server.properties, storage formatting (first start
// only), the tied java process, and the wait until it serves metadata.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LocalBrokerError } from '../errors.js';
import type { Logger } from '../log.js';
import { spawnTied, type TiedProcess } from '../tied-process.js';
import { plainClientConfig } from './client.js';
import { clusterBrokerIds, portAnswers } from './probe.js';
import { brokerAddress, controllerPort, serverProperties, type ClusterLayout } from './server-properties.js';

const READY_POLL_MS = 250;

/** Everything needed to run node `id` of a layout. */
export interface NodeSpec {
  id: number;
  layout: ClusterLayout;
  /** Holds server.properties, broker.log and data/. */
  nodeDir: string;
  libs: string;
  clusterId: string;
  heapMb: number;
}

/** A started node: its process and where its output goes. */
export interface RunningNode {
  spec: NodeSpec;
  process: TiedProcess;
  logFile: string;
  /** Size of the log file when this run started: the tail shown on failure starts here. */
  logOffset: number;
}

/** $JAVA_HOME/bin/java when JAVA_HOME is set, else `java` from the PATH. */
export function javaCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.JAVA_HOME !== undefined && env.JAVA_HOME !== '' ? path.join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** The broker's log file of a node directory. */
export function brokerLogFile(nodeDir: string): string {
  return path.join(nodeDir, 'broker.log');
}

/** The last `lines` lines of `file` written after byte `from` (empty when unreadable). */
export async function logTail(file: string, from = 0, lines = 20): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const size = (await handle.stat()).size;
      const start = Math.max(from, size - 64 * 1024);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

function runToEnd(command: string, args: string[], signal?: AbortSignal): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (cause) => reject(new LocalBrokerError(`Could not run ${command}: ${cause.message}`, { cause })));
    child.once('close', (code) => resolve({ code, output }));
  });
}

function jvmArgs(spec: NodeSpec): string[] {
  return [
    `-Xmx${spec.heapMb}m`,
    `-Xms${Math.min(spec.heapMb, 256)}m`,
    '-Djava.awt.headless=true',
    // One SLF4J binding (slf4j-simple), quiet but for warnings and the start/stop lines.
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-Dorg.slf4j.simpleLogger.log.kafka.server.KafkaRaftServer=info',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
    '-cp',
    // java expands dir/* itself; no shell is involved.
    `${spec.libs}/*`,
  ];
}

/** Writes server.properties and formats the storage unless it already holds meta.properties. */
export async function prepareNode(spec: NodeSpec, log: Logger, signal?: AbortSignal): Promise<string> {
  const dataDir = path.join(spec.nodeDir, 'data');
  await mkdir(dataDir, { recursive: true });
  const propsFile = path.join(spec.nodeDir, 'server.properties');
  await writeFile(propsFile, serverProperties(spec.layout, spec.id, dataDir));
  if (existsSync(path.join(dataDir, 'meta.properties'))) return propsFile;
  log.info({ node: spec.id, dataDir }, 'formatting local Kafka storage');
  const { code, output } = await runToEnd(javaCommand(), [...jvmArgs(spec), 'kafka.tools.StorageTool', 'format', '-t', spec.clusterId, '-c', propsFile], signal);
  if (code !== 0) {
    throw new LocalBrokerError(`Formatting the storage of local Kafka node ${spec.id} in ${dataDir} failed (exit ${code}):\n${output.trim().split('\n').slice(-15).join('\n')}`);
  }
  return propsFile;
}

/** Starts the node's broker process, tied to this process; its output goes to broker.log. */
export async function launchNode(spec: NodeSpec, propsFile: string): Promise<RunningNode> {
  for (const [what, port] of [['broker', spec.layout.basePort + spec.id - 1], ['controller', controllerPort(spec.layout, spec.id)]] as const) {
    if (await portAnswers(`${spec.layout.host}:${port}`, 500)) {
      throw new LocalBrokerError(`Port ${port} needed by the ${what} of local Kafka node ${spec.id} is already in use`);
    }
  }
  // Two brokers on one storage corrupt it before Kafka's own lock is taken: refuse up front.
  const pidFile = path.join(spec.nodeDir, 'broker.pid');
  const holder = Number(await readFile(pidFile, 'utf8').catch(() => 'NaN'));
  if (Number.isInteger(holder) && (await readFile(`/proc/${holder}/cmdline`, 'utf8').catch(() => '')).includes(spec.nodeDir)) {
    throw new LocalBrokerError(`Local Kafka node ${spec.id} already runs from ${spec.nodeDir} (pid ${holder}); stop it first or use another data directory`);
  }
  const logFile = brokerLogFile(spec.nodeDir);
  const logOffset = await stat(logFile).then((s) => s.size, () => 0);
  const proc = spawnTied(javaCommand(), [...jvmArgs(spec), 'kafka.Kafka', propsFile], { logFile, cwd: spec.nodeDir, graceSeconds: 20 });
  await writeFile(pidFile, String(proc.pid));
  return { spec, process: proc, logFile, logOffset };
}

/** A LocalBrokerError naming the node's log file and its last lines. */
export async function nodeFailure(node: RunningNode, what: string, cause?: unknown): Promise<LocalBrokerError> {
  const tail = await logTail(node.logFile, node.logOffset);
  return new LocalBrokerError(`Local Kafka node ${node.spec.id} ${what}; see ${node.logFile}${tail === '' ? '' : `, last lines:\n${tail}`}`, { cause });
}

/**
 * Resolves once `node` answers on its port and the cluster, asked through it, lists every id in
 * `expectIds`. Fails at once if the process exits, and when `signal` aborts (e.g. the start timeout).
 */
export async function waitUntilReady(node: RunningNode, expectIds: readonly number[], log: Logger, signal: AbortSignal): Promise<void> {
  const address = brokerAddress(node.spec.layout, node.spec.id);
  let exitCode: number | null | undefined;
  void node.process.exited.then((code) => {
    exitCode = code;
  });
  const config = plainClientConfig([address], 'heartbeat-local-broker');
  for (;;) {
    if (exitCode !== undefined) throw await nodeFailure(node, `exited during start-up (exit ${exitCode})`);
    if (signal.aborted) {
      const why = (signal.reason as Error | undefined)?.name === 'TimeoutError' ? 'did not become ready within the start timeout' : 'start was cancelled';
      throw await nodeFailure(node, why, signal.reason);
    }
    if (await portAnswers(address, 1000)) {
      const ids = await clusterBrokerIds(config, [address], log);
      if (ids !== undefined && expectIds.every((id) => ids.includes(id))) return;
    }
    // The broker announces readiness only on its port: poll it, waking early on exit or abort.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, READY_POLL_MS);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
      void node.process.exited.then(done);
    });
  }
}
