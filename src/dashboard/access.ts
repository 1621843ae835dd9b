// Who may see the dashboard. Without a token (loopback binding only): any request whose Host is a
// loopback name, and nothing else, since a web page the user visits could otherwise read health
// data through DNS rebinding (421). With a token: `Authorization: Bearer <token>`, a valid session
// cookie, or `?token=<token>` on the page only, which is traded for the cookie and redirected to
// the page without it (the token must not stay in URLs, histories and proxies' logs). Every
// comparison is timing-safe. The token is never logged.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { SessionCookies, sessionCookieOf } from './session-cookie.js';

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The host name of a Host header, without its port and brackets ("[::1]:8080" -> "::1"). */
export function hostName(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (bracketed !== null) return bracketed[1]!.toLowerCase();
  const plain = /^([^:[\]]+)(?::\d+)?$/.exec(header);
  return plain === null ? undefined : plain[1]!.toLowerCase();
}

/** Refuses a dashboard bound beyond loopback without a token (heart-rate data is health data). */
export function checkDashboardConfig(dashboard: AppConfig['dashboard']): void {
  if (dashboard.enabled && !isLoopback(dashboard.host) && dashboard.token === '') {
    throw new ConfigError('dashboard.token', `Invalid config dashboard.token: required when dashboard.host = ${JSON.stringify(dashboard.host)} is not a loopback address (heart-rate data is health data); set DASHBOARD_TOKEN`);
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();
/** Equal-length digests, so the comparison takes the same time whatever the input. */
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** The page: the only path that honours ?token= and the only redirect target. */
export const PAGE_PATH = '/';

export type AccessDecision =
  | { allowed: true; setCookie?: string; redirectTo?: string }
  | { allowed: false; status: 401 | 421; error: string };

export class AccessCheck {
  private readonly sessions: SessionCookies;

  constructor(private readonly token: string, sessionSecret: string, sessionTtlMs: number) {
    this.sessions = new SessionCookies(token, sessionSecret, sessionTtlMs);
  }

  get required(): boolean {
    return this.token !== '';
  }

  /** `secure`: the client reached us over TLS (directly, or at a trusted proxy). */
  check(req: IncomingMessage, url: URL, secure: boolean): AccessDecision {
    if (!this.required) {
      const host = hostName(req.headers.host);
      if (host !== undefined && isLoopback(host)) return { allowed: true };
      return { allowed: false, status: 421, error: 'this dashboard answers only to a loopback Host (localhost, 127.0.0.1, [::1]); set dashboard.token to serve other names' };
    }
    const auth = req.headers.authorization;
    if (auth !== undefined && /^bearer /i.test(auth) && same(auth.slice(7), this.token)) return { allowed: true };
    const cookie = sessionCookieOf(req.headers.cookie);
    if (cookie !== undefined && this.sessions.valid(cookie)) return { allowed: true };
    const query = url.searchParams.get('token');
    if (query !== null && url.pathname === PAGE_PATH && same(query, this.token)) {
      const clean = new URLSearchParams(url.searchParams);
      clean.delete('token');
      const search = clean.toString();
      // Built from the fixed page path, never from the request's path: no way off this app.
      return { allowed: true, setCookie: this.sessions.issue(secure).header, redirectTo: `${PAGE_PATH}${search === '' ? '' : `?${search}`}` };
    }
    return { allowed: false, status: 401, error: 'access token required: Authorization: Bearer <token>, or open the page with ?token=<token>' };
  }
}
