import { type Server, type Socket, connect, createServer } from 'node:net';

/**
 * A loopback TCP proxy in front of a backend (the shared emulator), that the test can stall:
 * `pause()` stops moving bytes both ways on every connection and holds new ones unconnected (they
 * are accepted, so the client sees a hung server, not a refused one) — as if the backend froze,
 * without touching the shared backend itself. `resume()` lets everything flow again (buffered
 * bytes included). Only the proxy's own sockets are ever paused or destroyed.
 */
export class StallProxy {
  private paused = false;
  private readonly pairs = new Set<{ client: Socket; upstream?: Socket }>();
  private readonly waiting: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static start(targetPort: number, targetHost = '127.0.0.1'): Promise<StallProxy> {
    return new Promise((resolve, reject) => {
      let proxy: StallProxy | undefined;
      const server = createServer((client) => proxy?.accept(client, targetPort, targetHost));
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        proxy = new StallProxy(server, port);
        resolve(proxy);
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private accept(client: Socket, targetPort: number, targetHost: string): void {
    const pair: { client: Socket; upstream?: Socket } = { client };
    this.pairs.add(pair);
    client.pause();
    const cleanup = () => {
      client.destroy();
      pair.upstream?.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', cleanup);
    client.on('close', cleanup);
    const open = () => {
      if (client.destroyed) return;
      const upstream = connect(targetPort, targetHost);
      pair.upstream = upstream;
      upstream.on('error', cleanup);
      upstream.on('close', cleanup);
      client.pipe(upstream);
      upstream.pipe(client);
      if (this.paused) {
        upstream.pause();
        client.pause();
      } else {
        client.resume();
      }
    };
    if (this.paused) this.waiting.push(open);
    else open();
  }

  pause(): void {
    this.paused = true;
    for (const { client, upstream } of this.pairs) {
      client.pause();
      upstream?.pause();
    }
  }

  resume(): void {
    this.paused = false;
    for (const { client, upstream } of this.pairs) {
      if (!upstream) continue;
      client.resume();
      upstream.resume();
    }
    for (const open of this.waiting.splice(0)) open();
  }

  /** Connections currently open through the proxy. */
  get connections(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    this.waiting.length = 0;
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream?.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
