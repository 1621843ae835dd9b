// Reading the app's /metrics in tests: fetch the text and parse samples into name{labels} -> value.
import { waitUntil } from './poll.js';

/** Samples keyed as Prometheus prints them, e.g. `heartbeat_readings_rejected_total{reason="invalid_json"}`. */
export type Samples = Map<string, number>;

export function parseMetrics(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Samples> {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return parseMetrics(await res.text());
}

/** Every sample of `name` by the value of its label `label`. */
export function byLabel(samples: Samples, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const pattern = new RegExp(`^${name}\\{(?:.*,)?${label}="([^"]*)"`);
  for (const [key, value] of samples) {
    const match = pattern.exec(key);
    if (match !== null) out[match[1]!] = value;
  }
  return out;
}

/** Scrapes until `ready(samples)` holds; rejects with the last samples after timeoutMs. */
export async function scrapeUntil(url: string, ready: (s: Samples) => boolean, timeoutMs = 20_000): Promise<Samples> {
  let last: Samples = new Map();
  return waitUntil(async () => {
    last = await scrape(url);
    return ready(last) ? last : undefined;
  }, timeoutMs, () => `the expected metrics; last scrape:\n${[...last].filter(([k]) => k.startsWith('heartbeat_') && !k.startsWith('heartbeat_process')).map(([k, v]) => `${k} ${v}`).join('\n')}`, 250);
}
