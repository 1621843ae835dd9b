// An operator's secrets never reach the terminal or the log files, whatever form they come in: real
// connections that fail (PostgreSQL refusing, nothing listening, a broker that speaks no SASL) with
// the password in the URL's user part, in its query (password=, sslpassword=), in a libpq keyword
// string, and Kafka's SASL password; every line the commands print or write is searched.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from './support/database.js';
import { runCommand } from './support/pipeline.js';

const logDirs: string[] = [];

afterAll(() => {
  for (const dir of logDirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs a command that must fail to connect; returns everything it printed and wrote to logs/. */
async function failingRun(args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'hb-secrets-logs-'));
  logDirs.push(logDir);
  const { code, stdout, stderr } = await runCommand(args, {
    LOG_DIR: logDir, LOG_LEVEL: 'debug', RETRY_RETRIES: '1', RETRY_MIN_DELAY_MS: '50', RETRY_MAX_DELAY_MS: '100',
    DATABASE_EMBEDDED_FALLBACK: 'false', KAFKA_LOCAL_AUTOSTART: 'false', DATABASE_CONNECT_TIMEOUT_MS: '3000', ...env,
  });
  const files = readdirSync(logDir).filter((f) => f.endsWith('.log')).map((f) => readFileSync(path.join(logDir, f), 'utf8'));
  return { code, output: [stdout, stderr, ...files].join('\n') };
}

describe('secrets in logs', () => {
  it('a failed PostgreSQL connection logs none of the password forms', async () => {
    const closed = await freePort();
    const cases = [
      { secret: 'userinfo-s3cret', url: `postgres://app:userinfo-s3cret@127.0.0.1:${closed}/hb` },
      { secret: 'query-s3cret', url: 'postgres://no_such_role@127.0.0.1:5432/hb?password=query-s3cret' },
      { secret: 'sslpass-s3cret', url: `postgres://app@127.0.0.1:${closed}/hb?sslmode=disable&sslpassword=sslpass-s3cret` },
    ];
    for (const { secret, url } of cases) {
      const { code, output } = await failingRun(['migrate'], { DATABASE_URL: url });
      expect(code, output).not.toBe(0);
      // It did fail on the connection, and said where to: the URL, redacted.
      expect(output).toMatch(/127\.0\.0\.1/);
      expect(output, `secret ${secret} leaked`).not.toContain(secret);
    }
  });

  it('a failed Kafka SASL handshake logs neither the SASL password nor the database password', async () => {
    const { code, output } = await failingRun(['simulate'], {
      KAFKA_BROKERS: inject('kafkaBrokers').join(','), KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'fleet',
      KAFKA_SASL_PASSWORD: 'sasl-s3cret', DATABASE_URL: 'postgres://app:db-s3cret@127.0.0.1:5432/hb',
    });
    expect(code, output).not.toBe(0);
    expect(output).not.toContain('sasl-s3cret');
    expect(output).not.toContain('db-s3cret');
  });
});
