// Test runner config: two projects, both run by `npm test`. Unit tests sit next to the code
// (src/, plugins/, and the README's example plugin test among the fixtures) and need neither
// Kafka nor PostgreSQL, so they run without the global setup: `npx vitest run plugins/x.test.ts`
// starts no broker. Integration tests in test/ get the global setup, which brings up Kafka (a
// running cluster at KAFKA_BROKERS, or the local broker).
import { configDefaults, defineConfig } from 'vitest/config';

const FIXTURE_TESTS = 'test/fixtures/**/*.test.ts';

export default defineConfig({
  test: {
    // Real brokers and databases: allow for a first run that resolves Kafka from Maven Central.
    testTimeout: 120_000,
    hookTimeout: 360_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts', 'plugins/**/*.test.ts', FIXTURE_TESTS] },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, FIXTURE_TESTS], globalSetup: ['test/global-setup.ts'] },
      },
    ],
  },
});
