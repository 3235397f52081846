import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Backends } from './helpers/backends';
import { type LoadRecord, sendOnce, sleep, startHttpLoad, tally } from '../support/http-load';
import { useServiceFixture } from './helpers/service-procs';

/**
 * The worker killed with SIGKILL while POST /process_message load flows through the real api and
 * worker processes, then started again. Asserted: every accepted message (200 with a messageId)
 * ends up in the messages table exactly once — one row per SQS MessageId, no row for anything not
 * accepted, its content the body that was sent, and a row that existed at the kill is not written
 * again by a redelivery (its received_at is unchanged) — and each is served by GET /messages/<id>.
 * A message the killed worker had received but not deleted reappears only after the queue's
 * visibility timeout (the worker uses the queue's own): the test's queue has 5 s instead of the
 * deployed 30 s, and the test waits (at most 45 s) until the queue is empty, so that those
 * redeliveries are part of what is checked.
 */
const VISIBILITY_TIMEOUT_SECONDS = 5;
const CONNECTIONS = 4;
const LOAD_BEFORE_KILL_MS = 2000;
const LOAD_AFTER_KILL_MS = 1000;
const STORED_WITHIN_MS = 45_000;

interface Row {
  id: string;
  content: string;
  received_at: string;
}

async function scanAll(backends: Backends): Promise<Row[]> {
  const rows: Row[] = [];
  let start: Record<string, unknown> | undefined;
  for (let page = 0; page < 100; page++) {
    const out = await backends.aws.doc.send(
      new ScanCommand({ TableName: backends.messagesTable, ExclusiveStartKey: start }),
    );
    rows.push(...((out.Items ?? []) as Row[]));
    start = out.LastEvaluatedKey;
    if (!start) break;
  }
  return rows;
}

describe('fault: the worker killed with SIGKILL mid-stream', () => {
  const fx = useServiceFixture('fkill', { visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS });

  test('when the worker is SIGKILLed under POST /process_message load and restarted, then every accepted message is stored exactly once', async () => {
    const { backends } = fx;
    const api = await fx.startApi();
    const worker = await fx.startWorker();
    const port = api.port;
    const runTag = Date.now().toString(36);
    const queueCounts = async () => {
      const out = await backends.aws.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: backends.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? -1),
        inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? -1),
      };
    };
    const load = startHttpLoad({
      port,
      connections: CONNECTIONS,
      requestTimeoutMs: 10_000,
      maxDurationMs: 20_000,
      next: (n, loop) => ({
        name: 'POST /process_message',
        method: 'POST',
        path: '/process_message',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ run: runTag, loop, n })),
      }),
      keepBody: () => true,
    });
    let records: LoadRecord[];
    let atKill: Row[];
    let inFlightAtKill: number;
    try {
      await sleep(LOAD_BEFORE_KILL_MS);
      // Mid-stream: kill it while it holds received messages (bounded; it usually takes one poll).
      for (let i = 0; i < 100 && (await queueCounts()).inFlight === 0; i++) await sleep(20);
      inFlightAtKill = (await queueCounts()).inFlight;
      await worker.kill();
      atKill = await scanAll(backends);
      await sleep(LOAD_AFTER_KILL_MS);
    } finally {
      records = await load.stop();
    }
    await fx.startWorker();

    const accepted = new Map<string, string>();
    for (const r of records) {
      if (r.status !== 200 || !r.body) continue;
      const parsed = JSON.parse(r.body) as { messageId?: string; data?: string };
      if (parsed.messageId && parsed.data) accepted.set(parsed.messageId, parsed.data);
    }
    const counts = tally(records);
    expect(records.filter((r) => r.status !== 200).slice(0, 5)).toEqual([]);
    expect(accepted.size).toBe(records.length);
    expect(accepted.size).toBeGreaterThan(20);

    const started = Date.now();
    let rows: Row[] = [];
    while (Date.now() - started < STORED_WITHIN_MS) {
      rows = await scanAll(backends);
      if (rows.length >= accepted.size) break;
      await sleep(500);
    }
    const waitedMs = Date.now() - started;
    const storedFirst = new Map(rows.map((r) => [r.id, r.received_at]));
    // Then the messages the killed worker had in hand (stored or not, never deleted) come back after
    // their visibility timeout and are handled by the new worker: wait until the queue is empty.
    const inFlightAfterRestart = await queueCounts();
    let queue = inFlightAfterRestart;
    while (Date.now() - started < STORED_WITHIN_MS && (queue.visible !== 0 || queue.inFlight !== 0)) {
      await sleep(1000);
      queue = await queueCounts();
    }
    const drainedMs = Date.now() - started;
    rows = await scanAll(backends);
    const dlq = await backends.aws.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: backends.dlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    process.stdout.write(
      `faults-worker-kill: ${records.length} requests ${JSON.stringify(counts)}, ${accepted.size} accepted, ` +
        `${atKill.length} stored and ${inFlightAtKill} in flight when the worker was killed, all stored ${waitedMs} ms after the restart ` +
        `(then ${inFlightAfterRestart.inFlight} in flight, ${inFlightAfterRestart.visible} visible); ` +
        `queue empty ${drainedMs} ms after the restart, ${rows.length} rows, DLQ ${dlq.Attributes?.ApproximateNumberOfMessages}\n`,
    );
    expect(queue).toEqual({ visible: 0, inFlight: 0 });

    // Exactly once: one row per accepted MessageId, nothing else, each with the body that was sent.
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...accepted.keys()].sort());
    for (const row of rows)
      expect({ id: row.id, content: row.content }).toEqual({ id: row.id, content: accepted.get(row.id) });
    // A redelivery of a message already stored did not write it again (received_at unchanged since
    // the kill, and since every row first appeared).
    const now = new Map(rows.map((r) => [r.id, r.received_at]));
    for (const before of atKill) {
      expect({ id: before.id, at: now.get(before.id) }).toEqual({ id: before.id, at: before.received_at });
    }
    for (const [id, at] of storedFirst) expect({ id, at: now.get(id) }).toEqual({ id, at });
    expect(dlq.Attributes?.ApproximateNumberOfMessages).toBe('0');

    // The api serves each of them.
    const ids404: string[] = [];
    const list = [...accepted.keys()];
    await Promise.all(
      Array.from({ length: 8 }, async (_, k) => {
        for (let i = k; i < list.length; i += 8) {
          const r = await sendOnce(
            port,
            { name: 'get', path: `/messages/${list[i]}` },
            { timeoutMs: 10_000 },
          );
          if (r.status !== 200) ids404.push(`${list[i]}: ${r.status}`);
        }
      }),
    );
    expect(ids404.slice(0, 5)).toEqual([]);
  }, 110_000);
});
