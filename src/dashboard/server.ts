// The dashboard's HTTP server (node:http): one page and its scripts, JSON data endpoints, a
// server-sent-events stream that pushes a fresh snapshot every dashboard.pushIntervalMs and each
// new alert at once, and Prometheus's /metrics. The same access check guards all but /healthz.
//
//   GET /                 the page           GET /api/snapshot[?customer=]  one snapshot (JSON)
//   GET /app.js, /app.css its code, style    GET /api/customer?id=          one customer's trend
//   GET /vendor/uplot.*   the charting lib   GET /api/stream[?customer=]    SSE: snapshot, customer, alert
//   GET /metrics          Prometheus text    GET /healthz                   liveness (no token)
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
import type { LiveFeed } from './live-feed.js';

const PUBLIC = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');
const UPLOT = path.join(path.dirname(fileURLToPath(import.meta.resolve('uplot'))));

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: path.join(PUBLIC, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: path.join(PUBLIC, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: path.join(PUBLIC, 'app.css'), type: 'text/css; charset=utf-8' },
  '/vendor/uplot.js': { file: path.join(UPLOT, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/uplot.css': { file: path.join(UPLOT, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
};

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

interface StreamClient {
  res: ServerResponse;
  customer: string | undefined;
}

const CUSTOMER_ID = /^[\w.:@-]{1,64}$/;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
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
  const access = new AccessCheck(config.token);
  const clients = new Set<StreamClient>();

  const customerParam = (url: URL): string | undefined => {
    const id = url.searchParams.get('customer') ?? url.searchParams.get('id') ?? '';
    return CUSTOMER_ID.test(id) ? id : undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req.url);
    if (url === undefined) return json(res, 400, { error: 'bad request target: expected a path such as /api/snapshot' });
    if (url.pathname === '/healthz') return json(res, 200, { ok: true });
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' });
    const decision = access.check(req, url);
    if (!decision.allowed) {
      res.setHeader('www-authenticate', 'Bearer realm="heartbeat dashboard"');
      return json(res, 401, { error: 'access token required: Authorization: Bearer <token>, or open the page with ?token=<token>' });
    }
    if (decision.setCookie !== undefined) res.setHeader('set-cookie', decision.setCookie);
    if (decision.stripTokenFrom !== undefined && !url.pathname.startsWith('/api/') && url.pathname !== '/metrics') {
      // Keep the token out of the address bar and history: the cookie carries the session now.
      res.writeHead(303, { ...SECURITY_HEADERS, location: `${decision.stripTokenFrom.pathname}${decision.stripTokenFrom.search}` });
      return void res.end();
    }
    const file = STATIC[url.pathname];
    if (file !== undefined) {
      const body = await readFile(file.file);
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.type, 'cache-control': 'no-cache' });
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
        const snapshot = await feed.snapshot();
        return json(res, 200, customer === undefined ? snapshot : { ...snapshot, customer: { id: customer, points: await feed.customer(customer) } });
      }
      case '/api/customer': {
        const customer = customerParam(url);
        if (customer === undefined) return json(res, 400, { error: 'id must be a customer id (1-64 letters, digits, . : @ _ -)' });
        return json(res, 200, { id: customer, points: await feed.customer(customer) });
      }
      case '/api/stream': {
        res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write('retry: 2000\n\n');
        const client: StreamClient = { res, customer: customerParam(url) };
        clients.add(client);
        req.on('close', () => clients.delete(client));
        // The first picture at once, not after a push interval.
        void pushTo([client]);
        return;
      }
      default:
        return json(res, 404, { error: 'not found' });
    }
  };

  const pushTo = async (targets: StreamClient[]): Promise<void> => {
    if (targets.length === 0) return;
    const snapshot = await feed.snapshot();
    for (const c of targets) {
      sse(c.res, 'snapshot', snapshot);
      if (c.customer !== undefined) sse(c.res, 'customer', { id: c.customer, points: await feed.customer(c.customer) });
    }
  };

  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      await feed.sample();
      await pushTo([...clients]);
    } catch (err) {
      log.warn({ err }, 'dashboard push failed');
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), config.pushIntervalMs);
  let refreshQueued = false;
  const unsubscribe = options.onAlert?.((alert) => {
    for (const c of clients) sse(c.res, 'alert', alert);
    // The anomaly row is committed before its alert is published: refresh the table now, not at the next push.
    if (refreshQueued || clients.size === 0) return;
    refreshQueued = true;
    setTimeout(() => {
      refreshQueued = false;
      pushTo([...clients]).catch((err: unknown) => log.warn({ err }, 'dashboard push failed'));
    }, 50);
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err, path: req.url?.split('?')[0] }, 'dashboard request failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
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
      for (const c of clients) c.res.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
