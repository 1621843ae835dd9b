// Once per test run: make sure a Kafka broker answers, and hand its address to the test files;
// and install Debian's Chromium for the browser test where it is missing (a fresh machine).
import type { TestProject } from 'vitest/node';
import { ensureChromium } from './support/browser.js';
import { startTestKafka } from './support/kafka.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    ensureChromium((line) => process.stderr.write(`${line}\n`));
  } catch (err) {
    // Only the browser test needs it; it fails with this reason, the rest of the suite runs.
    process.stderr.write(`chromium unavailable: ${(err as Error).message}\n`);
  }
  const kafka = await startTestKafka();
  project.provide('kafkaBrokers', kafka.brokers);
  return () => kafka.stop();
}
