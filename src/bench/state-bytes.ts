// Bytes of rule state one customer costs with the shipped plugins: the heap a RuleEngine holds
// after many customers sent a few readings each, divided by their number, between full garbage
// collections. In this process, not the app's: the app's heap also holds fetches in flight.
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { DEFAULT_DECODE_POLICY } from '../core/decode.js';
import { processChunk } from '../core/process-chunk.js';
import type { RawMessage } from '../core/types.js';
import { RuleEngine } from '../rules/engine.js';
import { loadPlugins } from '../rules/loader.js';

const READINGS_EACH = 3;
const CHUNK = 5000;

/** A full collection, whether or not the process started with --expose-gc. */
function collect(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

export async function stateBytesPerCustomer(pluginsDir: string, customers = 50_000): Promise<number> {
  const plugins = await loadPlugins(pluginsDir);
  // No bounds: every customer stays, which is what is measured.
  const engine = new RuleEngine(plugins, { allowedLatenessMs: 30_000, maxClockSkewMs: 5_000, timeBudgetMs: 1000, maxConsecutiveFailures: 5, decode: DEFAULT_DECODE_POLICY });
  const start = Date.now() - READINGS_EACH * 10_000;
  const message = (i: number): RawMessage => {
    const c = i % customers, t = start + Math.floor(i / customers) * 10_000 + (c % 1000);
    const value = Buffer.from(JSON.stringify({ customer_id: `CUST-${String(c).padStart(7, '0')}`, timestamp: new Date(t).toISOString(), heart_rate: 60 + (i % 30), activity: 'rest' }));
    return { value, key: null, topic: 'bench', partition: c % 12, offset: String(i), receivedAt: t };
  };
  collect();
  const before = process.memoryUsage().heapUsed;
  const now = performance.timeOrigin + performance.now();
  for (let i = 0; i < customers * READINGS_EACH; i += CHUNK) {
    processChunk(Array.from({ length: Math.min(CHUNK, customers * READINGS_EACH - i) }, (_, k) => message(i + k)), engine, now);
    engine.commit();
  }
  collect();
  const after = process.memoryUsage().heapUsed;
  if (engine.stateCounts().customers !== customers) throw new Error(`state holds ${engine.stateCounts().customers} customers, expected ${customers}`);
  return (after - before) / customers;
}
