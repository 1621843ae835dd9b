// The `heartbeat` command line: parses the command and flags, loads the config once, sets up
// logging and the lifecycle, and hands over to the command. Exit codes: 0 ok, 1 failure, 2 usage or config error.
import { availableParallelism } from 'node:os';
import { configFlags, loadConfigWithSources, renamedKeys, type LoadedConfig } from './config.js';
import { AppError, ConfigError, UsageError } from './errors.js';
import { closeRootLogger, createRootLogger } from './log.js';
import type { CommandContext } from './orchestrator/command-context.js';
import { Lifecycle } from './orchestrator/lifecycle.js';
import { redactText } from './redact.js';

interface Command {
  summary: string;
  /** Flags of this command only (config flags are accepted by every command): flag -> '<value> doc' or just the doc of a number. */
  flags?: Record<string, string>;
  /** The operands it takes, e.g. '<file>...' (without: an operand is a usage error). */
  operands?: string;
  /** Long-running commands keep the process alive until a signal; others return when done. */
  longRunning: boolean;
  run(ctx: CommandContext): Promise<void>;
}

const commands: Record<string, Command> = {
  start: {
    summary: 'Run everything: broker and database (started locally when none answers), migrations, topics, workers and simulator',
    longRunning: true,
    run: async (ctx) => (await import('./orchestrator/start.js')).start(ctx, { workers: true, simulator: ctx.config.simulator.enabled }),
  },
  simulate: {
    summary: 'Run the simulator of wearables only (publishes readings to Kafka)',
    longRunning: true,
    run: async (ctx) => (await import('./orchestrator/start.js')).start(ctx, { workers: false, simulator: true }),
  },
  consume: {
    summary: 'Run the consumer workers only (Kafka -> rules -> PostgreSQL)',
    longRunning: true,
    run: async (ctx) => (await import('./orchestrator/start.js')).start(ctx, { workers: true, simulator: false }),
  },
  migrate: {
    summary: 'Create the database if missing and apply the migrations in sql/',
    longRunning: false,
    run: async (ctx) => (await import('./orchestrator/migrate-command.js')).migrateCommand(ctx),
  },
  kafka: {
    summary: 'Run the local Apache Kafka broker in the foreground (Ctrl-C stops it)',
    flags: { '--nodes': 'number of brokers: 1 (default) or 3 for a local cluster' },
    longRunning: true,
    run: async (ctx) => {
      const { runKafkaForeground } = await import('./kafka/index.js');
      const nodes = Number(ctx.options.nodes ?? '1');
      if (![1, 3].includes(nodes)) throw new UsageError(`--nodes = ${JSON.stringify(ctx.options.nodes)}: allowed is 1 or 3`);
      await runKafkaForeground(ctx.config, ctx.log, { nodes, signal: ctx.lifecycle.signal });
    },
  },
  scenario: {
    summary: 'Publish the deterministic test payloads (normal, low, high, out-of-range, malformed) and print what was sent',
    longRunning: false,
    run: async (ctx) => (await import('./orchestrator/scenario-command.js')).scenarioCommand(ctx),
  },
  plugins: {
    summary: 'List the loaded plugins with their kinds, versions and effective options',
    longRunning: false,
    run: async (ctx) => (await import('./orchestrator/plugins-command.js')).pluginsCommand(ctx),
  },
  replay: {
    summary: 'Publish recorded readings (CSV, Fitbit CSV, FHIR JSON/NDJSON, Apple Health export.xml; gzip too) to the readings topic, times shifted so the newest is now; see docs/replay.md',
    operands: '<file>...',
    flags: {
      '--speed': '<N> replay at N times real time, paced by event time (default: as fast as the broker takes it)',
      '--customer': '<id> customer of Apple Health exports (default: the file name without extensions)',
      '--too-old': '<fail|skip> when the oldest readings would be older than the range validator\'s maxAgeMs: fail before sending (default) or skip those',
    },
    longRunning: false,
    run: async (ctx) => (await import('./orchestrator/replay-command.js')).replayCommand(ctx),
  },
  evaluate: {
    summary: 'Replay a simulated day through the rules (no Kafka, no database), score the alerts against the injected episodes; with --data, also count alerts per customer-day on recordings; exits 1 when a target is missed',
    operands: '[--data <file>...]',
    flags: {
      '--customers': 'simulated customers (default 1000)',
      '--hours': 'hours of event time replayed from 2026-11-23T00:00Z (default 24)',
      '--seed': 'simulator seed (default: simulator.seed)',
      '--data': '<file> recordings (any format replay reads; more files may follow) run through the rules: alerts and anomaly rows per customer-day',
      '--sample-days': 'with --data: only the first N UTC days of each customer (bounds runtime)',
      '--plot': '<out.svg> with --data: sweep each rule\'s threshold, draw alerts per customer-day (recordings) against recall (simulator, at most 100 customers x 6 h)',
    },
    longRunning: false,
    run: async (ctx) => (await import('./orchestrator/evaluate-command.js')).evaluateCommand(ctx),
  },
};

/** A command's own flags, one line each, indented by `indent`. */
function flagLines(cmd: Command, indent: string): string[] {
  return Object.entries(cmd.flags ?? {}).map(([flag, doc]) => {
    // A doc may open with its value's name ('<id> ...'); otherwise the value is a number.
    const [, value = '<n>', text = doc] = /^(<[^>]+>) (.*)$/s.exec(doc) ?? [];
    return `${indent}${flag} ${value}  ${text}`;
  });
}

