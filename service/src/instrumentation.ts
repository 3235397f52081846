import { basename } from 'node:path';
import { startTracing } from './libraries/tracing';

/**
 * The first import of server.ts and worker.ts: OpenTelemetry's instrumentations patch http, express,
 * ioredis and the AWS SDK when those are loaded, so the SDK must be registered before any of them is.
 * The compiled CommonJS evaluates imports in order, so importing this module first is enough: the
 * image still runs `node dist/server.js` / `node dist/worker.js`.
 *
 * Tracing is on only when the environment asks for it (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_TRACES_EXPORTER, libraries/tracing/settings.ts); otherwise nothing is loaded and requests pay
 * nothing. `service.name` defaults to the process role, `api` or `worker`, as in the logs.
 */
const entry = basename(process.argv[1] ?? '').replace(/\.[cm]?[jt]s$/, '');
startTracing(process.env, entry === 'worker' ? 'worker' : 'api');
