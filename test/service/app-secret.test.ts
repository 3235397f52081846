import { loadConfig } from '../../service/src/libraries/config';
import { withAppSecret } from '../../service/src/libraries/config/app-secret';
import { type Backends, createBackends, secretStore } from './helpers/backends';
import { httpStatus, run } from './helpers/process';
import { RedisServer, freePort, waitFor } from './helpers/redis-server';

// Shaped like the data stack's generated value: 48 letters and digits.
const GENERATED_KEY = 'AppSecretKey0a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r';
const DB_PASSWORD = 'db-pass-from-secret-4e1f';
// Node 20 here (the image runs 22): the SDK's one-off Node version warning would add stderr lines.
const QUIET_SDK = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

describe('APP_SECRET_ARN: SECRET_KEY and DB_PASSWORD from Secrets Manager', () => {
  let backends: Backends;
  let redis: RedisServer;
  const secrets = secretStore(() => backends.aws, 'app-secret');
  const createSecret = (value: string) => secrets.create(value);

  beforeAll(async () => {
    backends = await createBackends('appsec');
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await secrets.destroy();
    await redis?.stop();
    await backends?.destroy();
  });

  test('when only APP_SECRET_ARN is set, then /config says SECRET_KEY "Yes" and the value is in no response and no log line', async () => {
    const arn = await createSecret(JSON.stringify({ SECRET_KEY: GENERATED_KEY }));
    const port = await freePort();
    const proc = run('server', {
      ...backends.env,
      REDIS_URL: redis.url,
      PORT: String(port),
      APP_SECRET_ARN: arn,
    });
    try {
      await waitFor(async () => (await httpStatus(port, '/readyz')) === 200, 'api ready', 400).catch((e) => {
        console.log(proc.output());
        throw e;
      });
      const config = await fetch(`http://127.0.0.1:${port}/config`);
      expect(await config.json()).toMatchObject({ secrets_status: { SECRET_KEY: 'Yes', DB_PASSWORD: 'No' } });
      const bodies: string[] = [];
      for (const path of ['/', '/config', '/readyz', '/metrics', '/openapi.json', '/nope']) {
        // The value as a request id reaches the access log: the logger must know it to scrub it.
        const res = await fetch(`http://127.0.0.1:${port}${path}`, {
          headers: { 'X-Request-Id': `probe-${GENERATED_KEY}` },
        });
        bodies.push(await res.text());
      }
      expect(bodies.join('\n')).not.toContain(GENERATED_KEY);
      await waitFor(async () => proc.output().includes('probe-[Redacted]'), 'access log lines');
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exit;
    }
    expect(proc.output()).not.toContain(GENERATED_KEY);
  });

  test('when the secret also holds DB_PASSWORD and SECRET_KEY is set in the environment, then the variable wins and DB_PASSWORD comes from the secret', async () => {
    const arn = await createSecret(JSON.stringify({ SECRET_KEY: GENERATED_KEY, DB_PASSWORD }));
    const env = { ...backends.env, REDIS_URL: redis.url, APP_SECRET_ARN: arn };
    const both = await withAppSecret(
      loadConfig({ ...env, SECRET_KEY: 'explicit-key' }),
      backends.aws.secrets,
    );
    expect(both.secrets).toMatchObject({ SECRET_KEY: 'explicit-key', DB_PASSWORD });
    const fromSecret = await withAppSecret(loadConfig(env), backends.aws.secrets);
    expect(fromSecret.secrets).toMatchObject({ SECRET_KEY: GENERATED_KEY, DB_PASSWORD });
    const none = loadConfig({ ...env, APP_SECRET_ARN: '' });
    expect(await withAppSecret(none, backends.aws.secrets)).toBe(none);
  });

  test.each([
    [
      'names no existing secret',
      async () => 'arn:aws:secretsmanager:us-east-1:000000000000:secret:absent-AbCdEf',
    ],
    ['is not an ARN', async () => 'hunter2-not-an-arn'],
    ['names a secret that is not JSON', () => createSecret('hunter2-plain-text')],
    ['names a JSON secret without SECRET_KEY', () => createSecret(JSON.stringify({ other: 'hunter2' }))],
  ])(
    'when APP_SECRET_ARN %s, then the api exits 1 with one line naming APP_SECRET_ARN (and no secret value)',
    async (_what, arnOf) => {
      const proc = run('server', {
        ...backends.env,
        ...QUIET_SDK,
        REDIS_URL: redis.url,
        PORT: String(await freePort()),
        APP_SECRET_ARN: await arnOf(),
      });
      expect(await proc.exit).toBe(1);
      const lines = proc.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Invalid configuration: APP_SECRET_ARN /);
      expect(lines[0]).not.toContain('hunter2');
    },
  );
});
