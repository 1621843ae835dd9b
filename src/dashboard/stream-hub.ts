// The dashboard's open live streams (server-sent events), bounded three ways: a total cap, a cap
// per client address, and a cap on each stream's unsent bytes. A client that stops reading would
// otherwise make Node queue every push for it without limit (one stalled page grew the process by
// about 126 MB an hour); it is closed instead, and a page that reads again reconnects by itself.
// Frames are serialised once by the caller and the same string is written to every stream.
import type { ServerResponse } from 'node:http';

export interface StreamLimits {
  max: number;
  maxPerClient: number;
  maxBufferedBytes: number;
}

export interface StreamClient {
  readonly res: ServerResponse;
  readonly address: string;
  readonly customer: string | undefined;
}

export type Admission = { admitted: true } | { admitted: false; reason: 'streams_full' | 'client_streams_full' };

export interface StreamCounts {
  open: number;
  refused: number;
  dropped: number;
}

/** One server-sent event, ready to write. */
export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class StreamHub {
  private readonly clients = new Set<StreamClient>();
  private readonly perAddress = new Map<string, number>();
  private refused = 0;
  private dropped = 0;

  constructor(private readonly limits: StreamLimits) {}

  /** Whether one more stream from `address` fits under the caps. */
  admit(address: string): Admission {
    if (this.clients.size >= this.limits.max) return this.refuse('streams_full');
    if ((this.perAddress.get(address) ?? 0) >= this.limits.maxPerClient) return this.refuse('client_streams_full');
    return { admitted: true };
  }

  private refuse(reason: 'streams_full' | 'client_streams_full'): Admission {
    this.refused += 1;
    return { admitted: false, reason };
  }

  /** Registers an admitted stream; it leaves the hub when its connection closes. */
  add(res: ServerResponse, address: string, customer: string | undefined): StreamClient {
    const client: StreamClient = { res, address, customer };
    this.clients.add(client);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    res.once('close', () => this.remove(client));
    return client;
  }

  private remove(client: StreamClient): void {
    if (!this.clients.delete(client)) return;
    const left = (this.perAddress.get(client.address) ?? 1) - 1;
    if (left === 0) this.perAddress.delete(client.address);
    else this.perAddress.set(client.address, left);
  }

  /**
   * Writes a frame to one stream, unless the stream already holds more unsent bytes than allowed:
   * then it is closed. Returns false for a closed stream.
   */
  send(client: StreamClient, frame: string): boolean {
    if (!this.clients.has(client)) return false;
    if (client.res.writableLength > this.limits.maxBufferedBytes) {
      this.dropped += 1;
      this.remove(client);
      client.res.destroy();
      return false;
    }
    client.res.write(frame);
    return true;
  }

  /** Writes `frame` to every stream, and to each stream with a chosen customer that customer's frame. */
  broadcast(frame: string, customerFrames: ReadonlyMap<string, string> = new Map()): void {
    for (const client of [...this.clients]) {
      if (!this.send(client, frame) || client.customer === undefined) continue;
      const own = customerFrames.get(client.customer);
      if (own !== undefined) this.send(client, own);
    }
  }

  /** The customers chosen by open streams, each once. */
  customers(): Set<string> {
    const ids = new Set<string>();
    for (const c of this.clients) if (c.customer !== undefined) ids.add(c.customer);
    return ids;
  }

  get size(): number {
    return this.clients.size;
  }

  counts(): StreamCounts {
    return { open: this.clients.size, refused: this.refused, dropped: this.dropped };
  }

  /** Ends every stream (shutdown). */
  closeAll(): void {
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    this.perAddress.clear();
  }
}
