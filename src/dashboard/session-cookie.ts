// The dashboard's session cookie: its expiry and an HMAC of it under a key derived from the token
// and dashboard.sessionSecret. The cookie never holds the token; it stops working when it expires,
// and every cookie stops at once when the token or the secret changes (the key changes).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const COOKIE = 'heartbeat_session';
const VERSION = 'v1';

export class SessionCookies {
  private readonly key: Buffer;

  constructor(token: string, secret: string, private readonly ttlMs: number) {
    // Both in the key, length-prefixed so ("ab", "c") and ("a", "bc") differ.
    this.key = createHash('sha256').update(`${token.length}:${token}${secret.length}:${secret}`).digest();
  }

  private mac(expiresAtSec: number): string {
    return createHmac('sha256', this.key).update(`heartbeat dashboard session ${VERSION} ${expiresAtSec}`).digest('base64url');
  }

  /** A new session's cookie value and its Set-Cookie header. */
  issue(secure: boolean, now = Date.now()): { value: string; header: string } {
    const maxAgeSec = Math.floor(this.ttlMs / 1000);
    const expiresAtSec = Math.floor(now / 1000) + maxAgeSec;
    const value = `${VERSION}.${expiresAtSec}.${this.mac(expiresAtSec)}`;
    const header = `${COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSec}${secure ? '; Secure' : ''}`;
    return { value, header };
  }

  /** True for a cookie this key signed and that has not expired. */
  valid(value: string, now = Date.now()): boolean {
    const [version, expires, mac, ...rest] = value.split('.');
    if (version !== VERSION || rest.length > 0 || expires === undefined || mac === undefined || !/^\d{1,12}$/.test(expires)) return false;
    const expiresAtSec = Number(expires);
    const expected = Buffer.from(this.mac(expiresAtSec));
    const given = Buffer.from(mac);
    // Length first: timingSafeEqual needs equal lengths, and the length of a MAC is no secret.
    return given.length === expected.length && timingSafeEqual(given, expected) && expiresAtSec * 1000 > now;
  }
}

/** The value of the session cookie in a Cookie header, if any. */
export function sessionCookieOf(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return rest.join('=');
  }
  return undefined;
}
