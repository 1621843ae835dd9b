// A local Apache Kafka cluster of 1 or more KRaft nodes (each broker+controller), real jars from
// Maven Central, no Docker. Nodes can be stopped and restarted one at a time for fault tests.
//
//   resolveKafkaLibs (cached) ─► per node: server.properties, format once ─► spawnTied java
//        ─► wait: every port answers and the cluster lists every node ─► handle { stopNode, startNode, stop }
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LocalBrokerError } from '../errors.js';
import type { Logger } from '../log.js';
import { resolveKafkaLibs } from './artifacts.js';
import { launchNode, nodeFailure, prepareNode, waitUntilReady, type NodeSpec, type RunningNode } from './local-node.js';
import { brokerAddress, nodeIds, type ClusterLayout } from './server-properties.js';

/** How to run a local cluster. */
export interface LocalClusterOptions {
  /** 1 for a single broker, 3 for a cluster that survives one node down. */
  nodes: number;
  /** Interface the nodes bind to (default 127.0.0.1). */
  host?: string;
  /** Broker port of node 1; node i uses basePort + i - 1. */
  basePort: number;
  /** Controller port of node 1 (default: right after the last broker port). */
  controllerBasePort?: number;
  /** Root of the nodes' data; a cluster of n > 1 nodes lives in <dataDir>/cluster-<n>. */
  dataDir: string;
  /** Apache Kafka release (org.apache.kafka:kafka_2.13). */
  version: string;
  /** Cache root of the resolved jars. */
  cacheDir: string;
  heapMb: number;
  /** Bound on the whole start, artifact resolution included. */
  startTimeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
}

/** A running local cluster. Node ids are 1..nodes. */
export interface LocalCluster {
  /** host:port of every node, node 1 first. */
  readonly brokers: string[];
  /** Directory holding the nodes' directories (node-<id>/ with broker.log and data/). */
  readonly root: string;
  /** Resolves (never rejects) the first time a node exits without being asked to. */
  readonly crashed: Promise<LocalBrokerError>;
  /** The broker output file of a node. */
  logFile(id: number): string;
  /** Stops one node (controlled shutdown); the others keep serving. */
  stopNode(id: number): Promise<void>;
  /** Starts a stopped node again and waits until the cluster lists it. */
  startNode(id: number): Promise<void>;
  /** Stops every running node. */
  stop(): Promise<void>;
}

async function clusterId(root: string, nodes: number): Promise<string> {
  const file = path.join(root, 'cluster.json');
  if (existsSync(file)) {
    const saved = JSON.parse(await readFile(file, 'utf8')) as { clusterId: string; nodes: number };
    if (saved.nodes !== nodes) throw new LocalBrokerError(`${root} holds a ${saved.nodes}-node Kafka cluster, not ${nodes}; use another data directory`);
    return saved.clusterId;
  }
  // A Kafka cluster id is a UUID in URL-safe base64 (22 characters). One that
  // starts with '-' reads as an option to kafka-storage's argument parser, so,
  // like Kafka's own Uuid.randomUuid(), draw again until it does not.
  let id = randomBytes(16).toString('base64url');
  while (id.startsWith('-')) id = randomBytes(16).toString('base64url');
  await mkdir(root, { recursive: true });
  await writeFile(file, `${JSON.stringify({ clusterId: id, nodes })}\n`);
  return id;
}

