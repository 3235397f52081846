import { type LoadRecord, sendOnce, sleep, startHttpLoad, tally, timeUntil } from '../support/http-load';
import { useServiceFixture } from './helpers/service-procs';

/**
 * Redis killed (SIGKILL) and restarted on the same port while 8 keep-alive connections send
 * POST /write (one INCR each) to the real api process: every answer is 200, or 503 carrying
 * Retry-After (the dependency is down); no network error, no hang, no other status; after the
 * restart the api answers 200 again within 5 s by reconnecting on its own. A private redis-server.
 */
const CONNECTIONS = 8;
const LOAD_BEFORE_KILL_MS = 1500;
const DOWN_MS = 2000;
const LOAD_AFTER_RECOVERY_MS = 1500;
const RECOVERY_BOUND_MS = 5000;

describe('fault: Redis killed and restarted under write load', () => {
  const fx = useServiceFixture('fredis');

  test('when Redis dies and comes back during POST /write load, then every answer is 200 or 503 with Retry-After, and 200 returns within 5 s', async () => {
    const { redis } = fx;
    const api = await fx.startApi();
    const port = api.port;
    const load = startHttpLoad({
      port,
      connections: CONNECTIONS,
      requestTimeoutMs: 10_000,
      maxDurationMs: 30_000,
      next: () => ({ name: 'POST /write', method: 'POST', path: '/write' }),
      keepBody: (status) => status !== 200,
    });
    let recoveryMs: number | undefined;
    let killedAt = 0;
    let restartedAt = 0;
    let records: LoadRecord[];
    try {
      await sleep(LOAD_BEFORE_KILL_MS);
      killedAt = Date.now();
      await redis.stop();
      await sleep(DOWN_MS);
      restartedAt = Date.now();
      await redis.startProcess();
      recoveryMs = await timeUntil(
        async () =>
          (await sendOnce(port, { name: 'probe', method: 'POST', path: '/write' }, { timeoutMs: 3000 }))
            .status === 200,
        RECOVERY_BOUND_MS,
        50,
      );
      await sleep(LOAD_AFTER_RECOVERY_MS);
    } finally {
      records = await load.stop();
    }
    const counts = tally(records);
    process.stdout.write(
      `faults-redis: ${records.length} requests, ${JSON.stringify(counts)}, ` +
        `200 again ${recoveryMs ?? '>5000'} ms after redis-server was restarted\n`,
    );
    const bad = records.filter(
      (r) => r.error !== undefined || !(r.status === 200 || (r.status === 503 && r.retryAfter !== undefined)),
    );
    expect(bad.slice(0, 5)).toEqual([]);
    // The fault was seen at all (503s while Redis was gone) and the load was real on both sides.
    const during = records.filter((r) => r.startedAt >= killedAt && r.startedAt < restartedAt);
    expect(during.some((r) => r.status === 503)).toBe(true);
    expect(records.filter((r) => r.startedAt < killedAt && r.status === 200).length).toBeGreaterThan(20);
    expect(recoveryMs).toBeDefined();
    expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    // Once recovered, it stays recovered: nothing but 200 from the moment the probe saw one.
    const recoveredAt = restartedAt + (recoveryMs ?? 0) + 200;
    const after = records.filter((r) => r.startedAt > recoveredAt);
    expect(after.length).toBeGreaterThan(5);
    expect(after.filter((r) => r.status !== 200).slice(0, 5)).toEqual([]);
    // No request waited on a dead Redis: the offline queue is off, a command times out after 1 s
    // and is retried once (2 s at most), plus slack for 2 busy cores.
    expect(Math.max(...records.map((r) => r.durationMs))).toBeLessThan(4000);
  }, 60_000);
});
