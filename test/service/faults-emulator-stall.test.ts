import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ENDPOINT } from './helpers/backends';
import { PNG } from './helpers/images';
import { type LoadRecord, sendOnce, sleep, startHttpLoad, tally, timeUntil } from '../support/http-load';
import { useServiceFixture } from './helpers/service-procs';
import { StallProxy } from './helpers/stall-proxy';

/**
 * The AWS emulator stalled for 5 s under read load. The api's AWS_ENDPOINT_URL points at a loopback
 * TCP proxy in this test (helpers/stall-proxy.ts) in front of the shared emulator; the proxy stops
 * moving bytes for STALL_MS (the shared emulator itself is never touched). 8 keep-alive connections
 * send GET /users and GET /messages/<id>. Asserted: every answer is 200, or 503 with Retry-After;
 * no request hangs past the SDK's per-attempt request timeout (service/src/libraries/aws: 5000 ms
 * in the api, `throwOnRequestTimeout`) plus one retry's slack; the api answers 200 again within 5 s
 * after the stall ends, and only 200 from then on.
 */
const CONNECTIONS = 8;
const STALL_MS = 5000;
/** createAwsClients' default requestTimeout, which server.ts keeps. */
const SDK_REQUEST_TIMEOUT_MS = 5000;
/** A retry's backoff and the answer of the attempt after the stall, on 2 busy cores. */
const RETRY_SLACK_MS = 2500;
const RECOVERY_BOUND_MS = 5000;

const form = (name: string, email: string) => {
  const boundary = `----stall${Date.now()}`;
  const part = (header: string, body: Buffer | string) =>
    Buffer.concat([
      Buffer.from(`--${boundary}\r\n${header}\r\n\r\n`),
      Buffer.from(body),
      Buffer.from('\r\n'),
    ]);
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.concat([
      part('Content-Disposition: form-data; name="name"', name),
      part('Content-Disposition: form-data; name="email"', email),
      part('Content-Disposition: form-data; name="avatar"; filename="a.png"\r\nContent-Type: image/png', PNG),
      Buffer.from(`--${boundary}--\r\n`),
    ]),
  };
};

describe('fault: the AWS emulator stalled for 5 s under read load', () => {
  const fx = useServiceFixture('fstall');
  let proxy: StallProxy;

  beforeAll(async () => {
    proxy = await StallProxy.start(Number(new URL(ENDPOINT).port || 80), new URL(ENDPOINT).hostname);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  test('when the emulator stops answering for 5 s, then no read hangs past the SDK timeout, answers are 200 or 503 with Retry-After, and 200 returns within 5 s', async () => {
    const { backends } = fx;
    const api = await fx.startApi({ AWS_ENDPOINT_URL: proxy.url });
    const port = api.port;
    for (let i = 0; i < 3; i++) {
      const f = form(`Stall ${i}`, `stall-${i}-${Date.now()}@example.com`);
      const created = await sendOnce(port, { name: 'seed', method: 'POST', path: '/user', ...f });
      expect(created.status).toBe(201);
    }
    const messageId = `stall-${Date.now()}`;
    await backends.aws.doc.send(
      new PutCommand({
        TableName: backends.messagesTable,
        Item: { id: messageId, content: '{"seed":true}', received_at: new Date().toISOString() },
      }),
    );
    const reads = [
      { name: 'GET /users', path: '/users' },
      { name: 'GET /messages/:id', path: `/messages/${messageId}` },
    ];
    const load = startHttpLoad({
      port,
      connections: CONNECTIONS,
      // Far above the bound asserted below: a hang shows as a long duration, or as this error.
      requestTimeoutMs: 20_000,
      maxDurationMs: 40_000,
      next: (n, loop) => reads[(n + loop) % reads.length],
      keepBody: (status) => status !== 200,
    });
    let records: LoadRecord[];
    let stalledAt = 0;
    let resumedAt: number;
    let recoveryMs: number | undefined;
    try {
      await sleep(1500);
      stalledAt = Date.now();
      proxy.pause();
      await sleep(STALL_MS);
      resumedAt = Date.now();
      proxy.resume();
      recoveryMs = await timeUntil(
        async () => (await sendOnce(port, reads[0], { timeoutMs: RECOVERY_BOUND_MS })).status === 200,
        RECOVERY_BOUND_MS,
        50,
      );
      await sleep(1500);
    } finally {
      proxy.resume();
      records = await load.stop();
    }
    const counts = tally(records);
    const slowest = Math.max(...records.map((r) => r.durationMs));
    process.stdout.write(
      `faults-emulator-stall: ${records.length} requests, ${JSON.stringify(counts)}, slowest ${slowest} ms, ` +
        `200 again ${recoveryMs ?? `>${RECOVERY_BOUND_MS}`} ms after the stall ended\n`,
    );
    const bad = records.filter(
      (r) => r.error !== undefined || !(r.status === 200 || (r.status === 503 && r.retryAfter !== undefined)),
    );
    expect(bad.slice(0, 5)).toEqual([]);
    expect(records.filter((r) => r.startedAt < stalledAt && r.status === 200).length).toBeGreaterThan(5);
    // The stall was felt: requests in flight during it took at least a good part of it.
    expect(slowest).toBeGreaterThan(STALL_MS / 2);
    expect(slowest).toBeLessThan(SDK_REQUEST_TIMEOUT_MS + RETRY_SLACK_MS);
    expect(recoveryMs).toBeDefined();
    expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    const recoveredAt = resumedAt + (recoveryMs ?? 0) + 200;
    const after = records.filter((r) => r.startedAt > recoveredAt);
    expect(after.length).toBeGreaterThan(5);
    expect(after.filter((r) => r.status !== 200).slice(0, 5)).toEqual([]);
  }, 90_000);
});
