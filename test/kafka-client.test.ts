// createKafka: kafkajs logs reach pino (component kafka, kafkajs namespace, mapped levels), SASL
// secrets never reach the logs, and a bad TLS CA file is a config error naming the key.
import { describe, expect, it } from 'vitest';
import type { AppError } from '../src/errors.js';
import { logLevel } from 'kafkajs';
import { createKafka, pinoLogCreator } from '../src/kafka/client.js';
import { memoryLogger, testConfig } from './support/kafka.js';

const PINO_INFO = 30;
const PINO_WARN = 40;
const PINO_ERROR = 50;

describe('createKafka', () => {
  it('routes kafkajs logs into pino with component kafka and the kafkajs namespace', async () => {
    const { log, lines } = memoryLogger('debug');
    const admin = createKafka(testConfig(), log, 'client-test').admin();
    await admin.connect();
    await admin.listTopics();
    await admin.disconnect();
    const kafkaLines = lines.filter((l) => l.component === 'kafka');
    expect(kafkaLines.length).toBeGreaterThan(0);
    expect(kafkaLines.every((l) => typeof l.namespace === 'string' && typeof l.msg === 'string')).toBe(true);
    // The client id carries the suffix, so brokers (and these lines) tell the app's parts apart.
    expect(kafkaLines.some((l) => l.clientId === 'heartbeat-client-test')).toBe(true);
  });

  it('never logs the SASL password, even when authentication fails', async () => {
    const password = 'never-log-this-4f7c2a';
    // The test broker's listener has no SASL: the handshake fails and kafkajs logs errors.
    const config = testConfig({ kafka: { sasl: { mechanism: 'plain', username: 'heartbeat', password } } });
    const { log, lines } = memoryLogger('debug');
    const admin = createKafka(config, log, 'sasl-test', { retries: 0 }).admin({ retry: { retries: 0 } });
    const error = await admin.connect().catch((err: unknown) => err);
    await admin.disconnect();
    expect(error).toBeInstanceOf(Error);
    expect(lines.some((l) => l.level === PINO_ERROR && l.component === 'kafka')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(password);
    expect(String((error as Error).message)).not.toContain(password);
  });

  it('fails with CONFIG_INVALID naming kafka.ssl.caFile when the CA file cannot be read', () => {
    const config = testConfig({ kafka: { ssl: { enabled: true, caFile: '/nonexistent/ca.pem' } } });
    const error = (() => {
      try {
        createKafka(config, memoryLogger().log);
        return undefined;
      } catch (err) {
        return err as AppError & { key?: string };
      }
    })();
    expect(error?.code).toBe('CONFIG_INVALID');
    expect(error?.key).toBe('kafka.ssl.caFile');
  });

  it('logs rebalance and coordinator start-up answers as info and other broker errors as errors', () => {
    const { log, lines } = memoryLogger('debug');
    const write = pinoLogCreator(log)();
    const entry = (error: string) => ({ timestamp: '', logger: 'kafkajs', message: 'Response Heartbeat(key: 12, version: 3)', error });
    write({ namespace: 'Connection', level: logLevel.ERROR, label: 'ERROR', log: entry('The group is rebalancing, so a rejoin is needed') });
    // A freshly started broker, until its internal topics are loaded.
    write({ namespace: 'Connection', level: logLevel.ERROR, label: 'ERROR', log: entry('The coordinator is loading and hence can\'t process requests for this group') });
    write({ namespace: 'Connection', level: logLevel.ERROR, label: 'ERROR', log: entry('The group coordinator is not available') });
    write({ namespace: 'Connection', level: logLevel.ERROR, label: 'ERROR', log: entry('Not authorized to access group') });
    expect(lines.map((l) => [l.level, l.error])).toEqual([
      [PINO_INFO, 'The group is rebalancing, so a rejoin is needed'],
      [PINO_INFO, 'The coordinator is loading and hence can\'t process requests for this group'],
      [PINO_INFO, 'The group coordinator is not available'],
      [PINO_ERROR, 'Not authorized to access group'],
    ]);
  });

  it("logs kafkajs's notice about bounded idempotent retries and a rebalancing answer as info, other warnings as warnings", () => {
    const { log, lines } = memoryLogger('debug');
    const write = pinoLogCreator(log)();
    const warn = (message: string) => write({ namespace: 'Producer', level: logLevel.WARN, label: 'WARN', log: { timestamp: '', logger: 'kafkajs', message } });
    // Printed by every `heartbeat replay` and at every start-up: our retries are bounded on purpose.
    warn('Limiting retries for the idempotent producer may invalidate EoS guarantees');
    warn('Broker disconnected');
    // What a worker joining a running group printed (kafkajs's Runner), with the broker's answer.
    write({ namespace: 'Runner', level: logLevel.WARN, label: 'WARN', log: { timestamp: '', logger: 'kafkajs', message: 'The group is rebalancing, re-joining', error: 'The group is rebalancing, so a rejoin is needed' } });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [PINO_INFO, 'Limiting retries for the idempotent producer may invalidate EoS guarantees'],
      [PINO_WARN, 'Broker disconnected'],
      [PINO_INFO, 'The group is rebalancing, re-joining'],
    ]);
  });

  it("logs a consumer's crash and restart on a loading coordinator as info, and other crashes as an error and a warning", () => {
    const { log, lines } = memoryLogger('debug');
    const write = pinoLogCreator(log)();
    const say = (message: string) => write({ namespace: 'Consumer', level: logLevel.ERROR, label: 'ERROR', log: { timestamp: '', logger: 'kafkajs', message, groupId: 'g' } });
    // What every first `npm start` printed: the broker's __consumer_offsets was still loading.
    say("Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group");
    say('Restarting the consumer in 300ms');
    say('Crash: KafkaJSNumberOfRetriesExceeded: Connection timeout');
    say('Restarting the consumer in 300ms');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [PINO_INFO, "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group"],
      [PINO_INFO, 'Restarting the consumer in 300ms'],
      [PINO_ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded: Connection timeout'],
      [PINO_WARN, 'Restarting the consumer in 300ms'],
    ]);
  });
});
