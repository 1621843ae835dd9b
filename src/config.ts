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

/** A former key name, env var or flag that was used: still accepted, to be warned about. */
export interface Deprecation {
  /** The name used: workers.batchSize, WORKERS_BATCH_SIZE or --workers-batch-size. */
  old: string;
  /** The name to use instead, of the same kind. */
  new: string;
  /** Where the old name was: a file path, `env` or `flag`. */
  where: string;
  /** The new name was set there too, so the old one's value was not used. */
  ignored: boolean;
}

/** A loaded config plus where each key's value came from. */
export interface LoadedConfig {
  config: AppConfig;
  sources: Readonly<Record<string, ValueSource>>;
  /** Former names the sources used (the CLI warns about each at start-up). */
  deprecations: readonly Deprecation[];
}

const entries = schemaEntries();
const entryByPath = new Map(entries);

/** A key renamed: its old and new key, env var and flag. */
export interface RenamedKey {
  key: string; env: string; flag: string;
  oldKey: string; oldEnv: string; oldFlag: string;
}

/** Every renamed key, from the schema's `formerly`. */
export const renamedKeys: readonly RenamedKey[] = entries.flatMap(([key, entry]) => (entry.formerly === undefined ? [] : [{
  key, env: entry.env!, flag: flagOf(key), oldKey: entry.formerly.key, oldEnv: entry.formerly.env, oldFlag: flagOf(entry.formerly.key),
}]));

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

function getPath(o: Record<string, unknown>, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined), o);
}

/** Moves a value at `from` to `to` within a file's object (a value at `to` wins). */
function movePath(o: Record<string, unknown>, from: string, to: string): void {
  const fromParts = from.split('.');
  const parent = getPath(o, fromParts.slice(0, -1).join('.')) as Record<string, unknown>;
  const value = parent[fromParts.at(-1)!];
  delete parent[fromParts.at(-1)!];
  if (getPath(o, to) !== undefined) return;
  const toParts = to.split('.');
  let node = o;
  for (const part of toParts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[toParts.at(-1)!] = value;
}

/**
 * The sources with every former name replaced by its new one, and the former names found. An old
 * name set alongside its new one is ignored (the new one wins), but still reported.
 */
function translateRenamed(env: NodeJS.ProcessEnv, args: string[]): { env: NodeJS.ProcessEnv; args: string[]; deprecations: Deprecation[] } {
  const deprecations: Deprecation[] = [];
  const newEnv = { ...env };
  for (const r of renamedKeys) {
    if (env[r.oldEnv] === undefined) continue;
    deprecations.push({ old: r.oldEnv, new: r.env, where: 'env', ignored: env[r.env] !== undefined });
    newEnv[r.env] ??= env[r.oldEnv];
    delete newEnv[r.oldEnv];
  }
  const flags = new Set(args.map((a) => a.split('=')[0]));
  const newArgs: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const [flag, ...rest] = args[i]!.split('=');
    const r = renamedKeys.find((k) => k.oldFlag === flag);
    if (r === undefined) {
      newArgs.push(args[i]!);
      continue;
    }
    const ignored = flags.has(r.flag);
    deprecations.push({ old: r.oldFlag, new: r.flag, where: 'flag', ignored });
    // Dropped when the new flag is there too (given twice, a flag's values become a list).
    if (!ignored) newArgs.push([r.flag, ...rest].join('='));
    else if (rest.length === 0) i += 1;
  }
  return { env: newEnv, args: newArgs, deprecations };
}

function describeValue(key: string, value: unknown): string {
  const entry = entryByPath.get(key);
  if (entry?.format === 'postgres-url' && typeof value === 'string') return JSON.stringify(redactUrl(value));
  return entry?.sensitive === true ? '(hidden)' : JSON.stringify(value);
}

function sourceLabel(key: string, source: ValueSource, file: string | undefined, deprecations: readonly Deprecation[]): string {
  const entry = entryByPath.get(key)!;
  const name = source === 'flag' ? flagOf(key) : source === 'env' ? entry.env : key;
  // A value given under a former name is named as given.
  const given = deprecations.find((d) => !d.ignored && d.new === name && d.where === (source === 'file' ? file : source))?.old;
  if (source === 'flag') return `flag ${given ?? name}`;
  if (source === 'env') return `env ${given ?? name}`;
  if (source === 'file') return `file ${file}${given === undefined ? '' : `, as ${given}`}`;
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
  const { env, args, deprecations } = translateRenamed(options.env ?? process.env, options.args ?? []);
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
    for (const r of renamedKeys) {
      if (getPath(content, r.oldKey) === undefined) continue;
      deprecations.push({ old: r.oldKey, new: r.key, where: file, ignored: getPath(content, r.key) !== undefined });
      movePath(content, r.oldKey, r.key);
    }
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
    validateEntry(key, entry, conf.get(key as never), sourceLabel(key, source, fileOf.get(key), deprecations));
  }

  const values = conf.getProperties() as Record<string, unknown>;
  const config = { ...values, plugins: { ...(values.plugins as object), settings: pluginSettings } } as AppConfig;
  crossCheck(config);
  return { config: deepFreeze(config), sources: Object.freeze(sources), deprecations: Object.freeze(deprecations) };
}

/** Loads and validates the configuration (see loadConfigWithSources). */
export function loadConfig(options: LoadOptions = {}): AppConfig {
  return loadConfigWithSources(options).config;
}

/** CLI flags that set config keys, e.g. --workers-count, for --help and argument checks. */
export function configFlags(): Array<{ flag: string; key: string; doc: string }> {
  return entries.map(([key, entry]) => ({ flag: flagOf(key), key, doc: entry.doc }));
}

