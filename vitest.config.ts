// Test runner config: unit tests sit next to the code (src/, plugins/), integration tests in test/.
// The global setup brings up Kafka (a running cluster at KAFKA_BROKERS, or the local broker).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'plugins/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Real brokers and databases: allow for a first run that resolves Kafka from Maven Central.
    testTimeout: 120_000,
    hookTimeout: 360_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
