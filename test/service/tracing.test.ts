import { spawnSync } from 'node:child_process';
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChangeMessageVisibilityCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { tracingSettings } from '../../service/src/libraries/tracing';
import { waitFor } from './helpers/redis-server';
import { type ServiceProc, useServiceFixture } from './helpers/service-procs';

/** One span as an OTLP/HTTP JSON export carries it, with the `service.name` of its resource. */
interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
  readonly links: readonly { traceId: string; spanId: string }[];
}

const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: (Omit<ReceivedSpan, 'service' | 'attributes' | 'links'> & {
        attributes?: OtlpAttribute[];
        links?: { traceId: string; spanId: string }[];
      })[];
    }[];
  }[];
}

const valueOf = (v: OtlpValue): unknown =>
  v.arrayValue
    ? (v.arrayValue.values ?? []).map(valueOf)
    : (v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue);

const attributesOf = (list: OtlpAttribute[] = []): Record<string, unknown> =>
  Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

const bodyOf = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/**
 * An OTLP/HTTP trace receiver in the test process (what a collector would be): it keeps, in memory,
 * every span POSTed to /v1/traces in the JSON encoding (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`),
 * and the raw bodies of protobuf exports (the default encoding).
 */
async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const protobufBodies: Buffer[] = [];
  const rejected: string[] = [];
  const server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      const type = req.headers['content-type'] ?? '';
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !/json|x-protobuf/.test(type)) {
        rejected.push(`${req.method} ${req.url} ${type}`);
        res.writeHead(404).end();
        return;
      }
      if (type.includes('x-protobuf')) {
        // Kept as sent: an empty ExportTraceServiceResponse is an empty body.
        protobufBodies.push(body);
        res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end();
        return;
      }
      const payload = JSON.parse(body.toString('utf8')) as OtlpExport;
      for (const rs of payload.resourceSpans ?? []) {
        const service = String(attributesOf(rs.resource?.attributes)['service.name']);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              service,
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId || undefined,
              name: s.name,
              kind: s.kind,
              attributes: attributesOf(s.attributes),
              links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
            });
          }
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    /** The bodies of the exports in the protobuf encoding (not decoded). */
    protobufBodies,
    /** Requests that were not an OTLP/HTTP trace export. */
    rejected,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Parses the JSON log lines a process wrote (its stdout and stderr together). */
