// Loads the plugins directory at start-up: imports every .ts/.js plugin file (no build step: the
// app runs under tsx), checks each against the contract, validates its options from config and
// orders them. Any problem stops start-up with a PluginLoadError naming the file and the cause.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PluginSettings } from '../config-schema.js';
import { ConfigError, PluginLoadError } from '../errors.js';
import {
  checkProblem, contractProblem, type PluginDefinition, type PluginKind, type PluginMeta, type RuleCheck,
  type StatefulRule, type ValidatorCheck,
} from './contract.js';
import { deepFreeze } from './deep-freeze.js';

/** A plugin ready to run: options validated and frozen, check created. */
export interface LoadedPlugin {
  readonly meta: PluginMeta;
  /** Absolute path of the plugin file (or a label for plugins built in code, e.g. by the tester). */
  readonly file: string;
  /** Effective options: config over the plugin's defaults. Frozen. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Set for validators. */
  readonly validate?: ValidatorCheck;
  /** Set for stateless rules. */
  readonly check?: RuleCheck;
  /** Set for stateful rules. */
  readonly stateful?: StatefulRule<unknown>;
}

/** One line of `heartbeat plugins`. */
export interface PluginDescription {
  id: string;
  kind: PluginKind;
  version: string;
  description: string;
  enabled: boolean;
  file: string;
  /** Effective options; null when the plugin is disabled (its options are not validated then). */
  options: Readonly<Record<string, unknown>> | null;
}

const PLUGIN_FILE = /\.(ts|js)$/;
const SKIPPED = /\.(test|spec)\.(ts|js)$|\.d\.ts$/;

/** Plugins in run order: validators before rules, then by meta.order, then by id. */
export function sortPlugins<T extends { meta: PluginMeta }>(plugins: readonly T[]): T[] {
  const kindRank = (k: PluginKind) => (k === 'validator' ? 0 : 1);
  return [...plugins].sort((a, b) => kindRank(a.meta.kind) - kindRank(b.meta.kind) ||
    (a.meta.order ?? 0) - (b.meta.order ?? 0) || (a.meta.id < b.meta.id ? -1 : a.meta.id > b.meta.id ? 1 : 0));
}

/**
 * Validates a definition's options (raw settings over its defaults) and creates its check.
 * Throws PluginLoadError naming `file` and the problem.
 */
