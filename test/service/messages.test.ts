import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import request from 'supertest';
import { createMessageConsumer } from '../../service/src/components/messages/entry-points/message-queue/consumer';
import { deadLetterQueue } from '../../service/src/components/messages/data-access/dead-letter-queue';
import { messagesTable } from '../../service/src/components/messages/data-access/messages-store';
import { watchDeadLetterQueue } from '../../service/src/components/messages/domain/dead-letter-watch';
import { messagesService } from '../../service/src/components/messages/domain/messages';
import { createLogger } from '../../service/src/libraries/logger';
import { type Metrics, createMetrics } from '../../service/src/libraries/metrics';
import { type Backends, uniqueName } from './helpers/backends';
import { waitFor } from './helpers/redis-server';
import { startWorker as startWorkerProcess } from './helpers/service-procs';
import { useTestApp } from './helpers/test-app';

const silent = createLogger({ level: 'silent' });
const noSend = { send: () => Promise.reject(new Error('worker does not send')) };

/** The worker's consumer against the test queue, with short polls and immediate retries. */
function startWorker(b: Backends, table = b.messagesTable, queueUrl = b.queueUrl) {
  const metrics = createMetrics({ defaultMetrics: false });
  const service = messagesService({ table: messagesTable(b.aws, table), queue: noSend, metrics });
  const consumer = createMessageConsumer({
    queueUrl,
    sqs: b.aws.sqs,
    service,
    logger: silent,
    waitTimeSeconds: 1,
    retryDelaySeconds: () => 0,
    drainTimeoutMs: 5000,
  });
  consumer.start();
  return { consumer, metrics, service };
}

type Consumer = ReturnType<typeof createMessageConsumer>;

const stopWorker = (consumer: Consumer) =>
  new Promise<void>((resolve) => {
    consumer.once('stopped', () => resolve());
    consumer.stop();
  });

async function queueDepth(b: Backends, queueUrl = b.queueUrl): Promise<number> {
  const out = await b.aws.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** A fresh queue (standing in for a dead-letter queue) holding `count` messages. */
async function queueHolding(b: Backends, count: number): Promise<string> {
  const created = await b.aws.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('msg-dead') }));
  const url = created.QueueUrl ?? '';
  await addMessages(b, url, count);
  return url;
}

async function addMessages(b: Backends, queueUrl: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await b.aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `{"dead":${i}}` }));
  }
}

