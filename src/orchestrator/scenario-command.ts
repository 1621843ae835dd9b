// `heartbeat scenario`: publishes the deterministic test payloads (valid normal, low, high, out of
// range, malformed) to the readings topic and prints each with the outcome it must have.
import type { CommandContext } from './command-context.js';
import { createKafka } from '../kafka/client.js';
import { ensureKafka } from '../kafka/local-broker.js';
import { createPublisher } from '../kafka/producer.js';
import { ensureTopics } from '../kafka/topics.js';
import { scenarioCases } from '../simulator/scenario.js';

export async function scenarioCommand(ctx: CommandContext): Promise<void> {
  const log = ctx.log;
  const kafka = await ensureKafka(ctx.config, log, { signal: ctx.lifecycle.signal });
  ctx.lifecycle.defer('kafka', () => kafka.stop());
  const config = { ...ctx.config, kafka: { ...ctx.config.kafka, brokers: kafka.brokers } };
  await ensureTopics(config, log, { signal: ctx.lifecycle.signal });

  const cases = scenarioCases(Date.now());
  const publisher = await createPublisher(createKafka(config, log, 'scenario'), config.kafka);
  try {
    await publisher.send(config.kafka.topics.readings, cases.map((c) => ({ key: c.key, value: c.value })));
  } finally {
    await publisher.disconnect();
  }
  const width = Math.max(...cases.map((c) => c.name.length));
  const lines = cases.map((c) => {
    const expected = c.expected.outcome === 'stored'
      ? `stored, level ${c.expected.level}${c.expected.anomalies.length > 0 ? `, anomalies: ${c.expected.anomalies.join(', ')}` : ''}`
      : `rejected: ${c.expected.reason}`;
    return `${c.name.padEnd(width)}  ${c.key}  ${expected}\n    ${c.value.toString('utf8')}`;
  });
  process.stdout.write(`Published ${cases.length} scenario messages to ${config.kafka.topics.readings}:\n${lines.join('\n')}\n`);
}
