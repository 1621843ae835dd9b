// The dashboard against hostile or broken clients, spoken to in raw HTTP so nothing normalises the
// request: a rebinding page's Host, off-site redirect targets, a token in API URLs, forged proxy
// headers, stolen or stale cookies, too many streams, and a stream that never reads.
import net from 'node:net';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../src/config.js';
import { createLiveFeedFor } from '../src/dashboard/live-feed.js';
import { startDashboard, type Dashboard } from '../src/dashboard/server.js';
import { SessionCookies } from '../src/dashboard/session-cookie.js';
import { PipelineMetrics } from '../src/metrics/registry.js';
import type { Alert } from '../src/worker/alerts.js';
import { createTestDatabase, openPool, silentLog, testConfig, type TestDatabase } from './support/database.js';
import { sseEvents } from './support/sse.js';

const TOKEN = 'hostile-test-token-5c1d9e';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request in raw HTTP/1.1, exactly as written (Host, path and headers are not normalised). */
function raw(port: number, path: string, headers: Record<string, string> = {}, localAddress = '127.0.0.1'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    const head = { host: `127.0.0.1:${port}`, ...headers, connection: 'close' };
    socket.write(`GET ${path} HTTP/1.1\r\n${Object.entries(head).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    let text = '';
    socket.setEncoding('latin1').on('data', (s: string) => { text += s; }).on('error', reject).on('end', () => {
      const [headText, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = headText!.split('\r\n');
      const parsed: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        parsed[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine!.split(' ')[1]), headers: parsed, body: rest.join('\r\n\r\n') });
    });
  });
}

/** Opens a stream and resolves with its status once the head arrives; the socket is left open, never read again. */
function openStream(port: number, localAddress: string, headers: Record<string, string> = {}): Promise<{ status: number; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    const head = { host: `127.0.0.1:${port}`, ...headers };
    socket.write(`GET /api/stream HTTP/1.1\r\n${Object.entries(head).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    socket.once('error', reject).once('data', (chunk: Buffer) => {
      socket.pause();
      resolve({ status: Number(chunk.toString('latin1').split(' ')[1]), socket });
    });
  });
}

const SECURITY_HEADERS = ['x-content-type-options', 'content-security-policy', 'x-frame-options', 'referrer-policy', 'cross-origin-resource-policy'];

