import { Agent, request as httpRequest } from 'node:http';

/**
 * Bounded keep-alive load for the load and fault suites (the service faults and load tests, the k8s rollout): any
 * method, headers and body, `connections` loops on one keep-alive Agent, each sending its next
 * request when the previous one has ended, until `stop()` (or `maxDurationMs`, whichever is first).
 * Every request is recorded: when it started, how long it took, its status, its `Retry-After`, or
 * the network error / client timeout that ended it.
 */
export interface LoadRequest {
  readonly name: string;
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
}

export interface LoadRecord {
  readonly name: string;
  readonly startedAt: number;
  readonly durationMs: number;
  /** 0 when there was no response (see `error`). */
  readonly status: number;
  readonly retryAfter?: string;
  readonly error?: string;
  readonly body?: string;
}

export interface HttpLoad {
  stop(): Promise<LoadRecord[]>;
}

export interface HttpLoadOptions {
  readonly port: number;
  /** Called for each request: the n-th request of loop `loop`. */
  readonly next: (n: number, loop: number) => LoadRequest;
  readonly connections?: number;
  /** The client gives up on a request after this long (recorded as an error). */
  readonly requestTimeoutMs?: number;
  /** A hard bound on the whole load, in case stop() is never reached. */
  readonly maxDurationMs?: number;
  /** Keep the response body (first 300 characters) of answers for which this is true. */
  readonly keepBody?: (status: number) => boolean;
}

export function sendOnce(
  port: number,
  r: LoadRequest,
  options: { agent?: Agent | false; timeoutMs?: number; keepBody?: boolean } = {},
): Promise<LoadRecord> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const startedAt = Date.now();
  return new Promise<LoadRecord>((resolve) => {
    let done = false;
    const finish = (rec: Omit<LoadRecord, 'name' | 'startedAt' | 'durationMs'>) => {
      if (done) return;
      done = true;
      resolve({ name: r.name, startedAt, durationMs: Date.now() - startedAt, ...rec });
    };
    const headers = { ...(r.headers ?? {}) };
    if (r.body) headers['content-length'] = String(r.body.length);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: r.method ?? 'GET',
        path: r.path,
        headers,
        agent: options.agent ?? false,
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          if (options.keepBody && body.length < 300) body += d.toString();
        });
        res.on('end', () =>
          finish({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'],
            ...(options.keepBody ? { body: body.slice(0, 300) } : {}),
          }),
        );
        res.on('error', (err) => finish({ status: 0, error: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({ status: 0, error: `${err.code ?? ''} ${err.message}`.trim() }),
    );
    req.end(r.body);
  });
}

export function startHttpLoad(options: HttpLoadOptions): HttpLoad {
  const connections = options.connections ?? 8;
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const records: LoadRecord[] = [];
  const deadline = Date.now() + (options.maxDurationMs ?? 60_000);
  let stopped = false;
  const loops = Array.from({ length: connections }, async (_, loop) => {
    for (let n = 0; !stopped && Date.now() < deadline; n++) {
      const r = options.next(n, loop);
      const rec = await sendOnce(options.port, r, {
        agent,
        timeoutMs: options.requestTimeoutMs,
        keepBody: true,
      });
      records.push(options.keepBody?.(rec.status) ? rec : { ...rec, body: undefined });
    }
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
      agent.destroy();
      return records;
    },
  };
}

/** Counts per request name and status, e.g. `{ "POST /write": { "200": 812, "503": 40 } }`. */
export function tally(records: readonly LoadRecord[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const r of records) {
    const key = r.error ? 'error' : String(r.status);
    out[r.name] ??= {};
    out[r.name][key] = (out[r.name][key] ?? 0) + 1;
  }
  return out;
}

/** Polls `check` every `everyMs` until it is true or `withinMs` passed; resolves to the time it took, or undefined. */
export async function timeUntil(
  check: () => Promise<boolean>,
  withinMs: number,
  everyMs = 100,
): Promise<number | undefined> {
  const start = Date.now();
  while (Date.now() - start <= withinMs) {
    if (await check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return undefined;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
