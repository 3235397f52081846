import { z } from 'zod';

/** Which process is starting: the HTTP api needs Redis, the SQS worker does not. */
export type ProcessKind = 'api' | 'worker';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Treat an empty environment variable like an unset one (Kubernetes often renders `""`). */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** An integer in [min, max]; absent or blank stays undefined (for defaults derived from other variables). */
const optionalIntegerIn = (min: number, max: number) =>
  optionalString.pipe(
    z
      .string()
      .regex(/^\d+$/, { message: `must be an integer between ${min} and ${max}` })
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(min, { message: `must be at least ${min}` })
          .max(max, { message: `must be at most ${max}` }),
      )
      .optional(),
  );

/** An integer in [min, max]; absent or blank gives `fallback`. */
const integerIn = (min: number, max: number, fallback: number) =>
  optionalIntegerIn(min, max).transform((v) => v ?? fallback);

const booleanFlag = optionalString.pipe(
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .optional()
    .transform((v) => v === 'true' || v === '1' || v === 'yes'),
);

const url = (protocols: RegExp, what: string) =>
  optionalString.pipe(
    z
      .string()
      .refine((v) => URL.canParse(v) && protocols.test(new URL(v).protocol), { message: `must be ${what}` })
      .optional(),
  );

const secretArn = optionalString.pipe(
  z.string().startsWith('arn:', { message: 'must be a Secrets Manager ARN' }).optional(),
);

/** The environment as the reference systems named it, read once. Secrets stay strings and are never printed. */
const envSchema = z.object({
  PORT: integerIn(1, 65535, 8080),
  AWS_REGION: optionalString,
  AWS_DEFAULT_REGION: optionalString,
  AWS_ENDPOINT_URL: url(/^https?:$/, 'an http(s) URL'),
  USERS_TABLE: optionalString,
  DYNAMODB_TABLE: optionalString,
  MESSAGES_TABLE: optionalString,
  AVATARS_BUCKET: optionalString,
  S3_BUCKET: optionalString,
  MESSAGES_QUEUE_URL: url(/^https?:$/, 'an http(s) SQS queue URL'),
  MESSAGES_DLQ_URL: url(/^https?:$/, 'an http(s) SQS queue URL'),
  REDIS_URL: url(/^rediss?:$/, 'a redis:// or rediss:// URL'),
  REDIS_HOST: optionalString,
  REDIS_PORT: integerIn(1, 65535, 6379),
  REDIS_TLS: booleanFlag,
  REDIS_PASSWORD: optionalString,
  REDIS_AUTH_SECRET_ARN: secretArn,
  REDIS_REPLICATION_GROUP_ID: optionalString,
  APP_SECRET_ARN: secretArn,
  APP_VERSION: optionalString,
  API_BASE_URL: optionalString,
  LOG_LEVEL: optionalString.pipe(
    z
      .string()
      .transform((v) => v.toLowerCase())
      .pipe(z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }))
      .optional(),
  ),
  MAX_CONNECTIONS: integerIn(1, 1_000_000, 10),
  SECRET_KEY: optionalString,
  DB_PASSWORD: optionalString,
  AVATAR_MAX_BYTES: integerIn(1, 100 * 1024 * 1024, 5 * 1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: integerIn(1000, 600_000, 10_000),
  SHUTDOWN_DRAIN_DELAY_MS: optionalIntegerIn(0, 600_000),
  HTTP_REQUEST_TIMEOUT_MS: integerIn(1000, 3_600_000, 60_000),
  HTTP_HEADERS_TIMEOUT_MS: integerIn(1000, 3_600_000, 10_000),
});

/** The api's default drain delay: a quarter of the shutdown budget, at most 5 s. */
export const defaultDrainDelayMs = (shutdownTimeoutMs: number): number =>
  Math.min(5000, Math.floor(shutdownTimeoutMs / 4));

export interface RedisSettings {
  /** `redis://` or `rediss://` URL; when absent, host/port (or the replication group) are used. */
  readonly url?: string;
  readonly host?: string;
  readonly port: number;
  readonly tls: boolean;
  readonly password?: string;
  readonly authSecretArn?: string;
  readonly replicationGroupId?: string;
}

