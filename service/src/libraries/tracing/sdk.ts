import type { IncomingMessage } from 'node:http';
import { type Context, SpanKind } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import type { TracingSettings } from './settings';

/**
 * The OpenTelemetry SDK of the api and the worker, loaded only when tracing is on (libraries/tracing
 * requires this module then, and only then). The exporters, the batch processor and the sampler read
 * their own standard variables: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT / _HEADERS / _TIMEOUT, OTEL_BSP_*,
 * OTEL_TRACES_SAMPLER(_ARG). OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES name the process.
 */

/** Probe and scrape requests: no spans (they would be most of the traffic and say nothing). */
const UNTRACED_PATHS = new Set(['/healthz', '/health', '/health-check', '/readyz', '/ready', '/metrics']);

const untraced = (req: IncomingMessage): boolean => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]);

function exporterFor(name: TracingSettings['exporters'][number], settings: TracingSettings): SpanExporter {
  if (name === 'console') return new ConsoleSpanExporter();
  return settings.protocol === 'http/json' ? new OtlpJsonExporter() : new OtlpProtobufExporter();
}

/**
 * Passes every span on except the receive span of an SQS poll that returned no message: an idle
 * worker long-polls all the time, and each empty poll would be a trace of its own.
 */
class WithoutEmptyPolls implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}
  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }
  onEnd(span: ReadableSpan): void {
    if (span.kind === SpanKind.CONSUMER && span.attributes['messaging.batch.message_count'] === 0) return;
    this.next.onEnd(span);
  }
  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

export interface RegisteredTracing {
  /** Exports the spans still buffered and stops the SDK. */
  shutdown(): Promise<void>;
}

/**
 * Registers the global tracer provider (W3C trace context propagation, AsyncLocalStorage context) and
 * the HTTP, Express, AWS SDK and ioredis instrumentations. Must run before those modules are loaded.
 */
export function registerTracing(settings: TracingSettings, serviceName: string): RegisteredTracing {
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': serviceName }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: settings.exporters.map(
      (name) => new WithoutEmptyPolls(new BatchSpanProcessor(exporterFor(name, settings))),
    ),
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: untraced }),
      // One span per route handler; the middleware and routers in front of it (request id, security
      // headers, body limits) would each add a span of their own to every request.
      new ExpressInstrumentation({
        ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER],
      }),
      // The SDK's own HTTP requests get no span of their own under each AWS call.
      new AwsInstrumentation({ suppressInternalInstrumentation: true }),
      // Redis commands only inside a traced operation (not the connection's own PINGs and INFO).
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  return {
    async shutdown() {
      unregister();
      await provider.shutdown();
    },
  };
}
