import { ConfigError, loadConfig } from '../../service/src/libraries/config';

const base = {
  AWS_REGION: 'eu-west-1',
  USERS_TABLE: 'users',
  MESSAGES_TABLE: 'messages',
  AVATARS_BUCKET: 'avatars',
  MESSAGES_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/messages',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

/** The base environment without some variables. */
const without = (...names: (keyof typeof base)[]): Record<string, string> =>
  Object.fromEntries(Object.entries(base).filter(([k]) => !names.includes(k as keyof typeof base)));

describe('configuration from the environment', () => {
  test('when only the required variables are set, then the documented defaults apply', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      port: 8080,
      region: 'eu-west-1',
      endpoint: undefined,
      avatarMaxBytes: 5242880,
      shutdownTimeoutMs: 10000,
      logLevel: 'info',
      appVersion: '1.0.0',
      publicConfig: { API_BASE_URL: 'not configured', LOG_LEVEL: 'INFO', MAX_CONNECTIONS: '10' },
    });
  });

  test('when the reference systems’ DYNAMODB_TABLE and S3_BUCKET are set, then they serve as aliases', () => {
    const config = loadConfig({
      ...without('USERS_TABLE', 'AVATARS_BUCKET'),
      DYNAMODB_TABLE: 'legacy-users',
      S3_BUCKET: 'legacy-bucket',
    });
    expect(config.usersTable).toBe('legacy-users');
    expect(config.avatarsBucket).toBe('legacy-bucket');
  });

  test('when a variable is set to an empty string, then it counts as unset', () => {
    expect(() => loadConfig({ ...base, USERS_TABLE: '' })).toThrow('USERS_TABLE is required');
    expect(loadConfig({ ...base, PORT: '' }).port).toBe(8080);
  });

  test('when MESSAGES_DLQ_URL is set, then the worker gets it as the dead-letter queue; unset or blank, there is none', () => {
    const dlq = 'https://sqs.eu-west-1.amazonaws.com/123456789012/messages-dlq';
    expect(loadConfig({ ...base, MESSAGES_DLQ_URL: dlq }, 'worker').deadLetterQueueUrl).toBe(dlq);
    expect(loadConfig(base, 'worker').deadLetterQueueUrl).toBeUndefined();
    expect(loadConfig({ ...base, MESSAGES_DLQ_URL: ' ' }, 'worker').deadLetterQueueUrl).toBeUndefined();
  });

  test('when LOG_LEVEL is upper case, then the logger level is its lower case and /config shows it as given', () => {
    const config = loadConfig({ ...base, LOG_LEVEL: 'WARN' });
    expect(config.logLevel).toBe('warn');
    expect(config.publicConfig.LOG_LEVEL).toBe('WARN');
  });

  test.each([
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['MESSAGES_QUEUE_URL', 'not a url'],
    ['MESSAGES_DLQ_URL', 'not a url'],
    ['REDIS_TLS', 'maybe'],
    ['SHUTDOWN_TIMEOUT_MS', '10s'],
  ])('when %s is %s, then a ConfigError names it', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(
      new RegExp(`^Invalid configuration: ${name} `),
    );
  });

  test('when no Redis location is given to the api, then it is refused; the worker does not need one', () => {
    const worker = without('REDIS_URL', 'USERS_TABLE', 'AVATARS_BUCKET');
    expect(() => loadConfig({ ...base, REDIS_URL: undefined })).toThrow(/REDIS_URL is required/);
    expect(loadConfig(worker, 'worker').messagesTable).toBe('messages');
  });

  test('when REDIS_HOST or REDIS_REPLICATION_GROUP_ID stand in for REDIS_URL, then the api accepts them', () => {
    const rest = without('REDIS_URL');
    expect(loadConfig({ ...rest, REDIS_HOST: 'cache.local', REDIS_TLS: 'true' }).redis).toMatchObject({
      host: 'cache.local',
      port: 6379,
      tls: true,
    });
    expect(loadConfig({ ...rest, REDIS_REPLICATION_GROUP_ID: 'rg-1' }).redis.replicationGroupId).toBe('rg-1');
  });
});