export interface Config {
  readonly port: number;
  readonly region: string;
  readonly endpoint?: string;
  readonly usersTable: string;
  readonly messagesTable: string;
  readonly avatarsBucket: string;
  readonly queueUrl: string;
  /** MESSAGES_DLQ_URL: the messages queue's dead-letter queue; when set, the worker reports its depth. */
  readonly deadLetterQueueUrl?: string;
  readonly redis: RedisSettings;
  readonly appVersion: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** What `/config` shows: raw values or the documented defaults, never a secret. */
  readonly publicConfig: { API_BASE_URL: string; LOG_LEVEL: string; MAX_CONNECTIONS: string };
  /**
   * `APP_SECRET_ARN`: a Secrets Manager secret (JSON with `SECRET_KEY`, optionally `DB_PASSWORD`) that
   * `withAppSecret` reads at start-up to fill `secrets`; an explicit variable wins over the secret.
   */
  readonly appSecretArn?: string;
  /** Secret values, kept only so that the logger can scrub them and `/config` can say "Yes"/"No". */
  readonly secrets: { SECRET_KEY?: string; DB_PASSWORD?: string; REDIS_PASSWORD?: string };
  readonly avatarMaxBytes: number;
  /** SHUTDOWN_TIMEOUT_MS: the whole shutdown, from the signal to the exit (exit 1 when it runs out). */
  readonly shutdownTimeoutMs: number;
  /**
   * SHUTDOWN_DRAIN_DELAY_MS: how long the api keeps answering after SIGTERM (readiness 503, every
   * response with `Connection: close`) before it stops accepting; below shutdownTimeoutMs.
   */
  readonly shutdownDrainDelayMs: number;
  /** HTTP_REQUEST_TIMEOUT_MS: the whole request (headers and body) must arrive within it, else 408. */
  readonly requestTimeoutMs: number;
  /** HTTP_HEADERS_TIMEOUT_MS: the request headers must arrive within it, else 408; at most requestTimeoutMs. */
  readonly headersTimeoutMs: number;
}

/** A configuration problem: its message is one line naming the variable, never its value. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const packageVersion = (): string => (require('../../../package.json') as { version: string }).version;

/** Parses the environment once; throws a ConfigError naming the first bad or missing variable. */
export function loadConfig(env: NodeJS.ProcessEnv, kind: ProcessKind = 'api'): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid configuration: ${String(issue.path[0])} ${issue.message}`);
  }
  const e = parsed.data;
  const required = (value: string | undefined, name: string): string => {
    if (value === undefined) throw new ConfigError(`Invalid configuration: ${name} is required`);
    return value;
  };
  const region = required(e.AWS_REGION ?? e.AWS_DEFAULT_REGION, 'AWS_REGION');
  const usersTable =
    kind === 'api'
      ? required(e.USERS_TABLE ?? e.DYNAMODB_TABLE, 'USERS_TABLE')
      : (e.USERS_TABLE ?? e.DYNAMODB_TABLE ?? '');
  const avatarsBucket =
    kind === 'api'
      ? required(e.AVATARS_BUCKET ?? e.S3_BUCKET, 'AVATARS_BUCKET')
      : (e.AVATARS_BUCKET ?? e.S3_BUCKET ?? '');
  if (kind === 'api' && !e.REDIS_URL && !e.REDIS_HOST && !e.REDIS_REPLICATION_GROUP_ID) {
    throw new ConfigError(
      'Invalid configuration: REDIS_URL is required (or REDIS_HOST, or REDIS_REPLICATION_GROUP_ID)',
    );
  }
  const shutdownDrainDelayMs = e.SHUTDOWN_DRAIN_DELAY_MS ?? defaultDrainDelayMs(e.SHUTDOWN_TIMEOUT_MS);
  if (shutdownDrainDelayMs >= e.SHUTDOWN_TIMEOUT_MS) {
    throw new ConfigError(
      'Invalid configuration: SHUTDOWN_DRAIN_DELAY_MS must be below SHUTDOWN_TIMEOUT_MS (the drain delay is part of the shutdown time)',
    );
  }
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      'Invalid configuration: HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS',
    );
  }
  return {
    port: e.PORT,
    region,
    endpoint: e.AWS_ENDPOINT_URL,
    usersTable,
    messagesTable: required(e.MESSAGES_TABLE, 'MESSAGES_TABLE'),
    avatarsBucket,
    queueUrl: required(e.MESSAGES_QUEUE_URL, 'MESSAGES_QUEUE_URL'),
    deadLetterQueueUrl: e.MESSAGES_DLQ_URL,
    redis: {
      url: e.REDIS_URL,
      host: e.REDIS_HOST,
      port: e.REDIS_PORT,
      tls: e.REDIS_TLS,
      password: e.REDIS_PASSWORD,
      authSecretArn: e.REDIS_AUTH_SECRET_ARN,
      replicationGroupId: e.REDIS_REPLICATION_GROUP_ID,
    },
    appSecretArn: e.APP_SECRET_ARN,
    appVersion: e.APP_VERSION ?? packageVersion(),
    logLevel: e.LOG_LEVEL ?? 'info',
    publicConfig: {
      API_BASE_URL: e.API_BASE_URL ?? 'not configured',
      LOG_LEVEL: env.LOG_LEVEL?.trim() || 'INFO',
      MAX_CONNECTIONS: String(e.MAX_CONNECTIONS),
    },
    secrets: { SECRET_KEY: e.SECRET_KEY, DB_PASSWORD: e.DB_PASSWORD, REDIS_PASSWORD: e.REDIS_PASSWORD },
    avatarMaxBytes: e.AVATAR_MAX_BYTES,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainDelayMs,
    requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
  };
}

/** For the process entry points: one line on stderr (a ConfigError's message, never a value) and exit 1. */
export function exitOnConfigError(err: unknown): never {
  const message = err instanceof ConfigError ? err.message : 'Invalid configuration';
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** For the process entry points: parse or print one line to stderr and exit 1. */
export function loadConfigOrExit(kind: ProcessKind): Config {
  try {
    return loadConfig(process.env, kind);
  } catch (err) {
    exitOnConfigError(err);
  }
}
