// Who may see the dashboard: open on a loopback address with no token configured; otherwise the
// token, sent as `Authorization: Bearer <token>`, or once as `?token=<token>` on a page, which
// sets an HttpOnly cookie holding a keyed hash of the token (never the token itself) and
// redirects to the same page without it. Every comparison is timing-safe. The token is never logged.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../config.js';
import { ConfigError } from '../errors.js';

export const COOKIE = 'heartbeat_session';

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
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

function cookieValue(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return rest.join('=');
  }
  return undefined;
}

export type AccessDecision =
  | { allowed: true; setCookie?: string; stripTokenFrom?: URL }
  | { allowed: false };

export class AccessCheck {
  private readonly session: string;

  constructor(private readonly token: string) {
    this.session = createHmac('sha256', token).update('heartbeat dashboard session').digest('base64url');
  }

  get required(): boolean {
    return this.token !== '';
  }

  check(req: IncomingMessage, url: URL): AccessDecision {
    if (!this.required) return { allowed: true };
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') === true && same(auth.slice(7), this.token)) return { allowed: true };
    const cookie = cookieValue(req.headers.cookie);
    if (cookie !== undefined && same(cookie, this.session)) return { allowed: true };
    const query = url.searchParams.get('token');
    if (query !== null && same(query, this.token)) {
      const clean = new URL(url);
      clean.searchParams.delete('token');
      return { allowed: true, setCookie: `${COOKIE}=${this.session}; HttpOnly; SameSite=Strict; Path=/`, stripTokenFrom: clean };
    }
    return { allowed: false };
  }
}
