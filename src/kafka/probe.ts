// Cheap checks of whether a broker is there: a TCP connect, and a metadata request through kafkajs.
import net from 'node:net';
import type { Logger } from '../log.js';
import { createKafka, type KafkaClientConfig } from './client.js';

/** Splits host:port (IPv6 in brackets allowed). */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (match === null) throw new Error(`not a host:port address: ${address}`);
  return { host: match[1]!, port: Number(match[2]) };
}

/** True when something accepts a TCP connection at host:port within timeoutMs. */
export function portAnswers(address: string, timeoutMs = 1000): Promise<boolean> {
  const { host, port } = parseAddress(address);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The first of `addresses` that accepts a TCP connection, or undefined. */
export async function firstAnswering(addresses: readonly string[], timeoutMs = 1000): Promise<string | undefined> {
  const answers = await Promise.all(addresses.map((a) => portAnswers(a, timeoutMs)));
  return addresses[answers.indexOf(true)];
}

/**
 * Ids of the brokers the cluster reports through `addresses` (only live, registered brokers are
 * listed), or undefined when the metadata request fails. One attempt: callers decide on retrying.
 */
export async function clusterBrokerIds(config: KafkaClientConfig, addresses: readonly string[], log: Logger): Promise<number[] | undefined> {
  // The probe's failures are expected while a broker starts: keep kafkajs quiet about them.
  const quiet = log.child({}, { level: 'silent' });
  const kafka = createKafka({ kafka: { ...config.kafka, brokers: [...addresses] } }, quiet, 'probe', { retries: 0 });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  } catch {
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
