// Config loading: every kind of bad value fails at start-up with one line naming the key, the value and what is allowed.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, loadConfigWithSources, type LoadOptions } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const tempRoot = mkdtempSync(path.join(tmpdir(), 'heartbeat-config-test-'));
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

let dirCount = 0;
/** A fresh config directory holding the given files (name -> JSON value, or raw text). */
function configDir(files: Record<string, unknown> = {}): string {
  const dir = path.join(tempRoot, `config-${dirCount++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

/** The ConfigError loadConfig throws; fails the test when it loads or throws anything else. */
function configError(options: LoadOptions): ConfigError {
  let thrown: unknown;
  try {
    loadConfig({ env: {}, configDir: configDir(), ...options });
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'loadConfig should have refused this config').toBeInstanceOf(ConfigError);
  const error = thrown as ConfigError;
  expect(error.code).toBe('CONFIG_INVALID');
  // One line: it is printed as is before the process exits with code 2.
  expect(error.message).not.toContain('\n');
  return error;
}

describe('a bad value from an env var', () => {
  it.each([
    { kind: 'non-integer', env: { WORKERS: 'abc' }, key: 'workers.count', shown: '"abc"', allowed: 'a whole number from 0 to 256' },
    { kind: 'out-of-range integer', env: { WORKERS: '-1' }, key: 'workers.count', shown: '-1', allowed: 'a whole number from 0 to 256' },
    { kind: 'bad port', env: { DASHBOARD_PORT: '70000' }, key: 'dashboard.port', shown: '70000', allowed: 'a TCP port from 1 to 65535' },
    { kind: 'bad broker list', env: { KAFKA_BROKERS: 'nohost' }, key: 'kafka.brokers', shown: '"nohost"', allowed: 'a comma-separated list of host:port' },
    { kind: 'bad log level', env: { LOG_LEVEL: 'loud' }, key: 'log.level', shown: '"loud"', allowed: 'one of fatal, error, warn, info, debug, trace, silent' },
    { kind: 'bad choice', env: { KAFKA_SASL_MECHANISM: 'x' }, key: 'kafka.sasl.mechanism', shown: '"x"', allowed: 'one of none, plain, scram-sha-256, scram-sha-512' },
    { kind: 'bad share', env: { SIMULATOR_MALFORMED_SHARE: '1.5' }, key: 'simulator.malformedShare', shown: '1.5', allowed: 'a number from 0 to 1' },
    { kind: 'bad size', env: { LOG_ROTATION_SIZE: 'big' }, key: 'log.rotation.size', shown: '"big"', allowed: 'a size such as 512k, 10m or 1g' },
    { kind: 'bad boolean', env: { KAFKA_SSL: 'maybe' }, key: 'kafka.ssl.enabled', shown: '"maybe"', allowed: 'true or false' },
  ])('$kind: $env', ({ env, key, shown, allowed }) => {
    const error = configError({ env });
    expect(error.key).toBe(key);
    expect(error.message).toContain(key);
    expect(error.message).toContain(shown);
    expect(error.message).toContain(allowed);
    expect(error.message).toContain(`env ${Object.keys(env)[0]}`);
  });

  it('bad URL: names the URL without its password', () => {
    const error = configError({ env: { DATABASE_URL: 'mysql://u:secret@h/db' } });
    expect(error.key).toBe('database.url');
    expect(error.message).toContain('database.url');
    expect(error.message).toContain('mysql://u:***@h/db');
    expect(error.message).toContain('a URL of the form postgres://user[:password]@host[:port]/database');
    expect(error.message).not.toContain('secret');
  });
});

describe('a bad value from a CLI flag', () => {
  it.each([[['--workers-count', 'x']], [['--workers-count=x']]])('%j', (args) => {
    const error = configError({ args });
    expect(error.key).toBe('workers.count');
    expect(error.message).toContain('"x"');
    expect(error.message).toContain('flag --workers-count');
    expect(error.message).toContain('a whole number from 0 to 256');
  });
});

describe('a bad config file', () => {
  it('unknown key: names the key, the file and the keys allowed there', () => {
    const dir = configDir({ 'default.json': { workers: { count: 2, cnt: 3 } } });
    const error = configError({ configDir: dir });
    expect(error.key).toBe('workers.cnt');
    expect(error.message).toContain('workers.cnt');
    expect(error.message).toContain(path.join(dir, 'default.json'));
    expect(error.message).toContain('unknown key');
    expect(error.message).toContain('workers.count');
  });

  it('invalid JSON: names the file and the parse error', () => {
    const dir = configDir({ 'default.json': '{ "workers": { "count": 2, } }' });
    const error = configError({ configDir: dir });
    expect(error.key).toBe(path.join(dir, 'default.json'));
    expect(error.message).toContain(path.join(dir, 'default.json'));
    expect(error.message).toMatch(/JSON/);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('a JSON value that is not an object', () => {
    const dir = configDir({ 'default.json': '[1, 2]' });
    expect(configError({ configDir: dir }).message).toContain('must hold a JSON object');
  });

  it('a bad value in a file names the file it came from', () => {
    const dir = configDir({ 'default.json': { workers: { count: 'many' } } });
    const error = configError({ configDir: dir });
    expect(error.key).toBe('workers.count');
    expect(error.message).toContain(`"many" (from file ${path.join(dir, 'default.json')})`);
  });

  it('HEARTBEAT_CONFIG naming a missing file', () => {
    const missing = path.join(tempRoot, 'nowhere.json');
    const error = configError({ env: { HEARTBEAT_CONFIG: missing } });
    expect(error.key).toBe('HEARTBEAT_CONFIG');
    expect(error.message).toContain(missing);
  });

  it.each([
    { shape: 'enabled not a boolean', value: { enabled: 'yes' } },
    { shape: 'an array', value: [1] },
    { shape: 'options not an object', value: { options: 3 } },
    { shape: 'options an array', value: { options: [1] } },
    { shape: 'an unknown setting', value: { enable: true } },
  ])('plugins.<id> settings of the wrong shape: $shape', ({ value }) => {
    const dir = configDir({ 'default.json': { plugins: { tachycardia: value } } });
    const error = configError({ configDir: dir });
    expect(error.key).toBe('plugins.tachycardia');
    expect(error.message).toContain('plugins.tachycardia');
    expect(error.message).toContain(JSON.stringify(value));
    expect(error.message).toContain('"enabled" (true or false) and "options" (an object)');
  });
});

describe('input.maxMessageBytes', () => {
  it('above 1 MiB is refused, naming the key, the value and the limit (a 10 MiB nested-array message ran a worker out of memory)', () => {
    const error = configError({ env: { INPUT_MAX_MESSAGE_BYTES: '10485760' } });
    expect(error.key).toBe('input.maxMessageBytes');
    expect(error.message).toContain('input.maxMessageBytes = 10485760');
    expect(error.message).toContain('from 64 to 1048576');
  });

  it('1 MiB itself loads', () => {
    expect(loadConfig({ env: { INPUT_MAX_MESSAGE_BYTES: '1048576' }, configDir: configDir() }).input.maxMessageBytes).toBe(1_048_576);
  });
});

describe('checks across keys', () => {
  it('kafka.minInsyncReplicas above kafka.replicationFactor', () => {
    const error = configError({ env: { KAFKA_REPLICATION_FACTOR: '1', KAFKA_MIN_INSYNC_REPLICAS: '2' } });
    expect(error.key).toBe('kafka.minInsyncReplicas');
    expect(error.message).toContain('kafka.minInsyncReplicas = 2');
    expect(error.message).toContain('at most kafka.replicationFactor (1)');
  });

  it('a non-loopback dashboard.host without a token', () => {
    const error = configError({ env: { DASHBOARD_HOST: '0.0.0.0' } });
    expect(error.key).toBe('dashboard.token');
    expect(error.message).toContain('dashboard.token');
    expect(error.message).toContain('0.0.0.0');
    expect(error.message).toContain('a token of at least 16 characters');
  });

  it('a non-loopback dashboard.host with a short token, which is never printed', () => {
    const error = configError({ env: { DASHBOARD_HOST: '0.0.0.0', DASHBOARD_TOKEN: 'tiny-secret' } });
    expect(error.key).toBe('dashboard.token');
    expect(error.message).not.toContain('tiny-secret');
  });

  it('a non-loopback dashboard.host with a long enough token loads', () => {
    const config = loadConfig({ env: { DASHBOARD_HOST: '0.0.0.0', DASHBOARD_TOKEN: 'a'.repeat(16) }, configDir: configDir() });
    expect(config.dashboard.host).toBe('0.0.0.0');
  });
});

describe('precedence', () => {
  const dir = configDir({
    'default.json': { workers: { count: 1, chunkSize: 10 } },
    'production.json': { workers: { count: 2 } },
  });
  const extra = path.join(dir, 'extra.json');
  writeFileSync(extra, JSON.stringify({ workers: { count: 3 } }));
  const base = { HEARTBEAT_ENV: 'production', HEARTBEAT_CONFIG: extra };

  it('defaults < default.json < <env>.json < HEARTBEAT_CONFIG < env vars < CLI flags', () => {
    const load = (env: Record<string, string>, args: string[] = []) => loadConfigWithSources({ env, args, configDir: dir });
    expect(loadConfigWithSources({ env: {}, configDir: configDir() }).config.workers.count).toBe(0);
    expect(load({}).config.workers.count).toBe(1);
    expect(load({ HEARTBEAT_ENV: 'production' }).config.workers.count).toBe(2);
    expect(load(base).config.workers.count).toBe(3);
    const fromEnv = load({ ...base, WORKERS: '4' });
    expect([fromEnv.config.workers.count, fromEnv.sources['workers.count']]).toEqual([4, 'env']);
    const fromFlag = load({ ...base, WORKERS: '4' }, ['--workers-count', '5']);
    expect([fromFlag.config.workers.count, fromFlag.sources['workers.count']]).toEqual([5, 'flag']);
    expect(fromFlag.sources['workers.chunkSize']).toBe('file');
    expect(fromFlag.sources['log.level']).toBe('default');
  });

  it('a per-environment file overrides default.json key by key, not as a whole', () => {
    const config = loadConfig({ env: { HEARTBEAT_ENV: 'production' }, configDir: dir });
    expect(config.env).toBe('production');
    expect(config.workers.count).toBe(2);
    expect(config.workers.chunkSize).toBe(10);
  });

  it('an environment without its own file uses default.json', () => {
    expect(loadConfig({ env: { HEARTBEAT_ENV: 'staging' }, configDir: dir }).workers.count).toBe(1);
  });
});

describe('the loaded config', () => {
  it('is deeply frozen', () => {
    const dir = configDir({ 'default.json': { plugins: { tachycardia: { options: { aboveBpm: 120 } } } } });
    const config = loadConfig({ env: {}, configDir: dir });
    expect(() => { (config.workers as { count: number }).count = 9; }).toThrow(TypeError);
    expect(() => { (config.kafka.brokers as string[]).push('other:9092'); }).toThrow(TypeError);
    expect(() => { (config.kafka.sasl as { password: string }).password = 'x'; }).toThrow(TypeError);
    expect(() => { (config.plugins.settings.tachycardia!.options as Record<string, unknown>).aboveBpm = 1; }).toThrow(TypeError);
    expect(config.workers.count).toBe(0);
  });

  it('puts plugins.<id> blocks of the files, merged in order, in config.plugins.settings', () => {
    const dir = configDir({
      'default.json': { plugins: { dir: 'my-plugins', tachycardia: { enabled: false, options: { aboveBpm: 120 } } } },
      'production.json': { plugins: { tachycardia: { options: { durationMs: 300000 } }, bradycardia: { enabled: true } } },
    });
    const config = loadConfig({ env: { HEARTBEAT_ENV: 'production' }, configDir: dir });
    expect(config.plugins.dir).toBe('my-plugins');
    expect(config.plugins.settings.tachycardia).toEqual({ enabled: false, options: { aboveBpm: 120, durationMs: 300000 } });
    expect(config.plugins.settings.bradycardia?.enabled).toBe(true);
  });

  it("loads cleanly from the repository's config/ files", () => {
    const dir = path.join(ROOT, 'config');
    const config = loadConfig({ env: {}, configDir: dir });
    expect(config.env).toBe('development');
    // Every per-environment file shipped in config/ must load too.
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'default.json')) {
      const env = path.basename(file, '.json');
      expect(() => loadConfig({ env: { HEARTBEAT_ENV: env }, configDir: dir }), file).not.toThrow();
    }
  });
});

describe('renamed keys (workers.batchSize is workers.chunkSize, workers.flushIntervalMs is workers.fetchWaitMs)', () => {
  it('still accepts the old key in a file, and reports it with its new name', () => {
    const dir = configDir({ 'default.json': { workers: { batchSize: 10, flushIntervalMs: 20 } } });
    const loaded = loadConfigWithSources({ env: {}, configDir: dir });
    expect([loaded.config.workers.chunkSize, loaded.config.workers.fetchWaitMs]).toEqual([10, 20]);
    expect(loaded.sources['workers.chunkSize']).toBe('file');
    expect(loaded.deprecations).toEqual([
      { old: 'workers.batchSize', new: 'workers.chunkSize', where: path.join(dir, 'default.json'), ignored: false },
      { old: 'workers.flushIntervalMs', new: 'workers.fetchWaitMs', where: path.join(dir, 'default.json'), ignored: false },
    ]);
  });

  it('still accepts the old env var and the old flag', () => {
    const fromEnv = loadConfigWithSources({ env: { WORKERS_BATCH_SIZE: '11', WORKERS_FLUSH_INTERVAL_MS: '21' }, configDir: configDir() });
    expect([fromEnv.config.workers.chunkSize, fromEnv.config.workers.fetchWaitMs, fromEnv.sources['workers.chunkSize']]).toEqual([11, 21, 'env']);
    expect(fromEnv.deprecations.map((d) => [d.old, d.new])).toEqual([['WORKERS_BATCH_SIZE', 'WORKERS_CHUNK_SIZE'], ['WORKERS_FLUSH_INTERVAL_MS', 'WORKERS_FETCH_WAIT_MS']]);
    const fromFlag = loadConfigWithSources({ env: {}, args: ['--workers-batch-size=12', '--workers-flush-interval-ms', '22'], configDir: configDir() });
    expect([fromFlag.config.workers.chunkSize, fromFlag.config.workers.fetchWaitMs, fromFlag.sources['workers.chunkSize']]).toEqual([12, 22, 'flag']);
    expect(fromFlag.deprecations.map((d) => [d.old, d.new])).toEqual([['--workers-batch-size', '--workers-chunk-size'], ['--workers-flush-interval-ms', '--workers-fetch-wait-ms']]);
  });

  it('lets the new name win when both are set, still reporting the old one', () => {
    const dir = configDir({ 'default.json': { workers: { batchSize: 10, chunkSize: 30 } } });
    const loaded = loadConfigWithSources({ env: { WORKERS_FLUSH_INTERVAL_MS: '21', WORKERS_FETCH_WAIT_MS: '31' }, configDir: dir });
    expect([loaded.config.workers.chunkSize, loaded.config.workers.fetchWaitMs]).toEqual([30, 31]);
    expect(loaded.deprecations.map((d) => [d.old, d.ignored]).sort()).toEqual([['WORKERS_FLUSH_INTERVAL_MS', true], ['workers.batchSize', true]]);
    const flags = loadConfigWithSources({ env: {}, args: ['--workers-batch-size=12', '--workers-chunk-size=32'], configDir: configDir() });
    expect([flags.config.workers.chunkSize, flags.deprecations[0]?.ignored]).toEqual([32, true]);
  });

  it('a bad value under the old name is reported under the name given', () => {
    expect(configError({ env: { WORKERS_BATCH_SIZE: 'lots' } }).message).toContain('(from env WORKERS_BATCH_SIZE)');
    expect(configError({ args: ['--workers-flush-interval-ms=0'] }).message).toContain('(from flag --workers-flush-interval-ms)');
    const dir = configDir({ 'default.json': { workers: { batchSize: 0 } } });
    expect(configError({ configDir: dir }).message).toContain(`(from file ${path.join(dir, 'default.json')}, as workers.batchSize)`);
  });

  it('reports nothing when only the new names are used', () => {
    expect(loadConfigWithSources({ env: { WORKERS_CHUNK_SIZE: '10' }, configDir: configDir() }).deprecations).toEqual([]);
  });
});
