import './instrumentation';
import { createMessageConsumer } from './components/messages/entry-points/message-queue/consumer';
import { deadLetterQueue } from './components/messages/data-access/dead-letter-queue';
import { messagesTable } from './components/messages/data-access/messages-store';
import { watchDeadLetterQueue } from './components/messages/domain/dead-letter-watch';
import { messagesService } from './components/messages/domain/messages';
import { createAwsClients } from './libraries/aws';
import { loadConfigOrExit } from './libraries/config';
import { createHttpServer } from './libraries/http';
import { installProcessLifecycle } from './libraries/lifecycle';
import { createLogger } from './libraries/logger';
import { createMetrics } from './libraries/metrics';
import { shutdownTracing } from './libraries/tracing';

/**
 * The worker process: long-polls SQS and stores each message once in the messages table.
 * It serves `/healthz` (also `/readyz`; 503 once stopping) and `/metrics` on PORT for probes and scraping. On SIGTERM
 * (libraries/lifecycle) it stops polling, finishes the messages in hand, closes its health server and
 * the SDK clients, and exits 0 before SHUTDOWN_TIMEOUT_MS (1 if the timeout forces it).
 */
function main(): void {
  const config = loadConfigOrExit('worker');
  const logger = createLogger({
    level: config.logLevel,
    secretValues: Object.values(config.secrets),
    base: { service: 'worker', version: config.appVersion },
  });
  const aws = createAwsClients({
    region: config.region,
    endpoint: config.endpoint,
    requestTimeoutMs: 30_000,
  });
  const metrics = createMetrics();
  const service = messagesService({
    table: messagesTable(aws, config.messagesTable),
    metrics,
    queue: { send: () => Promise.reject(new Error('the worker does not send')) },
  });
  // The long poll is not aborted on SIGTERM (deletes of messages in hand share its abort signal), so it
  // must end well inside the drain time: half of SHUTDOWN_TIMEOUT_MS, at most SQS's 20 s.
  const waitTimeSeconds = Math.max(1, Math.min(20, Math.floor(config.shutdownTimeoutMs / 2000)));
  const consumer = createMessageConsumer({
    queueUrl: config.queueUrl,
    sqs: aws.sqs,
    service,
    logger,
    waitTimeSeconds,
    drainTimeoutMs: config.shutdownTimeoutMs - 1000,
  });
  // With MESSAGES_DLQ_URL set, `dead_letter_queue_messages` reports the DLQ's depth (read every 60 s).
  const deadLetters = config.deadLetterQueueUrl
    ? watchDeadLetterQueue({ queue: deadLetterQueue(aws, config.deadLetterQueueUrl), metrics, logger })
    : undefined;

  const state = { shuttingDown: false };
  const server = createHttpServer((req, res) => {
    if (req.url === '/healthz' || req.url === '/readyz') {
      const stopping = state.shuttingDown;
      res
        .writeHead(stopping ? 503 : 200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ status: stopping ? 'stopping' : 'ok' }));
    } else if (req.url === '/metrics') {
      void metrics.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text));
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'Not Found' }));
    }
  }, config);

  const stopped = new Promise<void>((resolve) => consumer.once('stopped', () => resolve()));
  const lifecycle = installProcessLifecycle({
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    state,
    // No load balancer sends to the worker: its health server closes as soon as the consumer has stopped.
    http: { server, drainDelayMs: 0 },
    stopWork: async () => {
      deadLetters?.stop();
      logger.info('stopping the consumer: finishing the messages in hand');
      consumer.stop();
      await stopped;
    },
    cleanup: async () => {
      aws.destroy();
      await shutdownTracing();
    },
  });
  // The consumer stops only when asked; should it stop by itself, the process shuts down as on SIGTERM.
  void stopped.then(() => {
    if (!state.shuttingDown) {
      logger.warn('the consumer stopped by itself: shutting down');
      lifecycle.shutdown();
    }
  });
  server.once('error', (err) => {
    logger.fatal({ err, port: config.port }, 'cannot listen');
    logger.flush();
    process.exit(1);
  });
  server.listen(config.port, () =>
    logger.info({ port: config.port, queueUrl: config.queueUrl }, 'worker polling'),
  );
  consumer.start();
}

main();
