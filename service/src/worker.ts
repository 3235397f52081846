import { createServer } from 'node:http';
import { createMessageConsumer } from './components/messages/api/consumer';
import { messagesTable } from './components/messages/data-access/messages-store';
import { messagesService } from './components/messages/domain/messages';
import { createAwsClients } from './libraries/aws';
import { loadConfigOrExit } from './libraries/config';
import { createLogger } from './libraries/logger';
import { createMetrics } from './libraries/metrics';

/**
 * The worker process: long-polls SQS and stores each message once in the messages table.
 * It serves `/healthz` (also `/readyz`; 503 once stopping) and `/metrics` on PORT for probes and scraping. On SIGTERM it stops
 * polling, finishes the messages in hand, and exits before SHUTDOWN_TIMEOUT_MS.
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

  let stopping = false;
  const server = createServer((req, res) => {
    if (req.url === '/healthz' || req.url === '/readyz') {
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
  });
  server.listen(config.port, () =>
    logger.info({ port: config.port, queueUrl: config.queueUrl }, 'worker polling'),
  );

  consumer.on('stopped', () => {
    server.close();
    aws.destroy();
    logger.info('stopped');
    logger.flush();
    process.exit(0);
  });
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing messages in hand');
    setTimeout(() => {
      logger.error('drain timed out; exiting');
      logger.flush();
      process.exit(1);
    }, config.shutdownTimeoutMs - 500).unref();
    consumer.stop();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  consumer.start();
}

main();
