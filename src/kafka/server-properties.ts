// The server.properties of a local development broker (KRaft, each node broker+controller).
// Pure: the same layout always gives the same file, so a restart reuses the formatted storage.

/** Where the nodes of a local cluster listen; node ids are 1..nodes. */
export interface ClusterLayout {
  host: string;
  nodes: number;
  /** Broker port of node 1; node i listens on basePort + i - 1. */
  basePort: number;
  /** Controller port of node 1; node i listens on controllerBasePort + i - 1. */
  controllerBasePort: number;
}

/** The client-facing address of node `id`. */
export function brokerAddress(layout: ClusterLayout, id: number): string {
  return `${layout.host}:${layout.basePort + id - 1}`;
}

/** The controller port of node `id`. */
export function controllerPort(layout: ClusterLayout, id: number): number {
  return layout.controllerBasePort + id - 1;
}

/** Node ids of the layout: 1..nodes. */
export function nodeIds(layout: ClusterLayout): number[] {
  return Array.from({ length: layout.nodes }, (_, i) => i + 1);
}

/** server.properties of node `id`, storing its log segments in `logDir`. */
export function serverProperties(layout: ClusterLayout, id: number, logDir: string): string {
  const { host } = layout;
  const replicas = Math.min(3, layout.nodes);
  const voters = nodeIds(layout).map((n) => `${n}@${host}:${controllerPort(layout, n)}`).join(',');
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': id,
    // A static quorum: every node is a voter (formatting with --standalone would conflict).
    'controller.quorum.voters': voters,
    'controller.listener.names': 'CONTROLLER',
    listeners: `PLAINTEXT://${host}:${layout.basePort + id - 1},CONTROLLER://${host}:${controllerPort(layout, id)}`,
    'advertised.listeners': `PLAINTEXT://${brokerAddress(layout, id)}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': logDir,
    // The app creates its topics with explicit settings; a typo must not create a topic.
    'auto.create.topics.enable': false,
    'num.partitions': 1,
    'default.replication.factor': replicas,
    'offsets.topic.replication.factor': replicas,
    'transaction.state.log.replication.factor': replicas,
    // One node may be down in a 3-node cluster without blocking transactions.
    'transaction.state.log.min.isr': Math.min(2, replicas),
    // Consumers of a fresh group start at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms': 0,
    // A dev broker: keep a day or 1 GiB per partition, whichever comes first.
    'log.retention.hours': 24,
    'log.retention.bytes': 1024 ** 3,
    'log.segment.bytes': 128 * 1024 ** 2,
    'log.retention.check.interval.ms': 60_000,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'socket.request.max.bytes': 100 * 1024 ** 2,
  };
  return `${Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}