/** Resolves the jars if needed, formats and starts every node, and waits until the cluster is whole. */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const { nodes, log } = options;
  if (!Number.isInteger(nodes) || nodes < 1) throw new LocalBrokerError(`A local Kafka cluster needs at least 1 node, not ${nodes}`);
  const layout: ClusterLayout = {
    host: options.host ?? '127.0.0.1',
    nodes,
    basePort: options.basePort,
    controllerBasePort: options.controllerBasePort ?? options.basePort + nodes,
  };
  const root = nodes === 1 ? path.resolve(options.dataDir) : path.resolve(options.dataDir, `cluster-${nodes}`);
  const ids = nodeIds(layout);
  const brokers = ids.map((id) => brokerAddress(layout, id));
  const deadline = AbortSignal.timeout(options.startTimeoutMs);
  const startSignal = () => (options.signal === undefined ? deadline : AbortSignal.any([deadline, options.signal]));

  // Timeouts and cancellations surface as LocalBrokerError saying which, not as a bare AbortError.
  const explain = (err: unknown): LocalBrokerError => {
    if (err instanceof LocalBrokerError) return err;
    const why = deadline.aborted ? `did not start within kafka.local.startTimeoutMs (${options.startTimeoutMs} ms)` : options.signal?.aborted === true ? 'start was cancelled' : `did not start: ${(err as Error).message}`;
    return new LocalBrokerError(`Local Kafka ${why}`, { cause: err });
  };
  const started = Date.now();
  let libs: string;
  let id: string;
  try {
    libs = await resolveKafkaLibs({ version: options.version, cacheDir: options.cacheDir, log, signal: startSignal() });
    id = await clusterId(root, nodes);
  } catch (err) {
    throw explain(err);
  }
  const specs = new Map<number, NodeSpec>(ids.map((n) => [n, { id: n, layout, nodeDir: path.join(root, `node-${n}`), libs, clusterId: id, heapMb: options.heapMb }]));
  const running = new Map<number, RunningNode>();
  const stopping = new Set<number>();
  // Only a node that was serving can crash; a failed start is reported by the start itself.
  const serving = new Set<RunningNode>();
  let reportCrash: (err: LocalBrokerError) => void = () => undefined;
  const crashed = new Promise<LocalBrokerError>((resolve) => {
    reportCrash = resolve;
  });

  async function launch(n: number, signal: AbortSignal): Promise<RunningNode> {
    const spec = specs.get(n)!;
    const propsFile = await prepareNode(spec, log, signal);
    const node = await launchNode(spec, propsFile);
    running.set(n, node);
    log.info({ node: n, pid: node.process.pid, broker: brokerAddress(layout, n), logFile: node.logFile }, 'local Kafka node starting');
    void node.process.exited.then(async (code) => {
      if (running.get(n) === node) running.delete(n);
      if (stopping.has(n) || !serving.has(node)) return;
      const err = await nodeFailure(node, `exited unexpectedly (exit ${code})`);
      log.error({ node: n, code, logFile: node.logFile, err }, 'local Kafka node exited unexpectedly');
      reportCrash(err);
    });
    return node;
  }

  async function stopNode(n: number): Promise<void> {
    const node = running.get(n);
    if (node === undefined) return;
    stopping.add(n);
    const t0 = Date.now();
    await node.process.stop();
    log.info({ node: n, ms: Date.now() - t0 }, 'local Kafka node stopped');
  }

  async function stop(): Promise<void> {
    // In parallel: a node stopped alone waits for the quorum, which the others still form.
    await Promise.all([...running.keys()].map(stopNode));
  }

  try {
    // Every node is launched before any wait: a static quorum only forms with a majority up.
    // Formatting runs one JVM per node, so do them side by side.
    const launches = await Promise.allSettled(ids.map((n) => launch(n, startSignal())));
    const failed = launches.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const launched = launches.map((l) => (l as PromiseFulfilledResult<RunningNode>).value);
    await Promise.all(launched.map((node) => waitUntilReady(node, ids, log, startSignal())));
    for (const node of launched) serving.add(node);
  } catch (err) {
    await stop();
    throw explain(err);
  }
  log.info({ brokers, nodes, ms: Date.now() - started, root }, 'local Kafka ready');

  return {
    brokers,
    root,
    crashed,
    logFile: (n) => path.join(specs.get(n)?.nodeDir ?? root, 'broker.log'),
    stopNode,
    async startNode(n) {
      if (!specs.has(n)) throw new LocalBrokerError(`No node ${n} in this ${nodes}-node cluster`);
      if (running.has(n)) return;
      stopping.delete(n);
      const signal = AbortSignal.timeout(options.startTimeoutMs);
      const node = await launch(n, signal);
      try {
        await waitUntilReady(node, [n], log, signal);
      } catch (err) {
        await stopNode(n);
        throw err;
      }
      serving.add(node);
      log.info({ node: n }, 'local Kafka node ready');
    },
    stop,
  };
}
