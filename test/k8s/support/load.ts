/**
 * Steady HTTP load through keep-alive connections, as a load balancer sends it: `connections`
 * loops, each with its own socket reused request after request. Counts every request and every
 * failure (a network error, a timeout or a 5xx), with the first few failures kept for the message.
 */
import http from 'http';

export interface LoadResult {
  sent: number;
  failed: number;
  statuses: Record<string, number>;
  failures: string[];
}

export interface Load {
  stop(): Promise<LoadResult>;
}

/** Stops on its own after `maxMs` (default 5 minutes) even if nobody calls stop(): every loop is bounded. */
export function startLoad(
  baseUrl: string,
  paths: string[],
  connections = 8,
  timeoutMs = 10_000,
  maxMs = 300_000,
): Load {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const result: LoadResult = { sent: 0, failed: 0, statuses: {}, failures: [] };
  let running = true;
  const deadline = setTimeout(() => (running = false), maxMs);
  deadline.unref();
  const fail = (what: string) => {
    result.failed++;
    if (result.failures.length < 10) result.failures.push(what);
  };
  const once = (path: string) =>
    new Promise<void>((resolve) => {
      result.sent++;
      const req = http.request(
        { host: url.hostname, port: url.port, path, agent, timeout: timeoutMs },
        (res) => {
          res.resume();
          res.on('end', () => {
            const code = String(res.statusCode);
            result.statuses[code] = (result.statuses[code] ?? 0) + 1;
            if ((res.statusCode ?? 0) >= 500) fail(`${path}: ${code}`);
            resolve();
          });
          res.on('error', (err) => {
            fail(`${path}: ${err.message}`);
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err) => {
        fail(`${path}: ${err.message}`);
        resolve();
      });
      req.end();
    });
  const loops = Array.from({ length: connections }, async (_, i) => {
    for (let n = i; running; n++) await once(paths[n % paths.length]);
  });
  return {
    async stop() {
      running = false;
      clearTimeout(deadline);
      await Promise.all(loops);
      agent.destroy();
      return result;
    },
  };
}
