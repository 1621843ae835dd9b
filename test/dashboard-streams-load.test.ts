// Many slow clients against the running app: 2,000 live streams from 200 client addresses for 60 s,
// 1,000 of which never read, while readings flow. The app's heap stays bounded, the pipeline keeps
// storing, and a well-behaved page still receives every push. Tachycardia episodes last one second
// here (SHORT_EPISODES), so the hot customers fill the latest-anomalies table from the start.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { SHORT_EPISODES, useConfigFile } from './support/config-file.js';
import { count, explainFailure, publish, readingMessage, useDashboardApp, waitForCounts } from './support/pipeline.js';
import { sseEvents } from './support/sse.js';

const STREAMS = 2000;
const ADDRESSES = 200;
const DURATION_MS = 60_000;
const PUSH_INTERVAL_MS = 1000;
const HEAP_GROWTH_LIMIT = 50 * 1024 * 1024;

async function heapUsed(baseUrl: string): Promise<number> {
  const body = await (await fetch(`${baseUrl}metrics`)).text();
  return Number(/^heartbeat_nodejs_heap_size_used_bytes (\S+)$/m.exec(body)![1]);
}

/** Opens a stream from `localAddress`; a reader drains everything, a stalled one never reads after the head. */
function openStream(port: number, localAddress: string, path: string, reads: boolean): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n\r\n`);
    socket.once('error', reject).once('data', (chunk: Buffer) => {
      const status = Number(chunk.toString('latin1').split(' ')[1]);
      if (status !== 200) reject(new Error(`stream from ${localAddress} answered ${status}`));
      if (reads) socket.on('data', () => undefined);
      else socket.pause();
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}

describe('2,000 live streams, half of them stalled', () => {
  const fixture = useDashboardApp('streams-load', {
    DASHBOARD_STREAMS_MAX: String(STREAMS + 10), DASHBOARD_PUSH_INTERVAL_MS: String(PUSH_INTERVAL_MS), ...useConfigFile(SHORT_EPISODES),
  });

  it('keep the heap bounded, the pipeline storing and a reading page receiving every push', async () => {
    const { baseUrl, names, pool, app } = fixture;
    const port = Number(new URL(baseUrl).port);
    let published = 0;
    const publishSome = async (n: number) => {
      const now = Date.now();
      // 20 customers run fast at rest, one tachycardia episode each: the latest-anomalies table (20 rows)
      // and the trends make the snapshots as big as in real use.
      await publish(names.topic, Array.from({ length: n }, (_, i) =>
        readingMessage(`load-${(published + i) % 500}`, now - n + i, i % 25 === 0 ? 150 : 60 + (i % 30), { activity: 'rest' })));
      published += n;
    };
    await publishSome(2000);
    await explainFailure(app, waitForCounts(pool, { heartbeats: 2000, anomalies: 20 }));

    const baseline = await heapUsed(baseUrl);
    const sockets: net.Socket[] = [];
    try {
      // 10 streams from each of 200 loopback addresses (the per-client cap's default); every other one stalls.
      for (let a = 0; a < ADDRESSES; a += 1) {
        const address = `127.0.0.${a + 2}`;
        sockets.push(...await Promise.all(Array.from({ length: STREAMS / ADDRESSES }, (_, i) =>
          openStream(port, address, i % 3 === 0 ? `/api/stream?customer=load-${a}` : '/api/stream', i % 2 === 0))));
      }

      // The well-behaved page, and the pipeline fed meanwhile.
      const controller = new AbortController();
      const page = await fetch(`${baseUrl}api/stream`, { signal: controller.signal });
      const pushes: number[] = [];
      const reading = (async () => {
        try {
          for await (const e of sseEvents(page.body as AsyncIterable<Uint8Array>)) if (e.event === 'snapshot') pushes.push(e.data.at as number);
        } catch (err) {
          if (!controller.signal.aborted) throw err;
        }
      })();
      const heap: number[] = [];
      const storedBefore = await count(pool, 'SELECT count(*) FROM heartbeats');
      const until = Date.now() + DURATION_MS;
      while (Date.now() < until) {
        await publishSome(500);
        heap.push(await heapUsed(baseUrl));
        await new Promise((r) => setTimeout(r, 2000));
      }
      controller.abort();
      await reading;

      // Every reading published during the minute is stored.
      await explainFailure(app, waitForCounts(pool, { heartbeats: published }));
      expect(await count(pool, 'SELECT count(*) FROM heartbeats')).toBeGreaterThan(storedBefore);
      // Every push reached the page: about one a second, none missing in between.
      expect(pushes.length).toBeGreaterThanOrEqual(Math.floor((DURATION_MS / PUSH_INTERVAL_MS) * 0.9));
      const gaps = pushes.slice(1).map((t, i) => t - pushes[i]!);
      expect(Math.max(...gaps)).toBeLessThan(PUSH_INTERVAL_MS * 2.5);
      // The heap: at most 50 MB above where it stood before the streams opened.
      expect(Math.max(...heap) - baseline, `baseline ${baseline}, samples ${heap.join(' ')}`).toBeLessThanOrEqual(HEAP_GROWTH_LIMIT);
      // The stalled streams were closed as their buffers filled, or still sit within the limit.
      const metrics = await (await fetch(`${baseUrl}metrics`)).text();
      const open = Number(/^heartbeat_dashboard_streams (\d+)/m.exec(metrics)![1]);
      const dropped = Number(/^heartbeat_dashboard_streams_dropped_total (\d+)/m.exec(metrics)![1]);
      // (The page's own stream was closed by the page, not dropped.)
      expect(open + dropped).toBeGreaterThanOrEqual(STREAMS);
    } finally {
      for (const s of sockets) s.destroy();
    }
  }, 240_000);
});
