import pino, { type DestinationStream, type Logger } from 'pino';
import { traceLogFields, tracingActive } from '../tracing';

export type { Logger } from 'pino';

/** Paths whose values are never written, whatever else a log call passes. */
const REDACT_PATHS = [
  'authorization',
  'password',
  'token',
  'secret',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  '*.authorization',
  '*.password',
  '*.token',
  '*.authToken',
  '*.AuthToken',
  '*.auth_token',
  '*.SecretString',
  '*.SECRET_KEY',
  '*.DB_PASSWORD',
  '*.REDIS_PASSWORD',
  'SECRET_KEY',
  'DB_PASSWORD',
  'REDIS_PASSWORD',
  'secrets',
  '*.secrets',
];

export interface LoggerOptions {
  readonly level: string;
  /** Secret values to scrub from every line, wherever they appear (error messages included). */
  readonly secretValues?: readonly (string | undefined)[];
  /** Where lines go; stdout when absent (tests pass a memory stream). */
  readonly destination?: DestinationStream;
  readonly base?: Record<string, unknown>;
}

const escapeForJson = (value: string): string => JSON.stringify(value).slice(1, -1);

/**
 * JSON logs (pino) with path-based redaction plus a last pass that replaces any known secret value,
 * so a secret that slips into an error message is still not written.
 */
export function createLogger(options: LoggerOptions): Logger {
  const secrets = [...new Set((options.secretValues ?? []).filter((s): s is string => !!s && s.length >= 3))]
    .flatMap((s) => [...new Set([s, escapeForJson(s)])])
    .sort((a, b) => b.length - a.length);
  return pino(
    {
      level: options.level,
      base: options.base ?? { service: 'api' },
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      // While tracing, each line written inside a span carries its trace_id and span_id.
      ...(tracingActive() ? { mixin: traceLogFields } : {}),
      ...(secrets.length > 0
        ? {
            hooks: {
              // A line without any secret (nearly all of them) is returned as it is, unsplit.
              streamWrite: (line: string) =>
                secrets.reduce((out, s) => (out.includes(s) ? out.split(s).join('[Redacted]') : out), line),
            },
          }
        : {}),
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
