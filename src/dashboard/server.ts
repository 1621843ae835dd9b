// The dashboard's HTTP server (node:http): one page and its scripts, JSON data endpoints, a
// server-sent-events stream that pushes a fresh snapshot every dashboard.pushIntervalMs and each
// new alert at once, and Prometheus's /metrics. The same access check guards all but /healthz.
//
//   GET /                 the page           GET /api/snapshot[?customer=]  one snapshot (JSON)
//   GET /app.js, /app.css its code, style    GET /api/customer?id=          one customer's trend
//   GET /vendor/uplot.*   the charting lib   GET /api/stream[?customer=]    SSE: snapshot, customer, alert
//   GET /metrics          Prometheus text    GET /healthz                   liveness (no token)
//
// Every response carries the security headers. Streams are bounded (src/dashboard/stream-hub.ts):
// a total and a per-client cap (503 with Retry-After beyond them), and a stream whose client
// stopped reading is closed. A push computes one snapshot and one trend query for every chosen
// customer, serialised once for all streams; a new stream gets the latest push, no query of its own.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfig } from '../config.js';
import { DashboardError } from '../errors.js';
import type { Logger } from '../log.js';
import type { PipelineMetrics } from '../metrics/registry.js';
import type { Alert } from '../worker/alerts.js';
import { AccessCheck, checkDashboardConfig } from './access.js';
import { clientInfo } from './client-info.js';
import type { LiveFeed, Snapshot } from './live-feed.js';
import { sseFrame, StreamHub } from './stream-hub.js';

