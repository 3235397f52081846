import type { Logger } from '../../../libraries/logger';
import type { Metrics } from '../../../libraries/metrics';
import type { DeadLetterQueue } from '../data-access/dead-letter-queue';

/** How often the depth is read: the alert on it needs minutes, not seconds, and each read is a billed SQS call. */
export const DEAD_LETTER_REFRESH_MS = 60_000;

export interface DeadLetterWatch {
  /** Reads the depth now and sets the gauge; never rejects (a failure is counted and logged). */
  refresh(): Promise<void>;
  /** Stops the timer and aborts a read in flight. */
  stop(): void;
}

/**
 * Reports the dead-letter queue's depth as `dead_letter_queue_messages`: read once at start, then
 * `refreshMs` after each read ends (so reads never overlap and come at most that often). The gauge
 * appears in the registry with the first depth read. A failed read is counted in
 * `dependency_errors_total{dependency="sqs"}` and logged at warn; the gauge keeps the last depth
 * read, and nothing is thrown (the worker goes on consuming).
 */
export function watchDeadLetterQueue(deps: {
  queue: DeadLetterQueue;
  metrics: Metrics;
  logger: Logger;
  refreshMs?: number;
}): DeadLetterWatch {
  const { queue, metrics, logger } = deps;
  const refreshMs = deps.refreshMs ?? DEAD_LETTER_REFRESH_MS;
  const gauge = metrics.deadLetterQueueMessages;
  let registered = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: AbortController | undefined;

  const refresh = async (): Promise<void> => {
    const controller = new AbortController();
    inFlight = controller;
    try {
      gauge.set(await queue.approximateMessages(controller.signal));
      // Registered with the first depth read: until then the worker reports none (not a 0 it never read).
      if (!registered) metrics.registry.registerMetric(gauge);
      registered = true;
    } catch (err) {
      if (controller.signal.aborted) return;
      metrics.dependencyErrors.inc({ dependency: 'sqs' });
      logger.warn({ err, dependency: 'sqs' }, 'cannot read the dead-letter queue depth');
    } finally {
      if (inFlight === controller) inFlight = undefined;
    }
  };
  const loop = (): void => {
    void refresh().then(() => {
      if (stopped) return;
      timer = setTimeout(loop, refreshMs);
      timer.unref();
    });
  };
  loop();
  return {
    refresh,
    stop() {
      stopped = true;
      clearTimeout(timer);
      inFlight?.abort();
    },
  };
}
