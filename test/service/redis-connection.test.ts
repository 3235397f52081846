import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
} from '@aws-sdk/client-elasticache';
import request from 'supertest';
import { resolveRedisConnection } from '../../service/src/libraries/redis';
import { type Backends, createBackends, secretStore, uniqueName } from './helpers/backends';
import { httpStatus, run } from './helpers/process';
import { RedisServer, freePort, waitFor } from './helpers/redis-server';
import { buildTestApp } from './helpers/test-app';

const TOKEN = 'auth-token-0d9e8f7a6b5c';

describe('Redis connection: AUTH from Secrets Manager, replication group lookup, TLS', () => {
  let backends: Backends;
  let redis: RedisServer;
  const secrets = secretStore(() => backends.aws, 'redis-auth');

  beforeAll(async () => {
    backends = await createBackends('rconn');
    redis = await RedisServer.start(['--requirepass', TOKEN]);
  });

  afterAll(async () => {
    await secrets.destroy();
    await redis?.stop();
    await backends?.destroy();
  });

  test.each([
    ['a plain string', TOKEN],
    ['JSON with a password key', JSON.stringify({ username: 'default', password: TOKEN })],
  ])(
    'when REDIS_AUTH_SECRET_ARN names a secret holding %s, then the app authenticates and the counter works',
    async (_what, value) => {
      const arn = await secrets.create(value);
      const t = await buildTestApp(backends, redis.url, { REDIS_AUTH_SECRET_ARN: arn });
      try {
        await waitFor(async () => t.redis.status === 'ready', 'authenticated connection');
        expect((await request(t.app).post('/write')).status).toBe(200);
        expect((await request(t.app).get('/readyz')).body.checks.redis).toBe('ok');
        expect(t.logs.join('')).not.toContain(TOKEN);
      } finally {
        await t.close();
      }
    },
  );

  test('when the AUTH token is wrong, then the counter answers 503 redis unavailable, not 500', async () => {
    const t = await buildTestApp(backends, redis.url, { REDIS_PASSWORD: 'wrong-password' });
    try {
      const res = await request(t.app).get('/read');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: 'redis unavailable' });
      expect((await request(t.app).get('/readyz')).body.checks.redis).toBe('unavailable');
    } finally {
      await t.close();
    }
  });

  test('when REDIS_REPLICATION_GROUP_ID is set, then the primary endpoint comes from DescribeReplicationGroups', async () => {
    const id = uniqueName('rg').slice(0, 40);
    await backends.aws.elasticache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: id,
        ReplicationGroupDescription: 'service test',
        Engine: 'redis',
        CacheNodeType: 'cache.t3.micro',
        NumCacheClusters: 1,
      }),
    );
    try {
      const described = await backends.aws.elasticache.send(
        new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
      );
      const primary = described.ReplicationGroups?.[0]?.NodeGroups?.[0]?.PrimaryEndpoint;
      const conn = await resolveRedisConnection({ port: 1, tls: true, replicationGroupId: id }, backends.aws);
      // The emulator reports a host name of its own; AWS reports the primary endpoint's DNS name.
      expect(primary?.Address).toBeTruthy();
      expect(conn).toEqual({
        host: primary?.Address,
        port: primary?.Port,
        tls: true,
        username: undefined,
        password: undefined,
        db: undefined,
      });
    } finally {
      await backends.aws.elasticache
        .send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id }))
        .catch(() => undefined);
    }
  });

  test('when REDIS_URL is rediss:// to a TLS-only server, then the api process connects over TLS and is ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-tls-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    const tlsRedis = await RedisServer.start([
      '--tls-port',
      '0',
      '--tls-cert-file',
      cert,
      '--tls-key-file',
      key,
      '--tls-auth-clients',
      'no',
    ]);
    const port = await freePort();
    const proc = run('server', {
      ...backends.env,
      REDIS_URL: `rediss://localhost:${tlsRedis.port}`,
      PORT: String(port),
      NODE_EXTRA_CA_CERTS: cert,
    });
    try {
      await waitFor(async () => (await httpStatus(port, '/readyz')) === 200, 'api ready over TLS', 400).catch(
        (e) => {
          console.log(proc.output());
          throw e;
        },
      );
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exit;
      await tlsRedis.stop();
    }
  });
});
