// `npm run bench [-- --quick]`: measures the pipeline on this machine, broker, database and app
// all on it, and prints a table and one JSON line (see BENCHMARKS.md for what each figure means).
//
//   own Kafka broker (unless KAFKA_BROKERS) ─► fill topic with R simulated readings
//     ─► repeat: drain with `heartbeat consume` (N workers)  ·  raw: bare kafkajs + COPY
//     ─► drains with the other worker counts ─► naive sample (INSERT+COMMIT per reading)
//     ─► latency: `heartbeat simulate` at a steady rate against `heartbeat consume`
//     ─► cardinality: the same drain with 10,000 to 1,000,000 distinct customers
//     ─► table + JSON line; databases dropped, broker stopped
//
// --quick (CI): small R, one drain, tiny naive sample, short latency run; asserts that every
// count matches and exits 1 if one does not. It never judges a timing.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config.js';
import { createBootLogger } from '../log.js';
import { runBaseline } from './baselines.js';
import { runCardinality } from './cardinality.js';
import { drain, type DrainResult } from './drain.js';
import { GC_TRACE_FLAGS } from './gc-trace.js';
import { openBenchEnv } from './environment.js';
import { fillTopic } from './fill.js';
import { measureLatency } from './latency.js';
import { formatJson, formatTable, summarize, type BenchReport } from './report.js';

interface BenchOptions {
  quick: boolean;
  readings: number;
  customers: number;
  workers: number[];
  headlineWorkers: number;
  repeat: number;
  naiveSample: number;
  latencyRate: number;
  latencySeconds: number;
  skip: Set<string>;
  /** Distinct customers of each cardinality drain. */
  cardinality: number[];
  cpuProfDir?: string;
  traceGc: boolean;
}

const USAGE = `Usage: npm run bench -- [--quick] [--readings N] [--customers N] [--workers 1,2,4] [--headline-workers N]
  [--repeat N] [--naive-sample N] [--latency-rate N] [--latency-seconds N] [--skip raw,naive,latency,scaling,cardinality]
  [--cardinality 10000,100000,1000000]   distinct customers of the cardinality drains (R readings each)
  [--cpu-prof DIR]   write CPU profiles (every thread) of the app in each drain, and of the app and
                     the simulator in the latency run, to DIR
  [--trace-gc]       report the app's garbage collection in the drains (V8's --trace-gc-nvp)`;

