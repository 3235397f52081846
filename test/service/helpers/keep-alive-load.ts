import { Agent, request as httpRequest } from 'node:http';

/**
 * Keep-alive load from `connections` loops on one node:http Agent (keepAlive), each request after
 * the previous one on its loop, over `paths` in turn; and a load balancer's view of readiness:
 * once watched, `/readyz` is polled on connections of its own, and once it has answered 503 for the
 * shutdown the loops send nothing new after `lbReactionMs` (a load balancer that takes the target
 * out of rotation; until then every request must succeed). Every request is
 * counted; a failure is a network error (ECONNRESET, socket hang up, refused…), a timeout, or a 5xx.
 */
export interface KeepAliveLoadResult {
  sent: number;
  failed: number;
  /** Requests answered after readiness turned 503, and how many of them said `Connection: close`. */
  afterNotReady: number;
  closeHeaders: number;
  statuses: Record<string, number>;
  failures: string[];
}

export interface KeepAliveLoad {
  /**
   * Starts polling `/readyz` (call it when the signal is sent); resolves once it answers 503 because
   * the process is shutting down. The loops then stop `lbReactionMs` later.
   */
  watchReadiness(): Promise<void>;
  /** Stops the loops (if they still run), waits for them and returns the counts. */
  stop(): Promise<KeepAliveLoadResult>;
}

export interface KeepAliveLoadOptions {
  readonly port: number;
  readonly paths: readonly string[];
  readonly connections?: number;
  readonly lbReactionMs?: number;
  readonly readinessPollMs?: number;
  readonly requestTimeoutMs?: number;
}

export function startKeepAliveLoad(options: KeepAliveLoadOptions): KeepAliveLoad {
  const connections = options.connections ?? 16;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const result: KeepAliveLoadResult = {
    sent: 0,
    failed: 0,
    afterNotReady: 0,
    closeHeaders: 0,
    statuses: {},
    failures: [],
  };
  let notReadyAt: number | undefined;
  let stopped = false;
  const fail = (what: string) => {
    result.failed++;
    if (result.failures.length < 10) result.failures.push(what);
  };
  const sending = () =>
    !stopped && (notReadyAt === undefined || Date.now() < notReadyAt + (options.lbReactionMs ?? 1000));

  const once = (path: string) =>
    new Promise<void>((resolve) => {
      result.sent++;
      const req = httpRequest(
        { host: '127.0.0.1', port: options.port, path, agent, timeout: requestTimeoutMs },
        (res) => {
          res.resume();
          res.on('end', () => {
            const code = String(res.statusCode);
            result.statuses[code] = (result.statuses[code] ?? 0) + 1;
            if ((res.statusCode ?? 0) >= 500) fail(`${path}: ${code}`);
            if (notReadyAt !== undefined) {
              result.afterNotReady++;
              if (res.headers.connection === 'close') result.closeHeaders++;
            }
            resolve();
          });
          res.on('error', (err) => {
            fail(`${path}: ${err.message}`);
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${requestTimeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        fail(`${path}: ${err.code ?? ''} ${err.message}`);
        resolve();
      });
      req.end();
    });

  const loops = Array.from({ length: connections }, async (_, i) => {
    for (let n = i; sending(); n++) await once(options.paths[n % options.paths.length]);
  });

  const shuttingDown = () =>
    new Promise<boolean>((resolve) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: options.port, path: '/readyz', agent: false, timeout: 2000 },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(res.statusCode === 503 && body.includes('"shutting_down":true')));
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
      req.end();
    });
  let watching: Promise<void> | undefined;
  const watchReadiness = () =>
    (watching ??= (async () => {
      while (!stopped) {
        if (await shuttingDown()) {
          notReadyAt = Date.now();
          return;
        }
        await new Promise((r) => setTimeout(r, options.readinessPollMs ?? 100));
      }
    })());

  return {
    watchReadiness,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      await watching;
      agent.destroy();
      return result;
    },
  };
}
