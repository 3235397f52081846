import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric the service exposes, on its own registry (so tests and the bench can build several apps). */
export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly usersCreated: Counter;
  readonly avatarBytesStored: Counter;
  readonly messagesEnqueued: Counter;
  readonly messagesProcessed: Counter;
  readonly messagesFailed: Counter;
  readonly counterIncrements: Counter;
  readonly dependencyErrors: Counter<'dependency'>;
  /** 1 when the last readiness check of a dependency passed, 0 when it failed (api; absent before the first check). */
  readonly dependencyUp: Gauge<'dependency'>;
  /**
   * ApproximateNumberOfMessages of the messages' dead-letter queue (worker). Not in the registry
   * until a worker that reads the queue registers it, so that no process reports a depth it never read.
   */
  readonly deadLetterQueueMessages: Gauge;
}

export function createMetrics(options: { defaultMetrics?: boolean; prefix?: string } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: options.prefix });
  const p = options.prefix ?? '';
  const counter = (name: string, help: string) =>
    new Counter({ name: p + name, help, registers: [registry] });
  return {
    registry,
    httpDuration: new Histogram({
      name: `${p}http_request_duration_seconds`,
      help: 'HTTP request duration in seconds, by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    usersCreated: counter('users_created_total', 'Users created'),
    avatarBytesStored: counter('avatar_bytes_stored_total', 'Bytes of avatar images stored in S3'),
    messagesEnqueued: counter('messages_enqueued_total', 'Messages sent to the SQS queue'),
    messagesProcessed: counter(
      'messages_processed_total',
      'Messages stored by the worker (redeliveries included)',
    ),
    messagesFailed: counter(
      'messages_failed_total',
      'Messages the worker failed to store (left for redelivery / DLQ)',
    ),
    counterIncrements: counter('counter_increments_total', 'Increments of the Redis counter'),
    dependencyErrors: new Counter({
      name: `${p}dependency_errors_total`,
      help: 'Failed calls to a dependency, by dependency',
      labelNames: ['dependency'],
      registers: [registry],
    }),
    dependencyUp: new Gauge({
      name: `${p}dependency_up`,
      help: 'Whether the last readiness check of a dependency passed (1) or failed (0)',
      labelNames: ['dependency'],
      registers: [registry],
    }),
    deadLetterQueueMessages: new Gauge({
      name: `${p}dead_letter_queue_messages`,
      help: 'Messages on the dead-letter queue of the messages queue (ApproximateNumberOfMessages)',
      registers: [],
    }),
  };
}
