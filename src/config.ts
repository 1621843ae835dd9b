// Loads, validates and freezes the configuration: the only module that reads the environment.
// Order: schema defaults < config/default.json < config/<env>.json < $HEARTBEAT_CONFIG < env vars < CLI flags.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import convict from 'convict';
import { formats, type FormatName } from './config-formats.js';
import { flagOf, schema, schemaEntries, type AppConfig, type PluginSettings, type SchemaEntry } from './config-schema.js';
import { ConfigError } from './errors.js';
import { redactUrl } from './redact.js';

export type { AppConfig, PluginSettings } from './config-schema.js';
export type ValueSource = 'default' | 'file' | 'env' | 'flag';

export interface LoadOptions {
  /** Environment variables (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** CLI flags such as ['--workers-count', '4'] or ['--log-level=debug']. */
  args?: string[];
  /** Directory holding default.json and <env>.json (default: ./config). */
  configDir?: string;
}

/** A loaded config plus where each key's value came from. */
export interface LoadedConfig {
  config: AppConfig;
  sources: Readonly<Record<string, ValueSource>>;
}

const entries = schemaEntries();
const entryByPath = new Map(entries);

for (const [name, format] of Object.entries(formats)) {
  // Validation is ours (validateEntry); convict only merges sources and coerces strings.
  convict.addFormat({ name, validate: () => undefined, coerce: 'coerce' in format ? format.coerce : (raw: string) => raw });
}

function convictSchema(): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, entry] of entries) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts.at(-1)!] = {
      doc: entry.doc, format: entry.format, default: entry.default, env: entry.env,
      arg: flagOf(key).slice(2), sensitive: entry.sensitive === true,
    };
  }
  return root;
}