/** One command's help (`heartbeat <command> --help`). */
function commandUsage(name: string, cmd: Command): string {
  return [
    `Usage: heartbeat ${name} [flags]${cmd.operands === undefined ? '' : ` ${cmd.operands}`}`,
    '',
    cmd.summary,
    ...(cmd.flags === undefined ? [] : ['', 'Flags:', ...flagLines(cmd, '  ')]),
    '',
    'Every configuration key is also a flag (they override env vars and config files): heartbeat --help lists them.',
  ].join('\n');
}

/** The help of every command (`heartbeat --help`). */
function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = [
    'Usage: heartbeat <command> [flags]',
    '',
    'Commands:',
    ...Object.entries(commands).flatMap(([command, c]) => [
      `  ${command.padEnd(width)}  ${c.summary}`,
      ...(c.operands === undefined ? [] : [`  ${''.padEnd(width)}    heartbeat ${command} [flags] ${c.operands}`]),
      ...flagLines(c, `  ${''.padEnd(width)}    `),
    ]),
    '',
    'Flags:',
    '  --help, -h  Show this help (after a command: that command\'s help)',
    '  Every configuration key is also a flag (they override env vars and config files):',
    ...configFlags().map(({ flag, doc }) => `  ${flag} <value>  ${doc}`),
    '',
    `npm start runs \`heartbeat start\`. Workers default to one per core (${availableParallelism()} here).`,
  ];
  return lines.join('\n');
}

interface ParsedArgs {
  command: string | undefined;
  help: boolean;
  options: Record<string, string>;
  operands: string[];
  configArgs: string[];
}

/** Splits argv into the command, its own flags and config flags; unknown flags are usage errors. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  // Former flags of renamed keys still work; loading the config warns about them.
  const known = new Set([...configFlags().map((f) => f.flag), ...renamedKeys.map((r) => r.oldFlag)]);
  const parsed: ParsedArgs = { command: undefined, help: false, options: {}, operands: [], configArgs: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h' || arg === 'help') {
      parsed.help = true;
    } else if (arg.startsWith('--')) {
      const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
      const value = inline ?? argv[i + 1];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`flag ${flag} needs a value`);
      if (inline === undefined) i += 1;
      const own = parsed.command === undefined ? undefined : commands[parsed.command]?.flags?.[flag];
      if (own !== undefined) parsed.options[flag.slice(2)] = value;
      else if (known.has(flag)) parsed.configArgs.push(`${flag}=${value}`);
      else throw new UsageError(`unknown flag ${flag} (run heartbeat --help for the list)`);
    } else if (parsed.command === undefined) {
      parsed.command = arg;
    } else if (commands[parsed.command]?.operands !== undefined) {
      parsed.operands.push(arg);
    } else {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    }
  }
  return parsed;
}

/** Runs the CLI; resolves with the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed: ParsedArgs;
  let loaded: LoadedConfig;
  try {
    parsed = parseArgs(argv);
    if (parsed.command === undefined) {
      process.stdout.write(`${usage()}\n`);
      return parsed.help ? 0 : 2;
    }
    if (commands[parsed.command] === undefined) throw new UsageError(`unknown command ${JSON.stringify(parsed.command)} (run heartbeat --help)`);
    if (parsed.help) {
      process.stdout.write(`${commandUsage(parsed.command, commands[parsed.command]!)}\n`);
      return 0;
    }
    loaded = loadConfigWithSources({ args: parsed.configArgs });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) {
      process.stderr.write(`heartbeat: ${redactText(err.message)}\n`);
      return 2;
    }
    throw err;
  }

  const command = commands[parsed.command]!;
  // Commands make their own child loggers (component: orchestrator, migrate, ...) from the root.
  const root = createRootLogger(loaded.config.log, parsed.command);
  const log = root.child({ component: 'cli' });
  for (const { old, new: name, where, ignored } of loaded.deprecations) log.warn({ old, new: name, where, ignored }, 'config uses a former name; use the new one');
  const lifecycle = new Lifecycle(root.child({ component: 'lifecycle' }), loaded.config.shutdown.timeoutMs);
  const ctx: CommandContext = { ...loaded, log: root, lifecycle, options: parsed.options, operands: parsed.operands };
  let code = 0;
  const finished = new Promise<number>((resolve) => {
    lifecycle.handleSignals(resolve, () => process.exit(130));
  });
  try {
    await command.run(ctx);
    // A long-running command returns once it is up; it ends on a signal (or a fatal error).
    if (command.longRunning) {
      // Signal listeners do not keep Node alive, and tied children are unref'd: hold the loop open.
      const keepAlive = setInterval(() => undefined, 60_000);
      code = await finished;
      clearInterval(keepAlive);
    }
    if (!command.longRunning) await lifecycle.shutdown('done');
  } catch (err) {
    code = err instanceof UsageError || err instanceof ConfigError ? 2 : 1;
    log.fatal({ err, code: err instanceof AppError ? err.code : undefined }, 'heartbeat failed');
    await lifecycle.shutdown('error').catch((shutdownErr: unknown) => log.error({ err: shutdownErr }, 'shutdown after failure failed'));
  }
  // Set before the logger flush: if nothing else holds the event loop open while the transport
  // drains, Node exits on its own and must exit with this code.
  process.exitCode = code;
  await closeRootLogger();
  return code;
}

/** Runs main() and exits with its code; a crash is printed and exits 1 (children die with us). */
export function run(argv: readonly string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`heartbeat: fatal: ${redactText(err instanceof Error ? String(err.stack) : String(err))}\n`);
      process.exit(1);
    },
  );
}

if (import.meta.url === `file://${process.argv[1]}`) run(process.argv.slice(2));