export function instantiatePlugin(definition: PluginDefinition, rawOptions: unknown, file: string): LoadedPlugin {
  const { meta } = definition;
  const parsed = meta.options.safeParse(rawOptions ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ');
    throw new PluginLoadError(file, `Plugin ${file}: invalid options for "${meta.id}": ${issues}`, { cause: parsed.error });
  }
  const options = deepFreeze(parsed.data);
  let check: unknown;
  try {
    check = (definition.create as (o: unknown) => unknown)(options);
  } catch (cause) {
    throw new PluginLoadError(file, `Plugin ${file}: create(options) threw: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
  const problem = checkProblem(meta.kind, check);
  if (problem !== undefined) throw new PluginLoadError(file, `Plugin ${file}: ${problem}`);
  if (meta.kind === 'validator') return { meta, file, options, validate: check as ValidatorCheck };
  return typeof check === 'function'
    ? { meta, file, options, check: check as RuleCheck }
    : { meta, file, options, stateful: check as StatefulRule<unknown> };
}

/** The plugin files of a directory, sorted, with tests, declarations and READMEs left out. */
export async function pluginFiles(dir: string): Promise<string[]> {
  const root = path.resolve(dir);
  let names: string[];
  try {
    names = await readdir(root);
  } catch (cause) {
    throw new PluginLoadError(root, `Plugins directory ${root} cannot be read: ${(cause as Error).message}`, { cause });
  }
  const files: string[] = [];
  for (const name of names.sort()) {
    if (!PLUGIN_FILE.test(name) || SKIPPED.test(name)) continue;
    const file = path.join(root, name);
    if ((await stat(file)).isFile()) files.push(file);
  }
  return files;
}

/**
 * Node decides a .ts/.js file's module format from the nearest package.json. A plugins directory
 * outside this repo (no package.json saying "type": "module") loads as CommonJS, and its `import`
 * lines fail with errors that do not say so; name the fix.
 */
function moduleFormatHint(cause: unknown): string {
  const { code, message } = (cause ?? {}) as { code?: string; message?: string };
  const cjs = code === 'ERR_REQUIRE_CYCLE_MODULE' || code === 'ERR_REQUIRE_ESM' || /outside a module|require\(\) of ES Module/.test(message ?? '');
  return cjs ? ' (the file was loaded as CommonJS: put a package.json with {"type": "module"} in the plugins directory)' : '';
}

/** Imports one plugin file and checks its export against the contract and its file name. */
export async function importPlugin(file: string): Promise<PluginDefinition> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (cause) {
    throw new PluginLoadError(file, `Plugin ${file}: cannot be loaded: ${(cause as Error)?.message ?? String(cause)}${moduleFormatHint(cause)}`, { cause });
  }
  if (module.default === undefined) {
    throw new PluginLoadError(file, `Plugin ${file}: no default export; export default defineRule({ meta, create })`);
  }
  const problem = contractProblem(module.default);
  if (problem !== undefined) throw new PluginLoadError(file, `Plugin ${file}: ${problem}`);
  const definition = module.default as PluginDefinition;
  const expected = path.basename(file).replace(PLUGIN_FILE, '');
  if (definition.meta.id !== expected) {
    throw new PluginLoadError(file, `Plugin ${file}: meta.id "${definition.meta.id}" must equal the file name "${expected}"`);
  }
  return definition;
}

interface Found { definition: PluginDefinition; file: string; enabled: boolean; loaded?: LoadedPlugin }

async function loadAll(dir: string, settings: Readonly<Record<string, PluginSettings>>): Promise<Found[]> {
  const found = new Map<string, Found>();
  for (const file of await pluginFiles(dir)) {
    const definition = await importPlugin(file);
    const id = definition.meta.id;
    const other = found.get(id);
    if (other !== undefined) throw new PluginLoadError(file, `Plugin ${file}: duplicate id "${id}", also defined by ${other.file}`);
    const enabled = settings[id]?.enabled !== false;
    found.set(id, { definition, file, enabled, loaded: enabled ? instantiatePlugin(definition, settings[id]?.options, file) : undefined });
  }
  for (const id of Object.keys(settings)) {
    if (!found.has(id)) {
      throw new ConfigError(`plugins.${id}`, `Invalid config plugins.${id}: no plugin "${id}" in ${path.resolve(dir)}; found: ${[...found.keys()].sort().join(', ') || 'none'}`);
    }
  }
  return sortPlugins([...found.values()].map((f) => ({ ...f, meta: f.definition.meta })));
}

/**
 * Loads, checks and orders the enabled plugins of `dir`. `settings[id]` = { enabled?, options? }
 * from config.plugins.settings. Throws PluginLoadError (code PLUGIN_INVALID) for a broken plugin
 * and ConfigError for settings of a plugin that does not exist.
 */
export async function loadPlugins(dir: string, settings: Readonly<Record<string, PluginSettings>> = {}): Promise<LoadedPlugin[]> {
  return (await loadAll(dir, settings)).flatMap((f) => (f.loaded === undefined ? [] : [f.loaded]));
}

/** Every plugin of `dir`, enabled or not, in run order, with its effective options: `heartbeat plugins`. */
export async function describePlugins(dir: string, settings: Readonly<Record<string, PluginSettings>> = {}): Promise<PluginDescription[]> {
  return (await loadAll(dir, settings)).map(({ definition: { meta }, file, enabled, loaded }) => ({
    id: meta.id, kind: meta.kind, version: meta.version, description: meta.description, enabled, file,
    options: loaded?.options ?? null,
  }));
}