function parseOptions(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const traceGc = argv.includes('--trace-gc');
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick' || arg === '--trace-gc') continue;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const value = argv[i + 1];
    if (!arg.startsWith('--') || value === undefined) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    flags.set(arg.slice(2), value);
    i++;
  }
  const num = (name: string, fallback: number) => {
    const v = flags.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number of at least 1, got ${v}`);
    return n;
  };
  const cores = os.availableParallelism();
  const workers = (flags.get('workers') ?? (quick ? String(Math.min(2, cores)) : '1,2,4')).split(',').map(Number);
  if (workers.some((w) => !Number.isInteger(w) || w < 1)) throw new Error(`--workers must list whole numbers, got ${flags.get('workers')}`);
  const headlineWorkers = num('headline-workers', workers.includes(cores) ? cores : workers[0]!);
  return {
    quick,
    readings: num('readings', quick ? 20_000 : 1_000_000),
    customers: num('customers', 1000),
    workers: [...new Set([headlineWorkers, ...workers])],
    headlineWorkers,
    repeat: num('repeat', quick ? 1 : 3),
    naiveSample: num('naive-sample', quick ? 300 : 5000),
    latencyRate: num('latency-rate', quick ? 1000 : 10_000),
    latencySeconds: num('latency-seconds', quick ? 8 : 60),
    skip: new Set((flags.get('skip') ?? '').split(',').filter((s) => s !== '')),
    cardinality: (flags.get('cardinality') ?? (quick ? '10000' : '10000,100000,1000000')).split(',').map(Number),
    cpuProfDir: flags.get('cpu-prof'),
    traceGc,
  };
}

const progress = (text: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

function machine(): BenchReport['machine'] {
  const kb = Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? Number.NaN);
  return { cores: os.availableParallelism(), memoryGiB: kb / 1024 / 1024, cpu: os.cpus()[0]?.model.trim() ?? 'unknown' };
}

function kafkajsVersion(): string {
  const file = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../node_modules/kafkajs/package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const config = loadConfig({ args: [] });
  const log = createBootLogger('warn');
  progress(`opening: broker ${process.env.KAFKA_BROKERS === undefined ? '(own, local)' : process.env.KAFKA_BROKERS}, PostgreSQL from database.url`);
  const env = await openBenchEnv(config, log, { externalBrokers: process.env.KAFKA_BROKERS !== undefined });
  const stopOnSignal = () => {
    progress('interrupted: cleaning up');
    void env.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const fillNames = env.names('fill');
    await env.createTopics(fillNames);
    progress(`filling ${fillNames.topic} with ${options.readings.toLocaleString('en-US')} readings`);
    const fill = await fillTopic(env, fillNames.topic, options.readings, options.customers, config.simulator.seed);
    progress(`filled: ${fill.total} messages (${fill.valid} valid, ${fill.bad} bad) in ${fill.seconds.toFixed(1)} s`);

    let profile = 0;
    // CPU profiles of every thread, one directory per phase (app and simulator alike).
    const profileArgv = async (phase: string) => {
      if (options.cpuProfDir === undefined) return [];
      const dir = path.resolve(options.cpuProfDir, phase);
      await mkdir(dir, { recursive: true });
      return ['--cpu-prof', '--cpu-prof-dir', dir];
    };
    const execArgv = async () => [...(options.traceGc ? GC_TRACE_FLAGS : []), ...(await profileArgv(`drain-${++profile}`))];
    const drains: DrainResult[] = [];
    const raw: BenchReport['raw'] = [];
    const runDrain = async (workers: number, label: string) => {
      progress(`drain with ${workers} workers (${label})`);
      const d = await drain(env, fillNames.topic, fill, workers, label, await execArgv());
      progress(`  ${Math.round(d.perSecond)} readings/s, ${d.seconds.toFixed(1)} s, peak RSS ${Math.round(d.peakRssMb)} MB, stored ${d.stored}/${fill.valid}, rejected ${d.rejected}/${fill.bad}`);
      drains.push(d);
    };
    // Ours and raw alternate, so a slow spell of this shared machine hits both alike.
    for (let i = 1; i <= options.repeat; i++) {
      await runDrain(options.headlineWorkers, `drain${options.headlineWorkers}_${i}`);
      if (!options.skip.has('raw')) {
        progress(`raw: bare kafkajs + COPY (${i})`);
        const x = await runBaseline(env, fillNames.topic, fill.total, `raw_${i}`, 'copy');
        progress(`  ${Math.round(x.perSecond)} readings/s, ${x.seconds.toFixed(1)} s, stored ${x.stored}/${x.written}`);
        raw.push(x);
      }
    }
    if (!options.skip.has('scaling')) {
      for (const workers of options.workers.filter((w) => w !== options.headlineWorkers)) await runDrain(workers, `drain${workers}`);
    }
    let naive: BenchReport['naive'];
    if (!options.skip.has('naive')) {
      const sample = Math.min(options.naiveSample, fill.total);
      progress(`naive: one INSERT and commit per reading, first ${sample} messages`);
      naive = await runBaseline(env, fillNames.topic, sample, 'naive', 'insert');
      progress(`  ${naive.perSecond.toFixed(0)} readings/s, stored ${naive.stored}/${naive.written}`);
    }
    let latency: BenchReport['latency'];
    if (!options.skip.has('latency')) {
      progress(`latency: simulator at ${options.latencyRate}/s for ${options.latencySeconds} s, ${options.headlineWorkers} workers`);
      latency = await measureLatency(env, options.latencyRate, options.latencySeconds, options.quick ? 2 : 5, options.headlineWorkers, await profileArgv('latency'));
      progress(`  p50/p95/p99 committed ${Math.round(latency.committed.p50)}/${Math.round(latency.committed.p95)}/${Math.round(latency.committed.p99)} ms`);
    }

    let cardinality: BenchReport['cardinality'];
    if (!options.skip.has('cardinality')) {
      cardinality = await runCardinality(env, options.cardinality, options.readings, options.headlineWorkers, config.simulator.seed, execArgv, progress);
    }

    const report: BenchReport = {
      date: new Date().toISOString(),
      quick: options.quick,
      machine: machine(),
      versions: { node: process.version, kafka: env.kafkaVersion, postgres: await env.postgresVersion(), kafkajs: kafkajsVersion() },
      settings: { readings: options.readings, customers: options.customers, partitions: config.kafka.partitions, headlineWorkers: options.headlineWorkers },
      fill, drains, raw, naive, latency, cardinality,
    };
    process.stdout.write(`${formatTable(report)}\n${formatJson(report)}\n`);
    if (!summarize(report).countsMatch) {
      process.stderr.write('bench: counts do not match what was published (see the table)\n');
      return 1;
    }
    return 0;
  } finally {
    await env.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
