// Once per test run: make sure a Kafka broker answers, and hand its address to the test files.
import type { TestProject } from 'vitest/node';
import { startTestKafka } from './support/kafka.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kafka = await startTestKafka();
  project.provide('kafkaBrokers', kafka.brokers);
  return () => kafka.stop();
}
