// The customer-cardinality runs: drains of the same number of readings spread over ever more
// distinct customers (10,000 to 1,000,000), each against the 1,000-customer headline drain of the
// same run, plus the bytes of rule state one customer costs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drain, type DrainResult } from './drain.js';
import type { BenchEnv } from './environment.js';
import { fillTopic } from './fill.js';
import { stateBytesPerCustomer } from './state-bytes.js';

export interface CardinalityResult {
  readings: number;
  /** One drain per customer count, in the order run. */
  runs: Array<DrainResult & { customers: number }>;
  stateBytesPerCustomer: number;
}

const PLUGINS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../plugins');

export async function runCardinality(env: BenchEnv, customerCounts: number[], readings: number, workers: number, seed: number, execArgv: () => Promise<string[]>, progress: (text: string) => void): Promise<CardinalityResult> {
  const runs: CardinalityResult['runs'] = [];
  for (const customers of customerCounts) {
    const names = env.names(`card${customers}`);
    await env.createTopics(names);
    progress(`cardinality: filling ${readings.toLocaleString('en-US')} readings from ${customers.toLocaleString('en-US')} customers`);
    const fill = await fillTopic(env, names.topic, readings, customers, seed);
    const d = await drain(env, names.topic, fill, workers, `card${customers}`, await execArgv());
    progress(`  ${Math.round(d.perSecond)} readings/s, peak RSS ${Math.round(d.peakRssMb)} MB, worker restarts ${d.workerRestarts}, stored ${d.stored}/${fill.valid}`);
    runs.push({ ...d, customers });
  }
  const bytes = await stateBytesPerCustomer(PLUGINS);
  progress(`  rule state: ${Math.round(bytes)} bytes per customer`);
  return { readings, runs, stateBytesPerCustomer: bytes };
}
