import { type Backends, createBackends } from './helpers/backends';
import { type KeepAliveLoadResult, startKeepAliveLoad } from './helpers/keep-alive-load';
import { httpStatus, run } from './helpers/process';
import { RedisServer, freePort, waitFor } from './helpers/redis-server';

/**
 * SIGTERM to the real api process (service/src/server.ts) while 16 keep-alive connections hammer
 * it, as many times as ROUNDS: no request may fail (no ECONNRESET, no socket hang up, no 5xx), each
 * answer after readiness turned 503 says `Connection: close`, and the process exits 0 in time.
 * The client side acts as a load balancer would: it polls /readyz and sends nothing new once
 * readiness has been 503 for LB_REACTION_MS (below the drain delay).
 */
const ROUNDS = Number(process.env.SHUTDOWN_LOAD_ROUNDS ?? 5);
const CONNECTIONS = 16;
const DRAIN_DELAY_MS = 2000;
const SHUTDOWN_TIMEOUT_MS = 8000;
const LB_REACTION_MS = 1000;
const LOAD_BEFORE_SIGTERM_MS = 1000;

describe('SIGTERM under keep-alive load (the api process)', () => {
  let backends: Backends;
  let redis: RedisServer;

  beforeAll(async () => {
    backends = await createBackends('sdl');
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await redis?.stop();
    await backends?.destroy();
  });

  test(
    `when SIGTERM arrives ${ROUNDS} times under ${CONNECTIONS} keep-alive connections, then no request fails and each exit is 0`,
    async () => {
      const totals = { sent: 0, failed: 0, afterNotReady: 0, closeHeaders: 0 };
      const failures: string[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const port = await freePort();
        const proc = run('server', {
          ...backends.env,
          REDIS_URL: redis.url,
          PORT: String(port),
          LOG_LEVEL: 'warn',
          SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
          SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
        });
        let result: KeepAliveLoadResult | undefined;
        try {
          await waitFor(async () => (await httpStatus(port, '/readyz')) === 200, 'api ready', 400);
          const load = startKeepAliveLoad({
            port,
            paths: ['/healthz', '/read'],
            connections: CONNECTIONS,
            lbReactionMs: LB_REACTION_MS,
          });
          await new Promise((r) => setTimeout(r, LOAD_BEFORE_SIGTERM_MS));
          const signalled = Date.now();
          proc.child.kill('SIGTERM');
          await load.watchReadiness();
          const readinessAfterMs = Date.now() - signalled;
          const code = await proc.exit;
          const exitAfterMs = Date.now() - signalled;
          result = await load.stop();

          expect({ round, code }).toEqual({ round, code: 0 });
          expect(readinessAfterMs).toBeLessThan(DRAIN_DELAY_MS - LB_REACTION_MS + 500);
          expect(exitAfterMs).toBeGreaterThanOrEqual(DRAIN_DELAY_MS);
          expect(exitAfterMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
          expect(result.afterNotReady).toBeGreaterThan(0);
          expect(result.closeHeaders).toBe(result.afterNotReady);
        } finally {
          proc.child.kill('SIGKILL');
        }
        totals.sent += result.sent;
        totals.failed += result.failed;
        totals.afterNotReady += result.afterNotReady;
        totals.closeHeaders += result.closeHeaders;
        failures.push(...result.failures.map((f) => `round ${round}: ${f}`));
      }
      process.stdout.write(
        `shutdown under load: ${ROUNDS} SIGTERMs, ${CONNECTIONS} keep-alive connections, ` +
          `${totals.sent} requests, ${totals.failed} failed ` +
          `(${totals.afterNotReady} answered after readiness turned 503, all with Connection: close)\n`,
      );
      expect(failures).toEqual([]);
      expect(totals.failed).toBe(0);
    },
    ROUNDS * 30_000,
  );
});