function readJson(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new ConfigError(file, `Invalid config file ${file}: ${(cause as Error).message}`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(file, `Invalid config file ${file}: must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function leafPaths(value: unknown, prefix: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || entryByPath.has(prefix)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix === '' ? k : `${prefix}.${k}`));
}

/** Takes plugins.<id> out of a file's object (they are free-form, checked by the plugin loader). */
function extractPluginSettings(file: string, content: Record<string, unknown>, into: Record<string, PluginSettings>): void {
  const plugins = content.plugins as Record<string, unknown> | undefined;
  if (plugins === undefined || typeof plugins !== 'object' || plugins === null) return;
  for (const [id, value] of Object.entries(plugins)) {
    if (id === 'dir') continue;
    const ok = typeof value === 'object' && value !== null && !Array.isArray(value) &&
      Object.keys(value).every((k) => k === 'enabled' || k === 'options') &&
      ((value as PluginSettings).enabled === undefined || typeof (value as PluginSettings).enabled === 'boolean') &&
      ((value as PluginSettings).options === undefined || (typeof (value as PluginSettings).options === 'object' && (value as PluginSettings).options !== null && !Array.isArray((value as PluginSettings).options)));
    if (!ok) {
      throw new ConfigError(`plugins.${id}`, `Invalid config plugins.${id} in ${file}: ${JSON.stringify(value)}; allowed: an object with "enabled" (true or false) and "options" (an object)`);
    }
    into[id] = { ...into[id], ...(value as PluginSettings), options: { ...into[id]?.options, ...(value as PluginSettings).options } };
    delete plugins[id];
  }
}

function describeValue(key: string, value: unknown): string {
  const entry = entryByPath.get(key);
  if (entry?.format === 'postgres-url' && typeof value === 'string') return JSON.stringify(redactUrl(value));
  return entry?.sensitive === true ? '(hidden)' : JSON.stringify(value);
}

function sourceLabel(key: string, source: ValueSource, file: string | undefined): string {
  const entry = entryByPath.get(key)!;
  if (source === 'flag') return `flag ${flagOf(key)}`;
  if (source === 'env') return `env ${entry.env}`;
  if (source === 'file') return `file ${file}`;
  return 'default';
}

function validateEntry(key: string, entry: SchemaEntry, value: unknown, where: string): void {
  const format = formats[entry.format as FormatName];
  if (!format.check(value, entry)) {
    throw new ConfigError(key, `Invalid config ${key} = ${describeValue(key, value)} (from ${where}): allowed is ${format.allowed(entry)}`);
  }
}

function crossCheck(config: AppConfig): void {
  const fail = (key: string, value: unknown, allowed: string) => {
    throw new ConfigError(key, `Invalid config ${key} = ${describeValue(key, value)}: allowed is ${allowed}`);
  };
  if (config.kafka.minInsyncReplicas > config.kafka.replicationFactor) {
    fail('kafka.minInsyncReplicas', config.kafka.minInsyncReplicas, `at most kafka.replicationFactor (${config.kafka.replicationFactor})`);
  }
  if (config.retry.minDelayMs > config.retry.maxDelayMs) {
    fail('retry.minDelayMs', config.retry.minDelayMs, `at most retry.maxDelayMs (${config.retry.maxDelayMs})`);
  }
  if (config.kafka.sasl.mechanism !== 'none' && (config.kafka.sasl.username === '' || config.kafka.sasl.password === '')) {
    fail('kafka.sasl.username', config.kafka.sasl.username, `a user name and kafka.sasl.password when kafka.sasl.mechanism is ${config.kafka.sasl.mechanism}`);
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(config.dashboard.host) && config.dashboard.token.length < 16) {
    fail('dashboard.token', config.dashboard.token, `a token of at least 16 characters when dashboard.host (${config.dashboard.host}) is not a loopback address`);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Loads and validates the configuration; throws ConfigError naming the key, the value and what is allowed. */
export function loadConfigWithSources(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const args = options.args ?? [];
  const configDir = options.configDir ?? path.resolve('config');
  const conf = convict(convictSchema() as convict.Schema<Record<string, unknown>>, { env, args });

  const envName = String(conf.get('env' as never));
  validateEntry('env', entryByPath.get('env')!, envName, 'env HEARTBEAT_ENV');
  const files = [path.join(configDir, 'default.json'), path.join(configDir, `${envName}.json`)].filter((f) => existsSync(f));
  if (env.HEARTBEAT_CONFIG !== undefined && env.HEARTBEAT_CONFIG !== '') {
    if (!existsSync(env.HEARTBEAT_CONFIG)) {
      throw new ConfigError('HEARTBEAT_CONFIG', `Invalid config HEARTBEAT_CONFIG = ${JSON.stringify(env.HEARTBEAT_CONFIG)}: allowed is the path of an existing JSON file`);
    }
    files.push(env.HEARTBEAT_CONFIG);
  }

  const pluginSettings: Record<string, PluginSettings> = {};
  const fileOf = new Map<string, string>();
  for (const file of files) {
    const content = readJson(file);
    extractPluginSettings(file, content, pluginSettings);
    for (const key of leafPaths(content, '')) {
      if (!entryByPath.has(key)) {
        const allowed = entries.map(([k]) => k).filter((k) => k.startsWith(key.split('.')[0]!)).slice(0, 8).join(', ');
        throw new ConfigError(key, `Invalid config ${key} in ${file}: unknown key; allowed keys${allowed ? ` here: ${allowed}` : ': see docs/configuration.md'}`);
      }
      fileOf.set(key, file);
    }
    conf.load(content);
  }

  const flags = new Set(args.map((a) => a.split('=')[0]));
  const sources: Record<string, ValueSource> = {};
  for (const [key, entry] of entries) {
    const source: ValueSource = flags.has(flagOf(key)) ? 'flag'
      : entry.env !== undefined && env[entry.env] !== undefined ? 'env'
      : fileOf.has(key) ? 'file' : 'default';
    sources[key] = source;
    validateEntry(key, entry, conf.get(key as never), sourceLabel(key, source, fileOf.get(key)));
  }

  const values = conf.getProperties() as Record<string, unknown>;
  const config = { ...values, plugins: { ...(values.plugins as object), settings: pluginSettings } } as AppConfig;
  crossCheck(config);
  return { config: deepFreeze(config), sources: Object.freeze(sources) };
}

/** Loads and validates the configuration (see loadConfigWithSources). */
export function loadConfig(options: LoadOptions = {}): AppConfig {
  return loadConfigWithSources(options).config;
}

/** CLI flags that set config keys, e.g. --workers-count, for --help and argument checks. */
export function configFlags(): Array<{ flag: string; key: string; doc: string }> {
  return entries.map(([key, entry]) => ({ flag: flagOf(key), key, doc: entry.doc }));
}