/** One sample of a metric in Prometheus text (`name` or `name{labels}`), undefined when absent. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};
const scrape = (metrics: Metrics) => metrics.registry.metrics();
const DEPTH = 'dead_letter_queue_messages';
const SQS_ERRORS = 'dependency_errors_total{dependency="sqs"}';

describe('messages: POST /process_message → SQS → worker → DynamoDB', () => {
  const t = useTestApp('msg', { maxReceiveCount: 2 });

  describe('the API', () => {
    test('when a JSON object is posted, then 200 with its compact JSON text and the SQS MessageId, and the queue holds it', async () => {
      const res = await request(t.app)
        .post('/process_message')
        .set('Content-Type', 'application/json')
        .send('{ "order": 42,\n  "item": "book" }');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'success',
        data: '{"order":42,"item":"book"}',
        messageId: expect.any(String),
      });
      const received = await t.backends.aws.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: t.backends.queueUrl,
          WaitTimeSeconds: 2,
          MaxNumberOfMessages: 10,
        }),
      );
      const message = received.Messages?.find((m) => m.MessageId === res.body.messageId);
      expect(message?.Body).toBe('{"order":42,"item":"book"}');
      await t.backends.aws.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: t.backends.queueUrl,
          ReceiptHandle: message?.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    });

    test('when a JSON array is posted, then 200 with its compact text', async () => {
      const res = await request(t.app)
        .post('/process_message')
        .send([1, { a: 'b' }]);
      expect(res.status).toBe(200);
      expect(res.body.data).toBe('[1,{"a":"b"}]');
    });

    test.each([
      ['an empty body', undefined],
      ['{}', '{}'],
      ['[]', '[]'],
    ])('when %s is posted as JSON, then 400 No message received', async (_what, body) => {
      const req = request(t.app).post('/process_message').set('Content-Type', 'application/json');
      const res = body === undefined ? await req : await req.send(body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ status: 'error', message: 'No message received' });
    });

    test('when nothing at all is posted, then 400 No message received', async () => {
      const res = await request(t.app).post('/process_message');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ status: 'error', message: 'No message received' });
    });

    test('when the JSON is malformed, then 400 Malformed JSON', async () => {
      const res = await request(t.app)
        .post('/process_message')
        .set('Content-Type', 'application/json')
        .send('{"a":');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ status: 'error', message: 'Malformed JSON' });
    });

    test('when the JSON is a bare string or number, then 400 naming the expected shape', async () => {
      const res = await request(t.app)
        .post('/process_message')
        .set('Content-Type', 'application/json')
        .send('"hello"');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ status: 'error', message: 'Message must be a JSON object or array' });
    });

    test.each(['text/plain', 'application/x-www-form-urlencoded'])(
      'when the Content-Type is %s, then 415',
      async (type) => {
        const res = await request(t.app).post('/process_message').set('Content-Type', type).send('a=1');
        expect(res.status).toBe(415);
        expect(res.body).toEqual({ status: 'error', message: 'Content-Type must be application/json' });
      },
    );

    test('when the body is over 256 KiB, then 413 and nothing is sent', async () => {
      const before = await queueDepth(t.backends);
      const res = await request(t.app)
        .post('/process_message')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ blob: 'x'.repeat(256 * 1024) }));
      expect(res.status).toBe(413);
      expect(res.body).toEqual({ status: 'error', message: 'Message too large' });
      expect(await queueDepth(t.backends)).toBe(before);
    });

    test('when a message id was never stored, then GET /messages/<id> is 404', async () => {
      const res = await request(t.app).get('/messages/00000000-0000-4000-8000-000000000000');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'Message not found' });
    });

    test('when GET /process_message, then 405', async () => {
      const res = await request(t.app).get('/process_message');
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST, OPTIONS');
    });
  });

  describe('the worker', () => {
    test('when the worker runs, then every posted message is stored, readable by id, and deleted from the queue', async () => {
      const sent = await request(t.app).post('/process_message').send({ hello: 'worker' });
      const { consumer } = startWorker(t.backends);
      try {
        await waitFor(
          async () => (await request(t.app).get(`/messages/${sent.body.messageId}`)).status === 200,
          'message stored',
        );
        const res = await request(t.app).get(`/messages/${sent.body.messageId}`);
        expect(res.body).toEqual({
          id: sent.body.messageId,
          content: '{"hello":"worker"}',
          received_at: expect.any(String),
        });
        expect(new Date(res.body.received_at).toISOString()).toBe(res.body.received_at);
        await waitFor(async () => (await queueDepth(t.backends)) === 0, 'queue drained');
      } finally {
        await stopWorker(consumer);
      }
    });

    test('when a message is redelivered after its write (crash before delete), then it is stored once and finally deleted', async () => {
      const sent = await request(t.app).post('/process_message').send({ redelivered: true });
      const id = sent.body.messageId as string;
      // A first worker receives and stores it, then "crashes" before deleting: the message becomes visible again.
      const received = await t.backends.aws.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: t.backends.queueUrl,
          WaitTimeSeconds: 2,
          MaxNumberOfMessages: 10,
        }),
      );
      const first = received.Messages?.find((m) => m.MessageId === id);
      expect(first).toBeDefined();
      const metrics = createMetrics({ defaultMetrics: false });
      const service = messagesService({
        table: messagesTable(t.backends.aws, t.backends.messagesTable),
        queue: noSend,
        metrics,
      });
      expect(await service.store(first ?? {}, new Date('2020-01-01T00:00:00.000Z'))).toBe('stored');
      await t.backends.aws.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: t.backends.queueUrl,
          ReceiptHandle: first?.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
      // The same handler called twice: the second write is a duplicate, not an error.
      expect(await service.store(first ?? {})).toBe('duplicate');

      const { consumer } = startWorker(t.backends);
      try {
        await waitFor(async () => (await queueDepth(t.backends)) === 0, 'redelivered message deleted');
      } finally {
        await stopWorker(consumer);
      }
      const stored = await t.backends.aws.doc.send(
        new ScanCommand({
          TableName: t.backends.messagesTable,
          FilterExpression: 'id = :id',
          ExpressionAttributeValues: { ':id': id },
        }),
      );
      expect(stored.Items).toEqual([
        { id, content: '{"redelivered":true}', received_at: '2020-01-01T00:00:00.000Z' },
      ]);
    });

    test('when a message can never be stored, then it is not deleted and lands in the dead-letter queue after maxReceiveCount', async () => {
      const sent = await request(t.app).post('/process_message').send({ poison: true });
      const { consumer, metrics } = startWorker(t.backends, 'table-that-does-not-exist');
      try {
        await waitFor(async () => (await queueDepth(t.backends)) === 0, 'message moved off the queue', 400);
      } finally {
        await stopWorker(consumer);
      }
      const dead = await t.backends.aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: t.backends.dlqUrl, WaitTimeSeconds: 2 }),
      );
      expect(dead.Messages?.map((m) => m.MessageId)).toEqual([sent.body.messageId]);
      expect(dead.Messages?.[0].Body).toBe('{"poison":true}');
      expect((await metrics.messagesFailed.get()).values[0].value).toBeGreaterThanOrEqual(2);
      expect((await request(t.app).get(`/messages/${sent.body.messageId}`)).status).toBe(404);
    });
  });
  describe('the dead-letter queue depth (MESSAGES_DLQ_URL)', () => {
    test('when the watched queue holds 3 messages, then dead_letter_queue_messages is 3, and it is not read again before the 60 s refresh', async () => {
      const url = await queueHolding(t.backends, 3);
      const real = deadLetterQueue(t.backends.aws, url);
      let reads = 0;
      const counted = {
        approximateMessages: (signal?: AbortSignal) => {
          reads += 1;
          return real.approximateMessages(signal);
        },
      };
      const metrics = createMetrics({ defaultMetrics: false });
      expect(sample(await scrape(metrics), DEPTH)).toBeUndefined();
      const watch = watchDeadLetterQueue({ queue: counted, metrics, logger: silent });
      try {
        await waitFor(async () => sample(await scrape(metrics), DEPTH) === 3, 'the first depth');
        await addMessages(t.backends, url, 2);
        await new Promise((r) => setTimeout(r, 1500));
        expect(reads).toBe(1);
        expect(sample(await scrape(metrics), DEPTH)).toBe(3);
        await watch.refresh();
        expect(sample(await scrape(metrics), DEPTH)).toBe(5);
      } finally {
        watch.stop();
        await t.backends.aws.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
      }
    });

    test('when the queue can no longer be read, then each failed read counts in dependency_errors_total{dependency="sqs"}, the last depth stays and the reads go on', async () => {
      const url = await queueHolding(t.backends, 1);
      const metrics = createMetrics({ defaultMetrics: false });
      const watch = watchDeadLetterQueue({
        queue: deadLetterQueue(t.backends.aws, url),
        metrics,
        logger: silent,
        refreshMs: 100,
      });
      try {
        await waitFor(async () => sample(await scrape(metrics), DEPTH) === 1, 'the first depth');
        await t.backends.aws.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
        await waitFor(async () => (sample(await scrape(metrics), SQS_ERRORS) ?? 0) >= 2, 'two failed reads');
        expect(sample(await scrape(metrics), DEPTH)).toBe(1);
        await expect(watch.refresh()).resolves.toBeUndefined();
      } finally {
        watch.stop();
      }
    });

    test('when the worker process runs with MESSAGES_DLQ_URL, then its /metrics reports the depth', async () => {
      const url = await queueHolding(t.backends, 2);
      const worker = await startWorkerProcess({ ...t.backends.env, MESSAGES_DLQ_URL: url });
      try {
        const metricsText = async () => (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
        await waitFor(
          async () => sample(await metricsText(), DEPTH) === 2,
          'the worker to report the depth',
          200,
        );
      } finally {
        await worker.kill();
        await t.backends.aws.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
      }
    });

    test('when the worker process is given a MESSAGES_DLQ_URL that does not exist, then it counts the failure, reports no depth, stays healthy and still stores messages', async () => {
      const missing = `${t.backends.queueUrl.replace(/[^/]+$/, '')}${uniqueName('msg-missing')}`;
      // A queue of its own: a worker killed by an earlier test may still hold a long poll on the
      // shared queue, which the emulator would answer with this test's message.
      const queue = await queueHolding(t.backends, 0);
      const worker = await startWorkerProcess({
        ...t.backends.env,
        MESSAGES_QUEUE_URL: queue,
        MESSAGES_DLQ_URL: missing,
      });
      try {
        const metricsText = async () => (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
        await waitFor(
          async () => (sample(await metricsText(), SQS_ERRORS) ?? 0) >= 1,
          'the failed read counted',
          200,
        );
        expect(sample(await metricsText(), DEPTH)).toBeUndefined();
        const sent = await t.backends.aws.sqs.send(
          new SendMessageCommand({ QueueUrl: queue, MessageBody: '{"despite":"no DLQ"}' }),
        );
        await waitFor(
          async () => (await request(t.app).get(`/messages/${sent.MessageId}`)).status === 200,
          'the message stored by the worker',
          400,
        );
        expect((await fetch(`http://127.0.0.1:${worker.port}/healthz`)).status).toBe(200);
      } finally {
        await worker.kill();
        await t.backends.aws.sqs.send(new DeleteQueueCommand({ QueueUrl: queue }));
      }
    });
  });
});
