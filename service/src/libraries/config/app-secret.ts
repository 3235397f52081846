import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Config, ConfigError, exitOnConfigError } from './index';

const fail = (problem: string): never => {
  throw new ConfigError(`Invalid configuration: APP_SECRET_ARN ${problem}`);
};

/** Names the AWS error (no secret value can be in it: the read failed), on one line. */
const describeReadError = (err: unknown): string => {
  const e = err as { name?: unknown; message?: unknown };
  const text = [e?.name, e?.message].filter((p) => typeof p === 'string' && p !== '').join(': ');
  return (text || 'unknown error').replace(/\s+/g, ' ').slice(0, 300);
};

/** The secret's JSON object, or undefined; never echoes the text (a parser error would quote it). */
function parseObject(raw: string | undefined): Record<string, unknown> | undefined {
  if (!raw) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads `APP_SECRET_ARN` once (Secrets Manager, JSON `{"SECRET_KEY": "...", "DB_PASSWORD": "..."}`)
 * and returns the configuration with those secrets filled in. `SECRET_KEY` must be in the secret,
 * `DB_PASSWORD` is optional; a `SECRET_KEY` / `DB_PASSWORD` environment variable wins over the secret.
 * Throws a ConfigError naming APP_SECRET_ARN (never a value) when the secret cannot be read or used.
 */
export async function withAppSecret(config: Config, secrets: SecretsManagerClient): Promise<Config> {
  const arn = config.appSecretArn;
  if (!arn) return config;
  let raw: string | undefined;
  try {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    raw = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
  } catch (err) {
    fail(`cannot be read (${describeReadError(err)})`);
  }
  const value = parseObject(raw) ?? fail('must hold a JSON object with SECRET_KEY');
  const text = (key: string, required: boolean): string | undefined => {
    const v = value[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v.trim() === '') return fail(`holds no ${key} string`);
    return v;
  };
  const fromSecret = { SECRET_KEY: text('SECRET_KEY', true), DB_PASSWORD: text('DB_PASSWORD', false) };
  return {
    ...config,
    secrets: {
      ...config.secrets,
      SECRET_KEY: config.secrets.SECRET_KEY ?? fromSecret.SECRET_KEY,
      DB_PASSWORD: config.secrets.DB_PASSWORD ?? fromSecret.DB_PASSWORD,
    },
  };
}

/** For the process entry points: `withAppSecret`, or one line on stderr naming APP_SECRET_ARN and exit 1. */
export async function withAppSecretOrExit(config: Config, secrets: SecretsManagerClient): Promise<Config> {
  try {
    return await withAppSecret(config, secrets);
  } catch (err) {
    return exitOnConfigError(err);
  }
}