const PUBLIC = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');
const UPLOT = path.join(path.dirname(fileURLToPath(import.meta.resolve('uplot'))));

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: path.join(PUBLIC, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: path.join(PUBLIC, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: path.join(PUBLIC, 'app.css'), type: 'text/css; charset=utf-8' },
  '/vendor/uplot.js': { file: path.join(UPLOT, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/uplot.css': { file: path.join(UPLOT, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

/** On every response, errors and redirects included. */
const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};
/** Sent where the client reached us over TLS (directly, or at a trusted proxy). */
const HSTS = 'max-age=31536000';
/** How long a client refused a stream should wait before trying again, in seconds. */
const STREAM_RETRY_AFTER_S = 10;
/** Beyond the streams, connections left for the page, its scripts, the API and /metrics. */
const PLAIN_CONNECTIONS = 256;
/** A client must send its request line and headers within this, and the whole request within REQUEST_TIMEOUT_MS. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

export interface DashboardOptions {
  config: AppConfig['dashboard'];
  feed: LiveFeed;
  metrics: PipelineMetrics;
  log: Logger;
  /** Subscribes to new alerts; returns the unsubscribe function. */
  onAlert?: (listener: (alert: Alert) => void) => () => void;
}

export interface Dashboard {
  /** The URL to open (without the token). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const CUSTOMER_ID = /^[\w.:@-]{1,64}$/;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** The latest push, serialised once: what a new stream gets at once. */
interface Push {
  snapshot: string;
  customers: Map<string, string>;
}

/**
 * The path and query of a request, read on a fixed origin. Resolved as a relative URL, "//" or
 * "//host/x" would be read as a host (new URL throws on the first: a 500 and an error line for
 * any client's typo); a target that is not a path (a proxy's absolute URL, "*") is undefined.
 */
function requestUrl(target: string | undefined): URL | undefined {
  if (target === undefined || !target.startsWith('/')) return undefined;
  try {
    return new URL(`http://dashboard.invalid${target}`);
  } catch {
    return undefined;
  }
}

/** Starts serving; resolves once listening. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { config, feed, metrics } = options;
  checkDashboardConfig(config);
  const log = options.log.child({ component: 'dashboard' });
  const access = new AccessCheck(config.token, config.sessionSecret, config.sessionTtlMs);
  const hub = new StreamHub(config.streams);
  metrics.watchStreams(() => hub.counts());

  const customerParam = (url: URL): string | undefined => {
    const id = url.searchParams.get('customer') ?? url.searchParams.get('id') ?? '';
    return CUSTOMER_ID.test(id) ? id : undefined;
  };

  // One snapshot however many ask at once: the pushes, new streams and /api/snapshot share it.
  let snapshotInFlight: Promise<Snapshot> | undefined;
  const sharedSnapshot = (): Promise<Snapshot> => {
    snapshotInFlight ??= feed.snapshot().finally(() => {
      snapshotInFlight = undefined;
    });
    return snapshotInFlight;
  };

  // One push: the snapshot and each chosen customer's trend (one query for all of them), each
  // serialised once and the same string written to every stream.
  let latest: Push | undefined;
  let pushInFlight: Promise<void> | undefined;
  const push = (): Promise<void> => {
    pushInFlight ??= (async () => {
      const snapshot = sseFrame('snapshot', await sharedSnapshot());
      const ids = [...hub.customers()];
      const points = ids.length === 0 ? {} : await feed.customers(ids);
      latest = { snapshot, customers: new Map(ids.map((id) => [id, sseFrame('customer', { id, points: points[id] ?? [] })])) };
      hub.broadcast(latest.snapshot, latest.customers);
    })().finally(() => {
      pushInFlight = undefined;
    });
    return pushInFlight;
  };
  const pushSoon = () => push().catch((err: unknown) => log.warn({ err }, 'dashboard push failed'));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req.url);
    if (url === undefined) return json(res, 400, { error: 'bad request target: expected a path such as /api/snapshot' });
    const client = clientInfo(req, config.trustProxy);
    if (client.secure) res.setHeader('strict-transport-security', HSTS);
    if (url.pathname === '/healthz') return json(res, 200, { ok: true });
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' });
    const decision = access.check(req, url, client.secure);
    if (!decision.allowed) {
      if (decision.status === 401) res.setHeader('www-authenticate', 'Bearer realm="heartbeat dashboard"');
      return json(res, decision.status, { error: decision.error });
    }
    if (decision.setCookie !== undefined) res.setHeader('set-cookie', decision.setCookie);
    if (decision.redirectTo !== undefined) {
      // Keep the token out of the address bar and history: the cookie carries the session now.
      res.writeHead(303, { location: decision.redirectTo, 'cache-control': 'no-store' });
      return void res.end();
    }
    const file = STATIC[url.pathname];
    if (file !== undefined) {
      const body = await readFile(file.file);
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' });
      return void res.end(body);
    }
    switch (url.pathname) {
      case '/metrics': {
        const { contentType, body } = await metrics.render();
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        return void res.end(body);
      }
      case '/api/snapshot': {
        const customer = customerParam(url);
        const snapshot = await sharedSnapshot();
        return json(res, 200, customer === undefined ? snapshot : { ...snapshot, customer: { id: customer, points: await feed.customer(customer) } });
      }
      case '/api/customer': {
        const customer = customerParam(url);
        if (customer === undefined) return json(res, 400, { error: 'id must be a customer id (1-64 letters, digits, . : @ _ -)' });
        return json(res, 200, { id: customer, points: await feed.customer(customer) });
      }
      case '/api/stream': {
        const admission = hub.admit(client.address);
        if (!admission.admitted) {
          res.setHeader('retry-after', String(STREAM_RETRY_AFTER_S));
          return json(res, 503, { error: admission.reason === 'streams_full' ? 'too many live streams are open; try again later' : 'too many live streams are open from your address; close one or try again later' });
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write('retry: 2000\n\n');
        const stream = hub.add(res, client.address, customerParam(url));
        // The latest picture at once, not after a push interval; its customer's with the next push
        // unless another stream already chose it. No query of its own: opening streams costs none.
        if (latest === undefined) {
          void pushSoon();
        } else {
          hub.send(stream, latest.snapshot);
          const own = stream.customer === undefined ? undefined : latest.customers.get(stream.customer);
          if (own !== undefined) hub.send(stream, own);
          else if (stream.customer !== undefined) void pushSoon();
        }
        return;
      }
      default:
        return json(res, 404, { error: 'not found' });
    }
  };

  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      await feed.sample();
      if (hub.size > 0) await push();
      // With nobody watching nothing is pushed: the next stream must not get a stale picture.
      else latest = undefined;
    } catch (err) {
      log.warn({ err }, 'dashboard push failed');
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), config.pushIntervalMs);
  let refreshQueued = false;
  const unsubscribe = options.onAlert?.((alert) => {
    if (hub.size === 0) return;
    hub.broadcast(sseFrame('alert', alert));
    // The anomaly row is committed before its alert is published: refresh the table now, not at the next push.
    if (refreshQueued) return;
    refreshQueued = true;
    setTimeout(() => {
      refreshQueued = false;
      void pushSoon();
    }, 50);
  });

  const server = createServer((req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    handle(req, res).catch((err: unknown) => {
      log.error({ err, path: req.url?.split('?')[0] }, 'dashboard request failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  // Slow clients cannot hold connections open before they have even asked for something, and the
  // streams plus a margin bound the sockets (a stream is refused with 503 before this is reached).
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.maxConnections = config.streams.max + PLAIN_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new DashboardError(`Cannot serve the dashboard on ${config.host}:${config.port}: ${err.message}`, { cause: err })));
    server.listen(config.port, config.host, () => resolve());
  }).catch((err: unknown) => {
    clearInterval(timer);
    unsubscribe?.();
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}/`;
  log.info({ url, host: config.host, port, tokenRequired: access.required }, 'dashboard listening');
  return {
    url,
    port,
    async stop() {
      clearInterval(timer);
      unsubscribe?.();
      hub.closeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
