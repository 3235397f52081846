import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

export async function waitFor(check: () => Promise<boolean>, what: string, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/**
 * A private redis-server (no persistence) on a free port, for tests that stop and start Redis or
 * want a clean keyspace; never the harness's shared one.
 */
export class RedisServer {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[],
  ) {}

  /** `extraArgs`, e.g. `['--requirepass', 'x']`; with `--tls-port` in them the plain port is turned off. */
  static async start(extraArgs: readonly string[] = []): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), extraArgs);
    await server.startProcess();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async startProcess(): Promise<void> {
    const tls = this.extraArgs.includes('--tls-port');
    const portArgs = tls ? ['--port', '0', '--tls-port', String(this.port)] : ['--port', String(this.port)];
    const rest = tls
      ? this.extraArgs.filter((a, i, all) => a !== '--tls-port' && all[i - 1] !== '--tls-port')
      : this.extraArgs;
    // `--save ''` last: an empty argument in the middle can swallow the options after it.
    const args = [...portArgs, '--bind', '127.0.0.1', ...rest, '--appendonly', 'no', '--save', ''];
    this.child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitFor(() => canConnect(this.port), `redis-server on ${this.port}`);
  }

  /** Freezes the server (SIGSTOP): connections stay open, commands get no answer — a hung dependency. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }
}
