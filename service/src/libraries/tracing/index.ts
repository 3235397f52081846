import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  context,
  isSpanContextValid,
  propagation,
  trace,
} from '@opentelemetry/api';
import type { RegisteredTracing } from './sdk';
import { tracingSettings } from './settings';

export { tracingSettings, type TracingSettings } from './settings';

/**
 * Tracing of the api and the worker (OpenTelemetry). `startTracing` runs first in each process
 * (service/src/instrumentation.ts); when the environment does not ask for tracing (settings.ts) it
 * loads nothing, and every helper below returns at once: no span, no context lookup per request.
 */

let registered: RegisteredTracing | undefined;

/** True once the SDK runs in this process. */
export const tracingActive = (): boolean => registered !== undefined;

/**
 * Starts the SDK and the instrumentations when the environment asks for tracing. `serviceName` is
 * the `service.name` unless OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) names it.
 */
export function startTracing(env: NodeJS.ProcessEnv, serviceName: string): boolean {
  const settings = tracingSettings(env);
  for (const warning of settings.warnings) process.emitWarning(warning, 'TracingWarning');
  if (!settings.enabled || registered) return tracingActive();
  // Required here, not imported: with tracing off the SDK and its require hooks are never loaded.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('./sdk') as typeof import('./sdk');
  registered = sdk.registerTracing(settings, serviceName);
  return true;
}

/** Exports the buffered spans and stops the SDK, giving up after `timeoutMs` (a collector that hangs must not hold the shutdown). */
export async function shutdownTracing(timeoutMs = 2000): Promise<void> {
  const current = registered;
  if (!current) return;
  registered = undefined;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    current.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
  ]);
  clearTimeout(timer);
}

/** The W3C trace context fields, carried as SQS message attributes from the api to the worker. */
export const TRACE_CONTEXT_FIELDS = ['traceparent', 'tracestate'] as const;

type MessageAttributes = Record<string, MessageAttributeValue>;

const attributeSetter: TextMapSetter<MessageAttributes> = {
  set: (carrier, key, value) => {
    carrier[key] = { DataType: 'String', StringValue: value };
  },
};

const attributeGetter: TextMapGetter<MessageAttributes | undefined> = {
  keys: (carrier) => Object.keys(carrier ?? {}),
  get: (carrier, key) => carrier?.[key]?.StringValue,
};

/** The active trace context as SQS message attributes (`traceparent`, `tracestate`); undefined when not tracing. */
export function traceContextAttributes(): MessageAttributes | undefined {
  if (!registered) return undefined;
  const carrier: MessageAttributes = {};
  propagation.inject(context.active(), carrier, attributeSetter);
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/**
 * Runs `handle` in the worker's span for one SQS message: `<queue> process` (kind CONSUMER), a child
 * of the trace context the message carries, so the api request and the write it leads to are one
 * trace. A failure is recorded on the span and rethrown.
 */
export async function inMessageSpan<T>(
  message: Message,
  queueUrl: string,
  handle: () => Promise<T>,
): Promise<T> {
  if (!registered) return handle();
  const parent = propagation.extract(ROOT_CONTEXT, message.MessageAttributes, attributeGetter);
  const queue = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
  const tracer = trace.getTracer('eks-service.messages');
  const attributes = {
    'messaging.system': 'aws_sqs',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': queue,
    ...(message.MessageId ? { 'messaging.message.id': message.MessageId } : {}),
  };
  return tracer.startActiveSpan(
    `${queue} process`,
    { kind: SpanKind.CONSUMER, attributes },
    parent,
    async (span) => {
      try {
        return await handle();
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** Log fields of the active span (`trace_id`, `span_id`, `trace_flags`); none outside a span. */
export function traceLogFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const ids = span.spanContext();
  if (!isSpanContextValid(ids)) return {};
  return { trace_id: ids.traceId, span_id: ids.spanId, trace_flags: `0${ids.traceFlags.toString(16)}` };
}