const logLines = (output: string): Record<string, unknown>[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const postJson = async (port: number, path: string, body?: unknown) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/**
 * What the tracing module leaves in a fresh Node process given `env`: the global tracer provider,
 * the propagation fields, and how many OpenTelemetry SDK or instrumentation modules it loaded.
 */
function registrationIn(env: Record<string, string>) {
  const script = [
    "require('./service/src/instrumentation');",
    "const api = require('@opentelemetry/api');",
    'const loaded = Object.keys(require.cache).filter((f) => /@opentelemetry[\\/](sdk-|instrumentation|exporter-)/.test(f));',
    'console.log(JSON.stringify({ provider: api.trace.getTracerProvider().getDelegate().constructor.name,',
    '  fields: api.propagation.fields(), loaded: loaded.length }));',
  ].join('\n');
  const out = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: `${__dirname}/../..`,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (out.status !== 0) throw new Error(`the probe process failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}') as {
    provider: string;
    fields: string[];
    loaded: number;
  };
}

describe('tracing: POST /process_message → SQS → worker → DynamoDB is one trace', () => {
  const fixture = useServiceFixture('trace');
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });
  // Each test's processes end with it: a worker left polling would take the next test's messages.
  const started: ServiceProc[] = [];
  afterEach(async () => {
    for (const p of started.splice(0)) await p.kill();
  });
  const startApi = async (env: Record<string, string>) => {
    const p = await fixture.startApi(env);
    started.push(p);
    return p;
  };
  /** Resolves once the worker has written the message to the messages table. */
  const waitUntilStored = (messageId: string) =>
    waitFor(
      async () => {
        const out = await fixture.backends.aws.doc.send(
          new GetCommand({ TableName: fixture.backends.messagesTable, Key: { id: messageId } }),
        );
        return out.Item !== undefined;
      },
      'the message in DynamoDB',
      400,
    );
  const startWorker = async (env: Record<string, string>) => {
    const p = await fixture.startWorker(env);
    started.push(p);
    return p;
  };

  const tracingEnv = () => ({
    LOG_LEVEL: 'info',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '200',
  });

  test('when the api and the worker trace, then the api request, the SQS send, the worker receive and process, and the DynamoDB write share one trace, and their log lines carry its ids', async () => {
    const api = await startApi(tracingEnv());
    // A 1 s long poll (half of SHUTDOWN_TIMEOUT_MS), and a few of them empty before the message is sent.
    const worker = await startWorker({ ...tracingEnv(), SHUTDOWN_TIMEOUT_MS: '2000' });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const queue = fixture.backends.queueUrl.slice(fixture.backends.queueUrl.lastIndexOf('/') + 1);

    const sent = await postJson(api.port, '/process_message', { order: 7, traced: true });
    expect(sent.status).toBe(200);
    const messageId = String(sent.body.messageId);
    // The worker stored it (the write the trace must reach).
    await waitUntilStored(messageId);

    const find = (predicate: (s: ReceivedSpan) => boolean) => receiver.spans.find(predicate);
    const request = () =>
      find((s) => s.service === 'api' && s.kind === SpanKind.SERVER && s.name === 'POST /process_message');
    const processSpan = () =>
      find(
        (s) =>
          s.service === 'worker' &&
          s.name === `${queue} process` &&
          s.attributes['messaging.message.id'] === messageId,
      );
    const write = () =>
      find(
        (s) =>
          s.service === 'worker' && s.name === 'DynamoDB.PutItem' && s.parentSpanId === processSpan()?.spanId,
      );
    const receive = () =>
      find(
        (s) =>
          s.service === 'worker' &&
          s.name === `${queue} receive` &&
          s.links.some((l) => l.traceId === request()?.traceId),
      );
    await waitFor(
      async () => !!(request() && processSpan() && write() && receive()),
      'the spans of both processes',
      400,
    );

    // The api: the server span of the request, and the SQS send (PRODUCER) inside it.
    const server = request()!;
    const trace = server.traceId;
    expect(server.parentSpanId).toBeUndefined();
    expect(server.attributes['http.route']).toBe('/process_message');
    const send = find((s) => s.traceId === trace && s.name === `${queue} send`);
    expect(send).toMatchObject({ service: 'api', kind: SpanKind.PRODUCER });
    expect(send?.attributes['messaging.message.id']).toBe(messageId);
    const ancestors = (span: ReceivedSpan | undefined): string[] => {
      const parent = span?.parentSpanId && find((s) => s.spanId === span.parentSpanId);
      return parent ? [parent.spanId, ...ancestors(parent)] : [];
    };
    expect(ancestors(send)).toContain(server.spanId);

    // The worker: its process span (CONSUMER) continues the trace from the send span, through the
    // traceparent message attribute; the DynamoDB write is its child.
    expect(processSpan()).toMatchObject({
      traceId: trace,
      parentSpanId: send?.spanId,
      kind: SpanKind.CONSUMER,
    });
    expect(write()).toMatchObject({ traceId: trace, kind: SpanKind.CLIENT });
    expect(write()?.attributes['aws.dynamodb.table_names']).toEqual([fixture.backends.messagesTable]);
    // The receive (one poll, possibly several messages) is a trace of its own that links to the send.
    expect(receive()?.links).toContainEqual({ traceId: trace, spanId: send?.spanId });

    // The logs: the api's access line and the worker's "message stored" line carry the ids.
    const accessLine = logLines(api.proc.output()).find(
      (l) => l.message === 'request completed' && l.path === '/process_message',
    );
    expect(accessLine).toMatchObject({ trace_id: trace, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const storedLine = logLines(worker.proc.output()).find(
      (l) => l.message === 'message stored' && l.messageId === messageId,
    );
    expect(storedLine).toMatchObject({ trace_id: trace, span_id: processSpan()?.spanId, trace_flags: '01' });
    // Its empty polls, which ended before the spans above, were not exported (each would be a trace of its own).
    expect(
      receiver.spans.filter(
        (s) => s.name === `${queue} receive` && s.attributes['messaging.batch.message_count'] === 0,
      ),
    ).toEqual([]);
    // Probes are not traced.
    expect(receiver.spans.filter((s) => s.name.includes('/readyz') || s.name.includes('/healthz'))).toEqual(
      [],
    );
    expect(receiver.rejected).toEqual([]);
  });

  test('when the counter is written while tracing, then the Redis command is a span of that request', async () => {
    const api = await startApi(tracingEnv());
    expect((await postJson(api.port, '/write')).status).toBe(200);
    const server = () => receiver.spans.find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /write');
    const incr = () =>
      receiver.spans.find(
        (s) => s.traceId === server()?.traceId && s.kind === SpanKind.CLIENT && s.name === 'incr',
      );
    await waitFor(async () => !!incr(), 'the Redis span', 400);
    expect(incr()?.attributes).toMatchObject({ 'db.system.name': 'redis', 'db.operation.name': 'incr' });
  });

  test('when the api stops on SIGTERM, then the spans still buffered are exported before it exits, in the default protobuf encoding', async () => {
    // A batch delay far beyond the test: only the flush at shutdown can send the span. No protocol
    // set: OTLP/HTTP protobuf, what the chart's deployments use.
    const api = await startApi({
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
    });
    expect((await fetch(`http://127.0.0.1:${api.port}/read`)).status).toBe(200);
    const traceId = () =>
      logLines(api.proc.output()).find((l) => l.message === 'request completed' && l.path === '/read')
        ?.trace_id;
    await waitFor(async () => traceId() !== undefined, 'the access line', 100);
    // The protobuf body holds the trace id as 16 raw bytes and the span name as UTF-8.
    const exported = () =>
      receiver.protobufBodies.some(
        (b) => b.includes(Buffer.from(String(traceId()), 'hex')) && b.includes(Buffer.from('GET /read')),
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(exported()).toBe(false);
    api.proc.child.kill('SIGTERM');
    expect(await api.proc.exit).toBe(0);
    expect(exported()).toBe(true);
  });

  test('when no OTEL variable is set, then no SDK is registered and no OpenTelemetry SDK module is even loaded', () => {
    expect(registrationIn({})).toEqual({ provider: 'NoopTracerProvider', fields: [], loaded: 0 });
    expect(
      registrationIn({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }),
    ).toEqual({
      provider: 'NoopTracerProvider',
      fields: [],
      loaded: 0,
    });
    // The same probe sees the SDK when the endpoint is set (so the check above can fail).
    const on = registrationIn({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
    expect(on.provider).toBe('NodeTracerProvider');
    expect(on.fields).toEqual(['traceparent', 'tracestate']);
    expect(on.loaded).toBeGreaterThan(0);
  });

  test('when tracing is off, then the message carries no trace attributes and no log line has trace fields', async () => {
    const api = await startApi({ LOG_LEVEL: 'info' });
    const sent = await postJson(api.port, '/process_message', { untraced: true });
    expect(sent.status).toBe(200);
    // Read the message before any worker does: no traceparent / tracestate attributes.
    const { aws, queueUrl } = fixture.backends;
    let message: { MessageId?: string; MessageAttributes?: object; ReceiptHandle?: string } | undefined;
    await waitFor(
      async () => {
        const out = await aws.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MessageAttributeNames: ['All'],
            WaitTimeSeconds: 1,
            MaxNumberOfMessages: 10,
          }),
        );
        message = out.Messages?.find((m) => m.MessageId === sent.body.messageId) ?? message;
        return message !== undefined;
      },
      'the message on the queue',
      40,
    );
    expect(message?.MessageAttributes).toBeUndefined();
    await aws.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    // The worker stores it, untraced.
    const worker = await startWorker({ LOG_LEVEL: 'info' });
    await waitUntilStored(String(sent.body.messageId));
    await waitFor(async () => worker.proc.output().includes('message stored'), 'the worker log line', 100);

    const lines = [...logLines(api.proc.output()), ...logLines(worker.proc.output())];
    expect(lines.some((l) => l.message === 'request completed' && l.path === '/process_message')).toBe(true);
    expect(lines.some((l) => l.message === 'message stored')).toBe(true);
    expect(lines.filter((l) => 'trace_id' in l || 'span_id' in l)).toEqual([]);
  });
});

