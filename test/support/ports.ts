// Free TCP ports for test servers (brokers, dashboards, embedded PostgreSQL), chosen below Linux's
// ephemeral range (32768-60999): the kernel never hands those out for outgoing connections or
// port-0 binds, so a test holding thousands of client sockets (the dashboard's stream load test)
// cannot take a server's port between our check and the server's bind.
import net from 'node:net';

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Where the ports are picked from, at random (so parallel test files rarely try the same one). */
const FIXED_PORTS = { from: 20_000, to: 32_000 };

/** The first of `count` consecutive TCP ports nothing listens on right now, below the ephemeral range. */
export async function freePortRange(count = 1): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const first = FIXED_PORTS.from + Math.floor(Math.random() * (FIXED_PORTS.to - FIXED_PORTS.from - count));
    const free = await Promise.all(Array.from({ length: count }, (_, i) => canListen(first + i)));
    if (free.every(Boolean)) return first;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** One free TCP port (for a server the test starts, or a URL where nothing answers). */
export function freePort(): Promise<number> {
  return freePortRange(1);
}