describe('dashboard against hostile clients', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  const started: Dashboard[] = [];
  const sockets: net.Socket[] = [];
  const metricsOf = new Map<Dashboard, PipelineMetrics>();
  const alertListeners = new Set<(a: Alert) => void>();

  const start = async (overrides: Partial<AppConfig['dashboard']>): Promise<Dashboard> => {
    const metrics = new PipelineMetrics(undefined);
    const onAlert = (l: (a: Alert) => void) => { alertListeners.add(l); return () => alertListeners.delete(l); };
    const dashboard = await startDashboard({
      config: { ...testConfig().dashboard, port: 0, pushIntervalMs: 200, ...overrides },
      feed: createLiveFeedFor(pool, undefined, metrics), metrics, log: silentLog, onAlert,
    });
    started.push(dashboard);
    metricsOf.set(dashboard, metrics);
    return dashboard;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = await openPool(db.url, 4);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    for (const d of started) await d.stop();
    await pool?.end();
    await db?.drop();
  });

  it('without a token, serves only loopback Host values (421 otherwise), so a rebinding page reads nothing', async () => {
    const open = await start({ host: '127.0.0.1', token: '' });
    for (const host of [`attacker.example:${open.port}`, 'attacker.example', `127.0.0.1.nip.io:${open.port}`, `localhost.attacker.example:${open.port}`]) {
      for (const path of ['/api/snapshot', '/metrics', '/api/stream', '/']) {
        const res = await raw(open.port, path, { host });
        expect(res.status, `${host} ${path}`).toBe(421);
        expect(res.body).not.toContain('levels');
      }
    }
    for (const host of [`127.0.0.1:${open.port}`, `localhost:${open.port}`, `LOCALHOST:${open.port}`, `[::1]:${open.port}`, '127.0.0.1']) {
      expect((await raw(open.port, '/api/snapshot', { host })).status, host).toBe(200);
    }
  });

  it('with a token: ?token= is honoured on the page only, and only this app\'s page is a redirect target', async () => {
    const guarded = await start({ host: '0.0.0.0', token: TOKEN });
    for (const path of [`//evil.example/x?token=${TOKEN}`, `/\\evil.example?token=${TOKEN}`, `/%2F%2Fevil.example?token=${TOKEN}`, `/app.js?token=${TOKEN}`,
      `/api/snapshot?token=${TOKEN}`, `/metrics?token=${TOKEN}`, `/api/stream?token=${TOKEN}`]) {
      const res = await raw(guarded.port, path);
      expect(res.status, path).toBe(401);
      expect(res.headers.location, path).toBeUndefined();
      expect(res.headers['set-cookie'], path).toBeUndefined();
    }
    const page = await raw(guarded.port, `/?customer=a-1&token=${TOKEN}`);
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/?customer=a-1');
  });

  it('the session cookie is Secure behind a trusted TLS proxy, expires, and rotating the token or the secret revokes it', async () => {
    const proxied = await start({ host: '0.0.0.0', token: TOKEN, sessionSecret: 'secret-one', trustProxy: true });
    const direct = await start({ host: '0.0.0.0', token: TOKEN, sessionSecret: 'secret-one', trustProxy: false });
    const rotatedSecret = await start({ host: '0.0.0.0', token: TOKEN, sessionSecret: 'secret-two' });
    const rotatedToken = await start({ host: '0.0.0.0', token: `${TOKEN}-new`, sessionSecret: 'secret-one' });

    const viaProxy = await raw(proxied.port, `/?token=${TOKEN}`, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' });
    expect(viaProxy.headers['set-cookie']).toMatch(/; Secure/);
    expect(viaProxy.headers['set-cookie']).toMatch(/Max-Age=\d+/);
    expect(viaProxy.headers['strict-transport-security']).toBe('max-age=31536000');
    // The same forged header sent straight to an app that trusts no proxy changes nothing.
    const forged = await raw(direct.port, `/?token=${TOKEN}`, { 'x-forwarded-proto': 'https' });
    expect(forged.headers['set-cookie']).not.toMatch(/Secure/);
    expect(forged.headers['strict-transport-security']).toBeUndefined();

    const cookie = viaProxy.headers['set-cookie']!.split(';')[0]!;
    // Same token and secret (a restart): still valid. Either one changed: every session is gone.
    expect((await raw(direct.port, '/api/snapshot', { cookie })).status).toBe(200);
    expect((await raw(rotatedSecret.port, '/api/snapshot', { cookie })).status).toBe(401);
    expect((await raw(rotatedToken.port, '/api/snapshot', { cookie })).status).toBe(401);

    // Expiry is checked by the server, not left to the browser.
    const sessions = new SessionCookies(TOKEN, 'secret-one', 3_600_000);
    const { value } = sessions.issue(false, Date.now() - 3_601_000);
    expect(sessions.valid(value)).toBe(false);
    expect((await raw(direct.port, '/api/snapshot', { cookie: `heartbeat_session=${value}` })).status).toBe(401);
    expect(sessions.valid(sessions.issue(false).value)).toBe(true);
  });

  it('every response carries the security headers, errors and redirects included', async () => {
    const open = await start({ host: '127.0.0.1', token: '', streams: { max: 1, maxPerClient: 1, maxBufferedBytes: 1_048_576 } });
    const guarded = await start({ host: '0.0.0.0', token: TOKEN });
    const stream = await openStream(open.port, '127.0.0.1');
    sockets.push(stream.socket);
    const responses: Array<[string, RawResponse]> = [
      ['page', await raw(open.port, '/')], ['script', await raw(open.port, '/app.js')], ['snapshot', await raw(open.port, '/api/snapshot')],
      ['metrics', await raw(open.port, '/metrics')], ['healthz', await raw(open.port, '/healthz')], ['favicon', await raw(open.port, '/favicon.ico')],
      ['404', await raw(open.port, '/nope')], ['400', await raw(open.port, '*')], ['421', await raw(open.port, '/', { host: 'evil.example' })],
      ['503', await raw(open.port, '/api/stream')], ['401', await raw(guarded.port, '/api/snapshot')], ['303', await raw(guarded.port, `/?token=${TOKEN}`)],
    ];
    expect(responses.map(([name, r]) => `${name}:${r.status}`)).toEqual(
      ['page:200', 'script:200', 'snapshot:200', 'metrics:200', 'healthz:200', 'favicon:204', '404:404', '400:400', '421:421', '503:503', '401:401', '303:303']);
    for (const [name, res] of responses) {
      for (const header of SECURITY_HEADERS) expect(res.headers[header], `${name} ${header}`).toBeDefined();
    }
    expect(responses.find(([n]) => n === '503')![1].headers['retry-after']).toMatch(/^\d+$/);
  });

  it('caps streams in total and per client address (503 with Retry-After), and frees a slot when a stream closes', async () => {
    const capped = await start({ host: '127.0.0.1', token: '', streams: { max: 3, maxPerClient: 2, maxBufferedBytes: 1_048_576 } });
    const first = await openStream(capped.port, '127.0.0.1');
    const second = await openStream(capped.port, '127.0.0.1');
    sockets.push(first.socket, second.socket);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await raw(capped.port, '/api/stream', {}, '127.0.0.1');
    expect(third.status).toBe(503);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    const other = await openStream(capped.port, '127.0.0.2');
    sockets.push(other.socket);
    expect(other.status).toBe(200);
    expect((await raw(capped.port, '/api/stream', {}, '127.0.0.3')).status).toBe(503);
    // X-Forwarded-For is not trusted without dashboard.trustProxy: a forged one does not get around the cap.
    expect((await raw(capped.port, '/api/stream', { 'x-forwarded-for': '198.51.100.7' }, '127.0.0.1')).status).toBe(503);

    first.socket.destroy();
    const metrics = metricsOf.get(capped)!;
    await expect.poll(async () => (await metrics.render()).body.match(/^heartbeat_dashboard_streams (\d+)/m)?.[1], { timeout: 5000 }).toBe('2');
    const again = await openStream(capped.port, '127.0.0.1');
    sockets.push(again.socket);
    expect(again.status).toBe(200);
    expect((await metrics.render()).body).toMatch(/^heartbeat_dashboard_streams_refused_total 3$/m);
  });

  it('closes a stream whose client stopped reading, while a reading client gets every alert', async () => {
    const dashboard = await start({ host: '127.0.0.1', token: '', streams: { max: 10, maxPerClient: 10, maxBufferedBytes: 65_536 } });
    const stalled = await openStream(dashboard.port, '127.0.0.1');
    sockets.push(stalled.socket);
    const controller = new AbortController();
    const res = await fetch(`${dashboard.url}api/stream`, { signal: controller.signal });
    // 3,000 alerts of about 8 KB: 24 MB, far more than the kernel buffers a stalled socket can hold.
    const total = 3000;
    const detail = { note: 'x'.repeat(8000) };
    const alert = (i: number): Alert => ({
      type: 'anomaly', id: String(i), customerId: 'hostile-1', rule: 'tachycardia', severity: 'critical', eventTime: new Date().toISOString(),
      episodeStart: null, episodeEnd: null, detectedAt: new Date().toISOString(), message: 'Heart rate 210 bpm', detail,
    });
    const sending = (async () => {
      for (let i = 0; i < total; i += 1) {
        for (const l of alertListeners) l(alert(i));
        // Paced like a busy pipeline, not all in one tick: a reading client keeps up.
        await new Promise((r) => setImmediate(r));
      }
    })();
    const ids: number[] = [];
    try {
      for await (const e of sseEvents(res.body as AsyncIterable<Uint8Array>)) {
        if (e.event === 'alert') ids.push(Number(e.data.id));
        if (ids.length === total) break;
      }
    } finally {
      controller.abort();
    }
    await sending;
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i));
    const body = (await metricsOf.get(dashboard)!.render()).body;
    expect(body).toMatch(/^heartbeat_dashboard_streams_dropped_total 1$/m);
  });
});