describe('tracing settings: the OTEL_* variables that turn it on', () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
  test.each([
    { what: 'nothing is set', env: {}, exporters: [] },
    { what: 'the endpoint is blank', env: { OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, exporters: [] },
    { what: 'OTEL_EXPORTER_OTLP_ENDPOINT is set', env: endpoint, exporters: ['otlp'] },
    {
      what: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set',
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' },
      exporters: ['otlp'],
    },
    {
      what: 'OTEL_TRACES_EXPORTER=console',
      env: { OTEL_TRACES_EXPORTER: 'console' },
      exporters: ['console'],
    },
    {
      what: 'OTEL_TRACES_EXPORTER=otlp, console',
      env: { OTEL_TRACES_EXPORTER: 'otlp, console' },
      exporters: ['otlp', 'console'],
    },
    {
      what: 'OTEL_TRACES_EXPORTER=none beside an endpoint',
      env: { ...endpoint, OTEL_TRACES_EXPORTER: 'none' },
      exporters: [],
    },
    {
      what: 'OTEL_SDK_DISABLED=true beside an endpoint',
      env: { ...endpoint, OTEL_SDK_DISABLED: 'true' },
      exporters: [],
    },
  ])('when $what, then the exporters are $exporters', ({ env, exporters }) => {
    const settings = tracingSettings(env);
    expect(settings).toMatchObject({ enabled: exporters.length > 0, exporters, warnings: [] });
  });

  test('when the protocol is http/json, then OTLP is sent as JSON; when it is unsupported, then protobuf and a warning', () => {
    expect(tracingSettings({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).protocol).toBe(
      'http/json',
    );
    expect(tracingSettings(endpoint).protocol).toBe('http/protobuf');
    const grpc = tracingSettings({ ...endpoint, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' });
    expect(grpc).toMatchObject({ enabled: true, protocol: 'http/protobuf' });
    expect(grpc.warnings).toEqual([expect.stringContaining('"grpc" is not supported')]);
  });

  test('when the only exporter named is unknown, then tracing stays off and says why', () => {
    const zipkin = tracingSettings({ OTEL_TRACES_EXPORTER: 'zipkin' });
    expect(zipkin).toMatchObject({ enabled: false, exporters: [] });
    expect(zipkin.warnings).toEqual([expect.stringContaining('unsupported exporter "zipkin"')]);
  });
});
