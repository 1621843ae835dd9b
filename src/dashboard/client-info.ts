// Who a request comes from, as far as the dashboard can tell: the client's address (for the
// per-client stream cap) and whether it reached us over TLS (for the Secure cookie and HSTS).
// Behind a reverse proxy (dashboard.trustProxy) these come from the proxy's X-Forwarded-* headers;
// without it those headers are ignored, since any client could send them.
import type { IncomingMessage } from 'node:http';

export interface ClientInfo {
  address: string;
  secure: boolean;
}

/** The last value of a header that proxies append to (the one our own proxy added). */
function lastValue(header: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(header) ? header.join(',') : header;
  const last = joined?.split(',').at(-1)?.trim();
  return last === '' ? undefined : last;
}

export function clientInfo(req: IncomingMessage, trustProxy: boolean): ClientInfo {
  const socketAddress = req.socket.remoteAddress ?? 'unknown';
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  if (!trustProxy) return { address: socketAddress, secure: tls };
  return {
    address: lastValue(req.headers['x-forwarded-for']) ?? socketAddress,
    secure: tls || lastValue(req.headers['x-forwarded-proto'])?.toLowerCase() === 'https',
  };
}
